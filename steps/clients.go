package steps

// Steps of features/16_clients.feature: what real MCP clients need around
// the token (discovery to the authorization server, the Origin check, side
// doors, streams bound to their token) and the wider log scan.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// clientScenario is the part of a scenario's state these steps keep.
type clientScenario struct {
}

func (s *scenario) clients() *clientScenario {
	if s.client == nil {
		s.client = &clientScenario{}
	}
	return s.client
}

// requestCarriesOrigin adds an Origin header to the scenario's credentials
// (after the token step, which sets them). {own_origin} is the origin of the
// MCP endpoint; {allowed_origin} the one the harness listed in the target's
// MCP_ALLOWED_ORIGINS.
func requestCarriesOrigin(ctx context.Context, origin string) error {
	s := get(ctx)
	switch origin {
	case "{own_origin}":
		u, err := url.Parse(s.env.Target.MCPURL)
		if err != nil {
			return err
		}
		origin = u.Scheme + "://" + u.Host
	case "{allowed_origin}":
		if s.env.Target.AllowedOrigin == "" {
			return skip("the suite did not configure the target's MCP_ALLOWED_ORIGINS")
		}
		origin = s.env.Target.AllowedOrigin
	}
	creds := s.creds
	s.creds = func(r *http.Request) {
		if creds != nil {
			creds(r)
		}
		r.Header.Set("Origin", origin)
	}
	return nil
}

// validTokenExpiringIn mints a valid token of name whose exp is n seconds
// from now. Only the issuer's key makes one: a supplied token's exp changed
// under its signature is refused for the signature, never served.
func validTokenExpiringIn(ctx context.Context, name string, n int) error {
	if get(ctx).env.Target.Supplied != nil {
		return material(&harness.MaterialError{Need: harness.NeedSigningKey,
			Reason: fmt.Sprintf("a valid token that expires in %d s needs the issuer's key", n)})
	}
	exp := time.Now().Add(time.Duration(n) * time.Second).Unix()
	if err := tokenWith(ctx, name, map[string]json.RawMessage{"exp": json.RawMessage(fmt.Sprint(exp))}, nil); err != nil {
		return err
	}
	get(ctx).tokenExp = time.Unix(exp, 0)
	return nil
}

// freshTokenFor is a valid token of name other than the one its session
// was opened with: a client's refreshed token. A supplied token is the same
// token in every step, so only the issuer's key makes a fresh one.
func freshTokenFor(ctx context.Context, name string) error {
	s := get(ctx)
	if s.env.Target.Supplied != nil {
		return material(&harness.MaterialError{Need: harness.NeedSigningKey,
			Reason: "a fresh token of a user who has a session needs the issuer's key: the supplied token is the one that opened it"})
	}
	// Minted tokens differ by their random jti (harness.Issuer.Token).
	return validTokenFor(ctx, name)
}

func clientCallsWithOnSession(ctx context.Context, tool, args, owner string) error {
	s := get(ctx)
	parsed, err := s.parseArgs(args)
	if err != nil {
		return err
	}
	sess, err := s.sessionFor(ctx, owner, false)
	if err != nil {
		return err
	}
	return s.callTool(ctx, sess, tool, parsed)
}

func clientOpensStreamFor(ctx context.Context, seconds int) error {
	s := get(ctx)
	sess, err := s.sessionFor(ctx, "alice", true)
	if err != nil {
		return err
	}
	return s.send(ctx, harness.Exchange{Method: http.MethodGet, Session: sess.ID, Creds: s.creds, StreamFor: time.Duration(seconds) * time.Second})
}

// streamEndedNearExpiry: the GET stream was accepted and ended no later
// than slack after the token's exp (it was read for longer).
func streamEndedNearExpiry(ctx context.Context, slack int) error {
	s := get(ctx)
	exp := s.tokenExp
	if exp.IsZero() || s.resp == nil {
		return errors.New(`this step needs a token that expires ("a valid token for "<user>" that expires in <n> s") and an opened stream`)
	}
	if s.resp.Status != http.StatusOK {
		return mismatch("the stream to open (HTTP 200) while the token was valid", "HTTP %d %s", s.resp.Status, s.redact(snippet(s.resp.Body)))
	}
	ended := s.streamEnd // a listen stream records when it ended
	if ended.IsZero() {
		ended = time.Now() // a GET stream is read until it ends
	}
	if late := ended.Sub(exp); late > time.Duration(slack)*time.Second {
		return mismatch(fmt.Sprintf("the stream to end within %d s of the token's expiry", slack),
			"it was still open %.1f s after the token expired (read for %.1f s)", late.Seconds(), s.resp.Elapsed.Seconds())
	}
	return nil
}

