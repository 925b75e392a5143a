package steps

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

func verdictScenario(t *testing.T) (*scenario, context.Context) {
	t.Helper()
	is, err := harness.NewIssuer("http://127.0.0.1:1", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{env: &Env{Target: &harness.Target{Issuer: is}}}
	return s, context.WithValue(context.Background(), scenarioKey{}, s)
}

// TestCallEndsAsFaultAllows: under a backend fault a tool error with a
// message passes; under the slow fault a correct result passes too; an
// HTTP error, a JSON-RPC error, a result under another fault, or an
// answer past the contract's bound fails.
func TestCallEndsAsFaultAllows(t *testing.T) {
	ok200 := &harness.Response{Status: 200, Elapsed: time.Second}
	rows := &harness.ToolResult{Text: `{"tickets":[{"id":"T-1","org_id":"org-acme"}]}`}
	for _, tt := range []struct {
		name   string
		fault  string
		resp   *harness.Response
		result *harness.ToolResult
		pass   bool
	}{
		{"tool error", "500", ok200, &harness.ToolResult{IsError: true, Text: "the backend failed"}, true},
		{"empty tool error", "500", ok200, &harness.ToolResult{IsError: true}, false},
		{"HTTP 500", "500", &harness.Response{Status: 500}, nil, false},
		{"JSON-RPC error", "down", ok200, nil, false},
		{"success under 500", "500", ok200, rows, false},
		{"slow, waited and answered", "slow", ok200, rows, true},
		{"slow, tool error", "slow", ok200, &harness.ToolResult{IsError: true, Text: "timeout"}, true},
		{"slow, not the tickets", "slow", ok200, &harness.ToolResult{Text: "ok"}, false},
		{"past the bound", "slow", &harness.Response{Status: 200, Elapsed: 31 * time.Second}, rows, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := verdictScenario(t)
			s.resp, s.result = tt.resp, tt.result
			if err := callEndsAsFaultAllows(ctx, tt.fault); (err == nil) != tt.pass {
				t.Errorf("got %v, want pass %v", err, tt.pass)
			}
		})
	}
}

// TestConcurrentIsolatedRefusals: refused calls are no cross-talk, but a
// user never served, or an answer for another user, fails.
func TestConcurrentIsolatedRefusals(t *testing.T) {
	alice, bob := harness.Users["alice"], harness.Users["bob"]
	whoami := func(u harness.User, as harness.User) concurrentOutcome {
		return concurrentOutcome{user: u, tool: "whoami", text: `{"user_id":"` + as.Subject + `","org_id":"` + as.OrgID + `"}`}
	}
	refused := func(u harness.User) concurrentOutcome {
		return concurrentOutcome{user: u, tool: "whoami", err: errors.New("HTTP 429")}
	}
	for _, tt := range []struct {
		name string
		outs []concurrentOutcome
		pass bool
	}{
		{"all served", []concurrentOutcome{whoami(alice, alice), whoami(bob, bob)}, true},
		{"some refused", []concurrentOutcome{whoami(alice, alice), refused(alice), whoami(bob, bob), refused(bob)}, true},
		{"a user never served", []concurrentOutcome{whoami(alice, alice), refused(bob)}, false},
		{"cross-talk", []concurrentOutcome{whoami(alice, bob), whoami(bob, bob)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := verdictScenario(t)
			s.concurrent = tt.outs
			if err := concurrentIsolated(ctx); (err == nil) != tt.pass {
				t.Errorf("got %v, want pass %v", err, tt.pass)
			}
		})
	}
}
