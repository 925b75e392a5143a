package refserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func sha(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// By default the client's token is exchanged (RFC 8693), once per token, and
// the backend sees a core-api token of the same user; never the client's.
func TestBackendCallsUseExchangedTokens(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	first, second := st.token("alice"), st.token("alice")
	for _, tok := range []string{first, first, second} {
		creds := harness.BearerHeader(tok)
		sess := st.open(creds)
		_, result, err := st.client.CallTool(context.Background(), sess, creds, "list_tickets", nil)
		if err != nil || result == nil || result.IsError {
			t.Fatalf("list_tickets: %v %+v", err, result)
		}
	}
	var exchanges, api int
	for _, r := range st.requests() {
		switch {
		case r.Path == "/oauth/token":
			exchanges++
		default:
			api++
			if r.TokenKind != "exchanged" || r.Subject != "user-alice" || r.OrgID != "org-acme" || r.Actor != "mcp-server" {
				t.Errorf("backend call %s %s: kind %q sub %q org %q act %q", r.Method, r.Path, r.TokenKind, r.Subject, r.OrgID, r.Actor)
			}
			if r.TokenSHA256 == sha(first) || r.TokenSHA256 == sha(second) {
				t.Error("the client's token reached the backend")
			}
		}
	}
	// Cached per exact token: two distinct tokens, two exchanges, even for
	// the same user.
	if exchanges != 2 || api != 3 {
		t.Errorf("%d exchanges and %d API calls, want 2 and 3", exchanges, api)
	}
}

// BACKEND_AUTH=passthrough forwards the client's token, which the backend
// records as such: the mode exists, and is visibly non-conformant.
func TestPassthroughMode(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{BackendAuth: refserver.BackendAuthPassthrough})
	tok := st.token("bob")
	creds := harness.BearerHeader(tok)
	sess := st.open(creds)
	if _, result, err := st.client.CallTool(context.Background(), sess, creds, "list_integrations", nil); err != nil || result.IsError {
		t.Fatalf("list_integrations: %v %+v", err, result)
	}
	reqs := st.requests()
	if len(reqs) != 1 || reqs[0].TokenKind != "passthrough" || reqs[0].TokenSHA256 != sha(tok) {
		t.Errorf("recorded %+v, want one pass-through call with the client's token", reqs)
	}
}