func noSessionOpened(ctx context.Context) error {
	s := get(ctx)
	if s.resp == nil {
		return fmt.Errorf("no request was sent")
	}
	if id := s.resp.Header.Get("Mcp-Session-Id"); id != "" {
		return mismatch("no Mcp-Session-Id in the answer", "a session was opened (HTTP %d)", s.resp.Status)
	}
	return nil
}

// followChallengeToMetadata fetches the resource_metadata URL of the last
// answer's challenge, as a client does after a 401.
func followChallengeToMetadata(ctx context.Context) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	raw := p["resource_metadata"]
	if raw == "" {
		return mismatch("a resource_metadata parameter in the challenge", "%q", s.resp.Header.Values("WWW-Authenticate"))
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return mismatch("an absolute resource_metadata URL", "%q", raw)
	}
	base, _ := url.Parse(s.env.Target.BaseURL)
	if u.Host != base.Host {
		// The suite talks only to the target's own (loopback) host.
		return mismatch("resource_metadata on the target's own host "+base.Host, "%q", raw)
	}
	status, body, err := s.fetch(ctx, raw)
	if err != nil {
		return mismatch("the resource_metadata URL to answer", "%v", err)
	}
	s.resp = &harness.Response{Status: status, Body: body, Header: http.Header{}}
	s.metadata = nil
	_ = json.Unmarshal(body, &s.metadata)
	return nil
}

