package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func (s *scenario) response() (*responseView, error) {
	if s.resp == nil {
		return nil, fmt.Errorf("no request was sent yet")
	}
	return &responseView{s}, nil
}

type responseView struct{ s *scenario }

func (v *responseView) describe() string {
	r := v.s.resp
	if v.s.dropped != nil {
		return fmt.Sprintf("no answer: the connection closed before one (%v)", v.s.dropped)
	}
	return fmt.Sprintf("HTTP %d, WWW-Authenticate %q, body %s", r.Status, r.Header.Values("WWW-Authenticate"), v.s.redact(snippet(r.Body)))
}

func responseStatusIs(ctx context.Context, code int) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	if s.resp.Status != code {
		return mismatch(fmt.Sprintf("HTTP %d", code), "%s", v.describe())
	}
	return nil
}

// NoRefusalToJudge begins the reason of a scenario skipped because the
// refusal whose shape it checks did not happen: a verdict of another
// scenario, which a mutant of the reference server may well cause.
const NoRefusalToJudge = "no refusal to judge: "

// responseStatusIsOrSkip guards a check of a refusal's shape (its body, its
// echo): when the target did not refuse with code, the refusal under test
// did not happen, and the scenario that asks for it (auth-4.8 for 403,
// auth-1.9 for 400) gives the verdict; this one is skipped, not failed.
func responseStatusIsOrSkip(ctx context.Context, code int) error {
	s := get(ctx)
	if _, err := s.response(); err != nil {
		return err
	}
	if s.resp.Status != code {
		return skip(NoRefusalToJudge+"the target answered HTTP %d, not %d", s.resp.Status, code)
	}
	return nil
}

func requestAccepted(ctx context.Context) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	if s.resp.Status/100 != 2 {
		return mismatch("the request accepted (HTTP 2xx)", "%s", v.describe())
	}
	return nil
}

func requestRefused(ctx context.Context) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	// A refusal is any 4xx (401, 400, 413, 431, ...) or a connection the
	// target closed before answering: none of them serves the request.
	if s.resp.Status/100 != 4 && s.dropped == nil {
		return mismatch("the request refused (HTTP 4xx, or the connection closed before an answer)", "%s", v.describe())
	}
	return nil
}

// responseStatusIsEither: for requests the transports let a server refuse
// by more than one status (401, or 405 for a GET or DELETE it does not
// support: MCP 2025-06-18 and 2025-11-25 Streamable HTTP).
func responseStatusIsEither(ctx context.Context, a, b int) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	if s.resp.Status != a && s.resp.Status != b {
		return mismatch(fmt.Sprintf("HTTP %d or %d", a, b), "%s", v.describe())
	}
	return nil
}

// challenge returns the parameters of the Bearer challenge (RFC 6750 §3),
// wherever it stands among the challenges of the WWW-Authenticate field
// (RFC 9110 §11.6.1: one field may carry several, e.g. DPoP and Bearer).
func (s *scenario) challenge() (map[string]string, error) {
	v, err := s.response()
	if err != nil {
		return nil, err
	}
	values := s.resp.Header.Values("WWW-Authenticate")
	if _, err := parseChallenges(values); err != nil {
		return nil, mismatch("a WWW-Authenticate field of RFC 9110 §11.6.1 syntax", "%v", err)
	}
	if p, ok := bearerChallenge(values); ok {
		return p, nil
	}
	return nil, mismatch("a WWW-Authenticate: Bearer challenge", "%s", v.describe())
}

func challengeNoErrorCode(ctx context.Context) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	if code, ok := p["error"]; ok {
		return mismatch("a challenge without an error code (RFC 6750 §3.1: no credentials)", "error=%q", code)
	}
	return nil
}

func challengeErrorIs(ctx context.Context, code string) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	if p["error"] != code {
		return mismatch(fmt.Sprintf("error=%q", code), "error=%q in %q", p["error"], s.resp.Header.Values("WWW-Authenticate"))
	}
	return nil
}

