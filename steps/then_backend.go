package steps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

var harnessFingerprint = harness.Fingerprint

func backendRecordedNoCall(ctx context.Context) error {
	s := get(ctx)
	reqs, err := s.env.Target.Backend.Requests(ctx)
	if err != nil {
		return err
	}
	if len(reqs) != 0 {
		r := reqs[0]
		return mismatch("no backend call (the tool must not run)", "%d call(s), first %s %s as %s", len(reqs), r.Method, r.Path, r.Subject)
	}
	return nil
}

// backendReceivedTokenFor: the backend saw API calls, all of them with a
// token of name's user and organization (MCP: the server acts on the
// caller's behalf, never with more or other authority).
func backendReceivedTokenFor(ctx context.Context, name string) error {
	s := get(ctx)
	u, err := user(name)
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
	sent := map[string]bool{}
	for _, t := range s.env.mintedTokens() {
		h := sha256.Sum256([]byte(t))
		sent[hex.EncodeToString(h[:])] = true
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if r.TokenKind == "passthrough" || sent[r.TokenSHA256] {
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
	if secret := s.env.Target.Issuer.Secret; len(secret) > 0 && bytes.Contains(logs, secret) {
		return mismatch("logs without the signing secret", "the secret appears in the target's logs")
	}
	tokens := s.env.mintedTokens()
	if len(tokens) == 0 {
		return fmt.Errorf("no token was sent yet in this run")
	}
	for _, t := range tokens {
		needles := []string{t}
		if parts := strings.Split(t, "."); len(parts) == 3 && len(parts[2]) >= 16 {
			needles = append(needles, parts[2])
		}
		for _, n := range needles {
			if bytes.Contains(logs, []byte(n)) {
				return mismatch("logs without any bearer token", "token %s appears in the target's logs", harness.Fingerprint(t))
			}
		}
	}
	return nil
}

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
