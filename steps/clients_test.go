package steps

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// TestForeignAuthorizationServerMetadata: an authorization server without
// RFC 8414 metadata fails a target the suite started (its only
// authorization server is the suite's core app, so listing another is the
// target's mistake), but only skips a deployment's scenario: publishing
// the metadata is a MUST on that authorization server, not on the MCP
// server under test.
func TestForeignAuthorizationServerMetadata(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler()) // no metadata anywhere
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		kind string
		skip bool
	}{
		{"external", true},
		{"command", false},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			env := NewEnv(&harness.Target{Kind: tt.kind, BaseURL: srv.URL, MCPURL: srv.URL + "/mcp"})
			t.Cleanup(env.Close)
			s := &scenario{env: env, metadata: map[string]any{"authorization_servers": []any{srv.URL + "/issuer"}}}
			err := everyASPublishesMetadata(withScenario(context.Background(), s))
			var sk *SkipReason
			var mm *Mismatch
			switch {
			case tt.skip && !errors.As(err, &sk):
				t.Errorf("a deployment's authorization server without metadata: got %v, want a skip", err)
			case !tt.skip && !errors.As(err, &mm):
				t.Errorf("a started target listing a foreign authorization server: got %v, want a failure", err)
			}
		})
	}
}