// challengeNamesMetadata checks resource_metadata (RFC 9728 §5.1) and
// follows it: the document must be served, without credentials, and name
// the target's resource (RFC 9728 §3.3).
// The URL may be on the target's host or, when the profile gives the
// deployment's public resource, on that one's: it is then fetched by its
// path from the target, so that the suite never leaves the machine.
func challengeNamesMetadata(ctx context.Context) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	raw, ok := p["resource_metadata"]
	if !ok {
		return mismatch("a resource_metadata parameter", "%q", s.resp.Header.Values("WWW-Authenticate"))
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return mismatch("an absolute resource_metadata URL", "%q", raw)
	}
	base, _ := url.Parse(s.env.Target.BaseURL)
	res, _ := url.Parse(s.env.Target.ResourceURL())
	fetch := raw
	switch u.Host {
	case base.Host:
	case res.Host:
		fetch = s.env.Target.BaseURL + u.EscapedPath()
	default:
		return mismatch("resource_metadata on the target's own host "+res.Host, "%q", raw)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fetch, nil)
	resp, err := s.env.Client.HTTP.Do(req)
	if err != nil {
		return mismatch("the resource_metadata URL to answer", "%v", err)
	}
	defer resp.Body.Close()
	var doc struct {
		Resource string `json:"resource"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&doc) != nil {
		return mismatch("200 with a JSON metadata document at "+raw, "HTTP %d", resp.StatusCode)
	}
	// RFC 9728 §3.3: metadata reached through resource_metadata must name
	// "the URL that the client used to make the request": the resource,
	// wherever the document sits (the root location's origin reading of
	// allowedResources does not apply here).
	if want := s.env.Target.ResourceURL(); doc.Resource != want {
		return mismatch(fmt.Sprintf("resource %q (RFC 9728 §3.3: the URL the client used, for metadata reached through resource_metadata)", want), "resource %q", doc.Resource)
	}
	return nil
}

// allowedResources are the "resource" values RFC 9728 §3.3 allows in the
// metadata served at path, for a target whose resource identifier is
// resource: the identifier into which the well-known string was inserted.
// At the path-suffixed location that is the resource itself. At the root
// location it is, read literally, the origin; MCP 2025-11-25 (Protected
// Resource Metadata Discovery Requirements) also serves the MCP endpoint's
// own metadata there, so the resource itself is allowed too.
func allowedResources(resource, path string) []string {
	const wellKnown = "/.well-known/oauth-protected-resource"
	r, err := url.Parse(resource)
	if err != nil {
		return []string{resource}
	}
	origin := r.Scheme + "://" + r.Host
	switch strings.TrimRight(path, "/") {
	case wellKnown + strings.TrimRight(r.Path, "/"):
		if r.Path == "" || r.Path == "/" {
			return []string{resource, origin, origin + "/"}
		}
		return []string{resource}
	case wellKnown:
		return []string{resource, origin, origin + "/"}
	}
	return []string{resource}
}

func challengeScopeIs(ctx context.Context, scope string) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	for _, sc := range strings.Fields(p["scope"]) {
		if sc == scope {
			return nil
		}
	}
	return mismatch(fmt.Sprintf("scope=%q in the challenge", scope), "%q", s.resp.Header.Values("WWW-Authenticate"))
}

func challengeHasScope(ctx context.Context) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	if strings.TrimSpace(p["scope"]) == "" {
		return mismatch("a scope parameter (MCP 2025-11-25 scope selection)", "%q", s.resp.Header.Values("WWW-Authenticate"))
	}
	return nil
}

func responseBodyIsJSON(ctx context.Context) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(s.resp.Header.Get("Content-Type"))
	if mt != "application/json" || !json.Valid(s.resp.Body) {
		return mismatch("a JSON body (Content-Type application/json)", "Content-Type %q, %s", s.resp.Header.Get("Content-Type"), v.describe())
	}
	return nil
}

// responseHasNoToken: neither the body nor any header echoes the token, or
// its signature, which alone would let a log reader replay nothing but
// still identifies the credential.
func responseHasNoToken(ctx context.Context) error {
	s := get(ctx)
	if _, err := s.response(); err != nil {
		return err
	}
	if s.token == "" {
		return fmt.Errorf("the scenario sent no token")
	}
	needles := []string{s.token}
	if sig := signatureOf(s.token); sig != "" {
		needles = append(needles, sig)
	}
	answer := s.answerText()
	for _, n := range needles {
		if strings.Contains(answer, n) {
			return mismatch("an answer that does not echo the token", "the token (or its signature) appears in the answer")
		}
	}
	return nil
}

// answerText is everything the target answered that a client or a log
// could keep: the body, every header, and the tool result's text.
func (s *scenario) answerText() string {
	var b strings.Builder
	b.Write(s.resp.Body)
	for k, vs := range s.resp.Header {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	if s.result != nil {
		b.WriteString(s.result.Text)
	}
	return b.String()
}

// signatureOf returns the signature segment of a three-part token when it
// is long enough to identify the token, else "". It counts dots instead of
// splitting, since the suite also sends a token of a million periods.
func signatureOf(t string) string {
	if strings.Count(t, ".") != 2 {
		return ""
	}
	if sig := t[strings.LastIndexByte(t, '.')+1:]; len(sig) >= 16 {
		return sig
	}
	return ""
}

func responseWithin(ctx context.Context, ms int) error {
	s := get(ctx)
	if _, err := s.response(); err != nil {
		return err
	}
	if limit := time.Duration(ms) * time.Millisecond; s.resp.Elapsed > limit {
		return mismatch(fmt.Sprintf("an answer within %v", limit), "%v", s.resp.Elapsed.Round(time.Millisecond))
	}
	return nil
}

func attackerNoRequest(ctx context.Context) error {
	s := get(ctx)
	if n := s.env.hits(s.attackPath); n != 0 {
		return mismatch("no request to the URL in the token header (RFC 8725 §3.10: do not trust jku/x5u)", "the target fetched it %d time(s)", n)
	}
	return nil
}
