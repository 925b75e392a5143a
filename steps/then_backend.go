package steps

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

var harnessFingerprint = harness.Fingerprint

// backendRecordedNoCall: the backend recorded no API call (a path under
// /api/): the tool did not run. A token exchange at /oauth/token does not
// count: a target may exchange the caller's token when it authenticates,
// before it knows which tool is called.
func backendRecordedNoCall(ctx context.Context) error {
	s := get(ctx)
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	var api []fakebackend.Request
	for _, r := range reqs {
		if strings.HasPrefix(r.Path, "/api/") {
			api = append(api, r)
		}
	}
	if len(api) != 0 {
		r := api[0]
		return mismatch("no backend API call (the tool must not run)", "%d call(s), first %s %s as %s", len(api), r.Method, r.Path, r.Subject)
	}
	return nil
}

// backendReceivedTokenFor: the backend saw API calls, all of them with a
// token of name's user and organization (MCP: the server acts on the
// caller's behalf, never with more or other authority), obtained from the
// core app's token endpoint: audience core-api and an act claim naming the
// MCP server (target contract §5, RFC 8693 §4.1). A token the target signed
// itself with the shared secret has no act: the core app never saw that
// delegation.
func backendReceivedTokenFor(ctx context.Context, name string) error {
	s := get(ctx)
	u, err := s.castUser(ctx, name)
	if err != nil {
		return err
	}
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	api := 0
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		api++
		if r.Subject != u.Subject || r.OrgID != u.OrgID {
			return mismatch(fmt.Sprintf("backend calls with a token of %s in %s", u.Subject, u.OrgID),
				"%s %s with sub %q org %q (%s)", r.Method, r.Path, r.Subject, r.OrgID, r.TokenKind)
		}
		if !slices.Contains(r.Audience, fakebackend.APIAudience) || r.Actor == "" {
			return mismatch(fmt.Sprintf("backend calls with a token exchanged at the token endpoint (aud %s, an act claim)", fakebackend.APIAudience),
				"%s %s with aud %v and act %q (%s)", r.Method, r.Path, r.Audience, r.Actor, r.TokenKind)
		}
	}
	if api == 0 {
		return mismatch("at least one backend API call", "none (%d requests recorded)", len(reqs))
	}
	return nil
}

// backendScopeWithin: the backend saw API calls, and none carried a scope
// outside scopes. Target contract §5: the exchanged token "keeps [...] the
// granted scope" of the subject token, so a backend token obtained for one
// client token must never serve another token with less scope.
func backendScopeWithin(ctx context.Context, scopes string) error {
	s := get(ctx)
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	allowed := strings.Fields(scopes)
	api := 0
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		api++
		for _, sc := range r.Scopes {
			if !slices.Contains(allowed, sc) {
				return mismatch(fmt.Sprintf("backend calls with no scope beyond %q", scopes),
					"%s %s carried scope %q (%s)", r.Method, r.Path, strings.Join(r.Scopes, " "), r.TokenKind)
			}
		}
	}
	if api == 0 {
		return mismatch("at least one backend API call", "none (%d requests recorded)", len(reqs))
	}
	return nil
}

// backendNeverReceivedClientToken: MCP 2025-06-18 Security Best Practices,
// "Token Passthrough": the server MUST NOT forward the token it received.
func backendNeverReceivedClientToken(ctx context.Context) error {
	s := get(ctx)
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if r.TokenKind == "passthrough" || s.env.sentToken(r.TokenSHA256) {
			return mismatch("backend calls with an exchanged token (RFC 8693), never the client's own",
				"%s %s carried the client's token (pass-through)", r.Method, r.Path)
		}
	}
	return nil
}

// serverIsHealthy: /healthz answers and an authenticated call that needs no
// backend still works.
func serverIsHealthy(ctx context.Context) error {
	s := get(ctx)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.env.Target.BaseURL+"/healthz", nil)
	resp, err := s.env.Client.HTTP.Do(req)
	if err != nil {
		return mismatch("/healthz to answer 200", "%v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return mismatch("/healthz to answer 200", "HTTP %d", resp.StatusCode)
	}
	saved := *s
	defer func() {
		s.resp, s.result, s.call, s.token, s.creds = saved.resp, saved.result, saved.call, saved.token, saved.creds
	}()
	tok, err := s.validToken(harness.Users["alice"])
	if err != nil {
		return err
	}
	s.useToken(tok)
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.callTool(callCtx, nil, "whoami", map[string]any{}); err != nil {
		return mismatch("whoami to work after the fault", "%v", err)
	}
	if s.result == nil || s.result.IsError {
		return mismatch("whoami to work after the fault", "%s", s.describeCall())
	}
	return nil
}

// logsHaveNoSecrets scans everything the target logged in this run for any
// token the suite sent (whole, or its signature) and for the secret.
func logsHaveNoSecrets(ctx context.Context) error {
	s := get(ctx)
	logs := s.env.Target.Logs()
	if secret := s.env.secret(); len(secret) > 0 && bytes.Contains(logs, secret) {
		return mismatch("logs without the signing secret", "the secret appears in the target's logs")
	}
	tokens := s.env.mintedTokens()
	if len(tokens) == 0 {
		return fmt.Errorf("no token was sent yet in this run")
	}
	needles := make(map[string]string, 2*len(tokens)) // needle → its token
	for _, t := range tokens {
		needles[t] = t
		if sig := signatureOf(t); sig != "" {
			needles[sig] = t
		}
	}
	if t, found := findAny(logs, needles); found {
		return mismatch("logs without any bearer token", "token %s appears in the target's logs", harness.Fingerprint(t))
	}
	return nil
}

// findAny reports whether haystack contains any key of needles, and that
// key's value. It reads haystack once, looking each position's next
// needlePrefix bytes up in a map, rather than once per needle: a run sends
// thousands of tokens and the logs grow with them.
func findAny(haystack []byte, needles map[string]string) (string, bool) {
	byPrefix := map[string][]string{}
	for n, v := range needles {
		if len(n) < needlePrefix {
			if bytes.Contains(haystack, []byte(n)) {
				return v, true
			}
			continue
		}
		byPrefix[n[:needlePrefix]] = append(byPrefix[n[:needlePrefix]], n)
	}
	for i := 0; i+needlePrefix <= len(haystack); i++ {
		for _, n := range byPrefix[string(haystack[i:i+needlePrefix])] {
			if bytes.HasPrefix(haystack[i:], []byte(n)) {
				return needles[n], true
			}
		}
	}
	return "", false
}

// needlePrefix is the length findAny indexes needles by; shorter needles
// are searched for one by one.
const needlePrefix = 16

var errorLine = regexp.MustCompile(`(?i)(level=error\b|"level"\s*:\s*"error"|\[error\]|\bERROR\b)`)

// logsHaveNoErrors looks only at what the target logged during this
// scenario.
func logsHaveNoErrors(ctx context.Context) error {
	s := get(ctx)
	logs := s.env.Target.Logs()
	if s.logMark <= len(logs) {
		logs = logs[s.logMark:]
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if errorLine.MatchString(line) {
			return mismatch("no error-level log line during a valid flow", "%s", s.redact(line))
		}
	}
	return nil
}
