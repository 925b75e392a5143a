package harness

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPreflight: each configuration mistake is one error naming its likely
// cause, and a right configuration passes.
func TestPreflight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stack, err := StartEmbedded(ctx, EmbeddedOptions{})
	if stack != nil {
		t.Cleanup(func() { _ = stack.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := Preflight(ctx, stack); err != nil {
		t.Fatalf("the reference stack: %v", err)
	}
	other, err := NewIssuer(stack.Issuer.Issuer, stack.Issuer.Audience)
	if err != nil {
		t.Fatal(err)
	}
	wrongAud := *stack.Issuer
	wrongAud.Audience = "someone-else"
	for _, tt := range []struct {
		name string
		edit func(t *Target)
		want string
	}{
		{"wrong secret", func(t *Target) { t.Issuer = other }, `401 (error="invalid_token"): its secret, issuer or audience`},
		{"wrong audience", func(t *Target) { t.Issuer = &wrongAud }, "secret, issuer or audience"},
		{"wrong path", func(t *Target) { t.MCPURL = t.BaseURL + "/api/mcp" }, "404 Not Found: no MCP endpoint at that path"},
		{"nothing listening", func(t *Target) { t.MCPURL = "http://127.0.0.1:1/mcp" }, "connection refused"},
		{"tool mapping", func(t *Target) { t.Tools = map[string]string{"whoami": "me", "list_tickets": "list_tickets"} }, "tools/list lacks me (for whoami)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := *stack
			target.closers = nil
			tt.edit(&target)
			err := Preflight(ctx, &target)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), string(stack.Issuer.Secret)) || strings.Count(err.Error(), "\n") > 0) {
				t.Errorf("not one clean line: %q", err)
			}
		})
	}
}
