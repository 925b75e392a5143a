package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// PreflightError is a configuration mistake found before any scenario ran:
// one line naming the likely cause. A run that meets one stops with exit
// status 2, because every scenario after it would fail for the same reason
// and read as a conformance failure.
type PreflightError struct {
	Problem string
	Status  int // the HTTP status that refused the valid token, if one did
}

func (e *PreflightError) Error() string { return "pre-flight: " + e.Problem }

// Preflight checks, before the first scenario, that the target answers at
// its MCP URL, that it accepts a plain initialize with a valid token of the
// suite's issuer, and that every tool the run expects (the contract's, or
// the profile's mapping) is in its tools/list.
func Preflight(ctx context.Context, t *Target) error {
	tok, err := t.validToken(ctx, Users["alice"])
	if err != nil {
		return &PreflightError{Problem: "minting a token: " + err.Error()}
	}
	c := NewClient(t.MCPURL)
	creds := BearerHeader(tok)
	sess, resp, err := c.Open(ctx, creds)
	switch {
	case err != nil && resp == nil:
		return &PreflightError{Problem: fmt.Sprintf("POST %s: %s", t.MCPURL, dialProblem(err))}
	case resp.Status == http.StatusNotFound:
		return &PreflightError{Problem: fmt.Sprintf("POST %s answered 404 Not Found: no MCP endpoint at that path (the contract's is /mcp); check --target-url's path", t.MCPURL)}
	case resp.Status == http.StatusUnauthorized:
		how := "its challenge names no error"
		if strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			how = `error="invalid_token"`
		}
		return &PreflightError{Problem: fmt.Sprintf("the target refused a valid token with 401 (%s): its secret, issuer or audience differs from the suite's (issuer %q, audience %q%s)",
			how, t.Issuer.Issuer, t.Issuer.Audience, secretHint(t)), Status: http.StatusUnauthorized}
	case resp.Status == http.StatusForbidden:
		return &PreflightError{Problem: fmt.Sprintf("the target refused initialize with a valid token with 403 (an Origin or scope policy?): %s", firstLine(resp.Body, tok))}
	case resp.Status != http.StatusOK:
		return &PreflightError{Problem: fmt.Sprintf("initialize with a valid token answered HTTP %d: %s", resp.Status, firstLine(resp.Body, tok))}
	case err != nil:
		return &PreflightError{Problem: fmt.Sprintf("initialize with a valid token: %v", err)}
	case sess == nil:
		return &PreflightError{Problem: fmt.Sprintf("the target accepted initialize but refused notifications/initialized with HTTP %d", resp.Status)}
	}

	id := c.NewID()
	list, err := c.Do(ctx, Exchange{Session: sess.ID, Creds: creds, Message: &Message{ID: id, Method: "tools/list", Params: map[string]any{}}})
	if err != nil {
		return &PreflightError{Problem: fmt.Sprintf("tools/list: %s", dialProblem(err))}
	}
	raw, err := list.RPCResult(id)
	if err != nil {
		return &PreflightError{Problem: fmt.Sprintf("tools/list with a valid token: %v", err)}
	}
	var result struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &result); err != nil {
		return &PreflightError{Problem: fmt.Sprintf("tools/list result: %v", err)}
	}
	has := map[string]bool{}
	for _, tool := range result.Tools {
		has[tool.Name] = true
	}
	var missing []string
	for _, contract := range ContractTools {
		name, ok := t.Tool(contract)
		if !ok || has[name] {
			continue
		}
		if name == contract {
			missing = append(missing, name)
		} else {
			missing = append(missing, fmt.Sprintf("%s (for %s)", name, contract))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		fix := "map the contract's tools to the target's names under tools: in a profile, or leave out those it lacks"
		if t.Tools != nil {
			fix = "fix the profile's tools: mapping, or leave out the tools the target lacks"
		}
		return &PreflightError{Problem: fmt.Sprintf("tools/list lacks %s: %s (docs/target-contract.md §4)", strings.Join(missing, ", "), fix)}
	}
	return nil
}

// validToken is a token of u the target should accept: the supplied token
// that plays u, or one signed with the shared secret, or in JWKS mode with
// the suite's RSA key.
func (t *Target) validToken(ctx context.Context, u User) (string, error) {
	if t.Supplied != nil {
		tok, _, err := t.Supplied.Play(ctx, u)
		return tok, err
	}
	if t.Keys != nil {
		return t.Keys.Token(t.Issuer, u, "RS256")
	}
	return t.Issuer.Token(u)
}

func secretHint(t *Target) string {
	if t.Kind == "external" {
		return "; and the secret the profile's secret_env or secret_file holds"
	}
	return ""
}

// firstLine is the start of a body for an error message, with the token
// the suite sent replaced.
func firstLine(b []byte, tok string) string {
	s := strings.TrimSpace(strings.ReplaceAll(string(b), tok, "[token]"))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