// fetch GETs u without credentials and returns status and body (at most
// 1 MiB).
func (s *scenario) fetch(ctx context.Context, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.env.Client.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

func (s *scenario) authorizationServers() ([]string, error) {
	if s.metadata == nil {
		return nil, mismatch("a JSON metadata document", "%s", snippet(s.resp.Body))
	}
	list, ok := s.metadata["authorization_servers"].([]any)
	if !ok || len(list) == 0 {
		return nil, mismatch("authorization_servers, a non-empty array", "%v", s.metadata["authorization_servers"])
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		str, ok := v.(string)
		if !ok {
			return nil, mismatch("authorization_servers of strings", "%v", v)
		}
		out = append(out, str)
	}
	return out, nil
}

// issuerURLProblem says why iss is not an RFC 8414 §2 issuer identifier: an
// https URL without query or fragment (http is accepted on a loopback host,
// for test deployments). "" when it is one.
func issuerURLProblem(iss string) string {
	u, err := url.Parse(iss)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "not an absolute URL"
	case u.RawQuery != "" || u.ForceQuery:
		return "has a query"
	case u.Fragment != "" || strings.Contains(iss, "#"):
		return "has a fragment"
	case u.User != nil:
		return "has credentials"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return ""
	case u.Scheme == "http":
		return "http on a host that is not loopback (RFC 8414 §2: https)"
	}
	return "scheme " + u.Scheme + " (RFC 8414 §2: https)"
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func everyAuthorizationServerIsURL(ctx context.Context) error {
	s := get(ctx)
	servers, err := s.authorizationServers()
	if err != nil {
		return err
	}
	for _, as := range servers {
		if p := issuerURLProblem(as); p != "" {
			return mismatch("issuer identifiers: https URLs without query or fragment (RFC 9728 §2, RFC 8414 §2)", "%q: %s", as, p)
		}
	}
	return nil
}

// asMetadataURLs are the locations MCP 2025-11-25 has clients try for an
// issuer, in its order: RFC 8414 §3.1 (well-known segment inserted before
// the path), then OpenID Connect Discovery inserted and appended.
func asMetadataURLs(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	origin := u.Scheme + "://" + u.Host
	if path == "" {
		return []string{origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"}
	}
	return []string{
		origin + "/.well-known/oauth-authorization-server" + path,
		origin + "/.well-known/openid-configuration" + path,
		origin + path + "/.well-known/openid-configuration",
	}
}

// everyASPublishesMetadata: for each listed authorization server, the first
// location that answers 200 with a JSON document names the same issuer
// (RFC 8414 §3.3). The suite reaches only loopback hosts; the harness's own
// core app is reached where the harness serves it.
func everyASPublishesMetadata(ctx context.Context) error {
	s := get(ctx)
	servers, err := s.authorizationServers()
	if err != nil {
		return err
	}
	for _, as := range servers {
		if p := issuerURLProblem(as); p != "" {
			return mismatch("an issuer URL to fetch the metadata under", "%q: %s", as, p)
		}
		u, _ := url.Parse(as)
		reach := func(loc string) string { return loc }
		t := s.env.Target
		ownCore := t.Issuer != nil && as == t.Issuer.Issuer && t.BackendURL != ""
		// A deployment's own authorization server: publishing its metadata
		// is a MUST on that server (MCP 2025-11-25 "MCP authorization
		// servers MUST provide…"), not on the MCP server under test, so what
		// it lacks is reported as a skip. A target the suite started has
		// the suite's core app as its only authorization server: listing
		// anything else is the target's own mistake.
		foreign := t.Kind == "external" && !ownCore
		if ownCore {
			// The harness's core app, which the suite may reach at another
			// address than the target does (a container's published port).
			origin := u.Scheme + "://" + u.Host
			reach = func(loc string) string { return t.BackendURL + strings.TrimPrefix(loc, origin) }
		} else if !isLoopbackHost(u.Hostname()) {
			return skip("the authorization server %s is not on a loopback host; the suite sends traffic only to loopback", as)
		}
		var tried []string
		found := false
		for _, loc := range asMetadataURLs(as) {
			status, body, err := s.fetch(ctx, reach(loc))
			if err != nil {
				tried = append(tried, fmt.Sprintf("%s: %v", loc, err))
				continue
			}
			var doc map[string]any
			if status != http.StatusOK || json.Unmarshal(body, &doc) != nil {
				tried = append(tried, fmt.Sprintf("%s: HTTP %d", loc, status))
				continue
			}
			if doc["issuer"] != as {
				if foreign {
					return skip("the authorization server %s is the deployment's, and the MUST is on it: its metadata at %s names issuer %v (RFC 8414 §3.3: identical)", as, loc, doc["issuer"])
				}
				return mismatch(fmt.Sprintf("issuer %q at %s (RFC 8414 §3.3: identical)", as, loc), "issuer %v", doc["issuer"])
			}
			found = true
			break
		}
		if !found {
			if foreign {
				return skip("the authorization server %s is the deployment's, and the MUST is on it: no metadata found (%s)", as, strings.Join(tried, "; "))
			}
			return mismatch("authorization server metadata for "+as+" (RFC 8414 or OpenID Connect Discovery)", "%s", strings.Join(tried, "; "))
		}
	}
	return nil
}

// clientSendsToSideDoor sends method to path beside the MCP endpoint, with
// the scenario's credentials, as the legacy HTTP+SSE transport and
// frameworks that mount it would take it: a POST carries a tools/call of
// create_ticket and names alice's session (if one is open) both as the
// legacy sessionId query parameter and as Mcp-Session-Id; a GET asks for
// an event stream and is read briefly.
func clientSendsToSideDoor(ctx context.Context, method, path string) error {
	s := get(ctx)
	c := harness.NewClient(s.env.Target.BaseURL + path)
	ex := harness.Exchange{Method: method, Creds: s.creds}
	if sess, ok := s.sessions["alice"]; ok && sess.ID != "" {
		ex.Session = sess.ID
		ex.Query = url.Values{"sessionId": {sess.ID}}
	}
	switch method {
	case http.MethodPost:
		ex.Message = &harness.Message{ID: c.NewID(), Method: "tools/call",
			Params: map[string]any{"name": s.toolName("create_ticket"), "arguments": map[string]any{"title": "through a side door"}}}
	case http.MethodGet:
		ex.StreamFor = sideDoorStream
	default:
		return fmt.Errorf("side doors are probed with GET or POST, not %q", method)
	}
	resp, err := c.Do(ctx, ex)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ex.StreamFor > 0 {
		// No answer at all within the time: nothing was served.
		resp, err = &harness.Response{Header: http.Header{}}, nil
	}
	if err != nil {
		return err
	}
	s.resp, s.result = resp, nil
	return nil
}

// sideDoorStream is how long a GET to a side door is read: an absent one
// answers at once, a stream served without a token shows its 200 well
// before (a busy machine can take more than a few hundred milliseconds to
// answer at all).
const sideDoorStream = 2 * time.Second

func (s *scenario) toolName(tool string) string {
	if n, ok := s.env.Target.Tool(tool); ok {
		return n
	}
	return tool
}

func sideDoorNotServed(ctx context.Context) error {
	s := get(ctx)
	if s.resp.Status >= 200 && s.resp.Status < 300 {
		return mismatch("no answer 2xx without a token (absent, redirected or refused)", "HTTP %d %s", s.resp.Status, s.redact(snippet(s.resp.Body)))
	}
	return nil
}

// sideDoorAbsentOrAsMCP: 404 or 405 (absent), a redirect to the MCP
// endpoint, or 401 with a Bearer challenge, as /mcp answers a request
// without a token.
func sideDoorAbsentOrAsMCP(ctx context.Context) error {
	s := get(ctx)
	r := s.resp
	switch {
	case r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed:
		return nil
	case r.Status >= 300 && r.Status < 400:
		loc, err := url.Parse(r.Header.Get("Location"))
		mcp, _ := url.Parse(s.env.Target.MCPURL)
		if err == nil && (loc.Path == mcp.Path) && (loc.Host == "" || loc.Host == mcp.Host) {
			return nil
		}
		return mismatch("a redirect to the MCP endpoint", "HTTP %d to %q", r.Status, r.Header.Get("Location"))
	case r.Status == 0:
		return mismatch("an answer: 404, 405, a redirect or 401", "no answer within %s", sideDoorStream)
	case r.Status == http.StatusUnauthorized:
		if _, ok := bearerChallenge(r.Header.Values("WWW-Authenticate")); ok {
			return nil
		}
		return mismatch("401 with a Bearer challenge, as /mcp answers", "WWW-Authenticate %q", r.Header.Values("WWW-Authenticate"))
	}
	return mismatch("404, 405, a redirect to the MCP endpoint, or 401 as /mcp answers", "HTTP %d %s", r.Status, s.redact(snippet(r.Body)))
}

// jwtShaped matches three base64url segments, the first a JSON object
// ("eyJ" is base64 of `{"`): the shape of a JWS compact serialization.
var jwtShaped = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// logsHaveNoBackendToken: no whole token the fake backend received (its
// recording keeps their SHA-256) appears in the target's logs. Each
// JWT-shaped string of the logs is hashed and looked up, so that the suite
// never holds or prints the backend tokens themselves.
func logsHaveNoBackendToken(ctx context.Context) error {
	s := get(ctx)
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	received := map[string]bool{}
	for _, r := range reqs {
		if r.TokenSHA256 != "" && strings.HasPrefix(r.Path, "/api/") {
			received[r.TokenSHA256] = true
		}
	}
	if len(received) == 0 {
		return fmt.Errorf("the backend received no token yet in this run")
	}
	for _, m := range jwtShaped.FindAll(s.env.Target.Logs(), -1) {
		h := sha256.Sum256(m)
		if received[hex.EncodeToString(h[:])] {
			return mismatch("logs without any token the backend received", "a backend token (SHA-256 %s…) appears in the target's logs", hex.EncodeToString(h[:])[:12])
		}
	}
	return nil
}

func logsHaveNoJWT(ctx context.Context) error {
	s := get(ctx)
	if m := jwtShaped.Find(s.env.Target.Logs()); m != nil {
		h := sha256.Sum256(m)
		return mismatch("logs without anything shaped like a JWT", "a JWT-shaped string of %d bytes (SHA-256 %s…) appears in the target's logs", len(m), hex.EncodeToString(h[:])[:12])
	}
	return nil
}

// logsHaveNoClientSecret looks for the target's client secret as it is, in
// base64, and inside an HTTP Basic credential of the client id (RFC 6749
// §2.3.1: each form-encoded, then joined with a colon and base64-encoded).
func logsHaveNoClientSecret(ctx context.Context) error {
	s := get(ctx)
	secret := s.env.Target.ClientSecret
	if secret == "" {
		return skip("the suite does not know the target's client secret (it did not start the target)")
	}
	basic := []byte(url.QueryEscape(harness.DefaultClientID) + ":" + url.QueryEscape(secret))
	raw := []byte(harness.DefaultClientID + ":" + secret)
	needles := map[string]string{secret: "the client secret"}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		needles[enc.EncodeToString([]byte(secret))] = "the client secret in base64"
		needles[enc.EncodeToString(basic)] = "a Basic credential with the client secret"
		needles[enc.EncodeToString(raw)] = "a Basic credential with the client secret"
	}
	logs := s.env.Target.Logs()
	for needle, what := range needles {
		if bytes.Contains(logs, []byte(needle)) {
			return mismatch("logs without the client secret", "%s appears in the target's logs", what)
		}
	}
	return nil
}

func logsHaveNoSessionID(ctx context.Context) error {
	s := get(ctx)
	ids := 0
	logs := s.env.Target.Logs()
	for name, sess := range s.sessions {
		if sess.ID == "" {
			continue
		}
		ids++
		if bytes.Contains(logs, []byte(sess.ID)) {
			return mismatch("logs without session ids", "the session id of %s's session appears in the target's logs", name)
		}
	}
	if ids == 0 {
		return skip("the target issues no Mcp-Session-Id (stateless, as MCP 2026-07-28 allows)")
	}
	return nil
}
