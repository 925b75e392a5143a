package steps_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestReliabilityScenariosCatchBrokenTargets runs the load, limit and fault
// scenarios against reference servers with one protection removed each, and
// requires the scenario that guards it to fail for that reason. (The intact
// reference server passes them all in TestSpecification.)
func TestReliabilityScenariosCatchBrokenTargets(t *testing.T) {
	tests := []struct {
		name   string
		tags   string
		broken func(real func() refserver.TokenVerifier, done <-chan struct{}) []refserver.Option
		failID string // the scenario (or outline row) that must fail
		reason string // a word of its Actual
	}{
		{
			name: "signature not checked",
			tags: "@auth-13.1",
			broken: func(real func() refserver.TokenVerifier, _ <-chan struct{}) []refserver.Option {
				return []refserver.Option{refserver.WithTokenVerifier(func(ctx context.Context, tok string) (*refserver.Claims, error) {
					c, err := real()(ctx, tok)
					if errors.Is(err, refserver.ErrSignature) {
						return unverifiedClaims(tok)
					}
					return c, err
				})}
			},
			failID: "auth-13.1", reason: "served",
		},
		{
			name: "scope not checked",
			tags: "@auth-13.1",
			broken: func(func() refserver.TokenVerifier, <-chan struct{}) []refserver.Option {
				return []refserver.Option{refserver.WithScopeCheck(func(*refserver.Claims, string) bool { return true })}
			},
			failID: "auth-13.1", reason: "missing scope token",
		},
		{
			// The bug exchange.go's cache key guards against: a backend
			// token reused for whoever calls next. Passed through here, so
			// that the fake backend serves the other caller's organization.
			name: "backend token of another caller",
			tags: "@auth-13.1",
			broken: func(func() refserver.TokenVerifier, <-chan struct{}) []refserver.Option {
				var mu sync.Mutex
				lastOf := map[string]string{} // organization → its latest caller's token
				n := 0
				return []refserver.Option{refserver.WithBackendTokenSource(func(_ context.Context, tok string) (string, error) {
					c, _ := unverifiedClaims(tok)
					mu.Lock()
					defer mu.Unlock()
					lastOf[c.OrgID] = tok
					if n++; n > 60 && n%5 == 0 { // past the warm-up
						for org, other := range lastOf {
							if org != c.OrgID {
								return other, nil
							}
						}
					}
					return tok, nil
				})}
			},
			failID: "auth-13.1", reason: "answers with another's",
		},
		{
			name: "a goroutine per request",
			tags: "@auth-13.5",
			broken: func(real func() refserver.TokenVerifier, done <-chan struct{}) []refserver.Option {
				return []refserver.Option{refserver.WithTokenVerifier(func(ctx context.Context, tok string) (*refserver.Claims, error) {
					go func() { <-done }()
					return real()(ctx, tok)
				})}
			},
			failID: "auth-13.5", reason: "goroutines",
		},
		{
			name: "memory kept per request",
			tags: "@auth-13.5",
			broken: func(real func() refserver.TokenVerifier, _ <-chan struct{}) []refserver.Option {
				var mu sync.Mutex
				var kept [][]byte
				return []refserver.Option{refserver.WithTokenVerifier(func(ctx context.Context, tok string) (*refserver.Claims, error) {
					mu.Lock()
					kept = append(kept, make([]byte, 8<<10))
					mu.Unlock()
					return real()(ctx, tok)
				})}
			},
			failID: "auth-13.5", reason: "live heap",
		},
		{
			name: "token split before its length is bounded (CVE-2025-30204)",
			tags: "@auth-13.2",
			broken: func(real func() refserver.TokenVerifier, _ <-chan struct{}) []refserver.Option {
				return []refserver.Option{refserver.WithTokenVerifier(func(ctx context.Context, tok string) (*refserver.Claims, error) {
					if parts := strings.Split(tok, "."); len(parts) != 3 {
						return nil, fmt.Errorf("%w: %d segments", refserver.ErrMalformed, len(parts))
					}
					return real()(ctx, tok)
				})}
			},
			failID: "auth-13.2/3", reason: "KiB",
		},
		{
			name: "the backend token in the tool error",
			tags: "@auth-11.4",
			broken: func(func() refserver.TokenVerifier, <-chan struct{}) []refserver.Option {
				leaked, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "user-alice", "aud": "core-api"}).
					SignedString([]byte("a backend token that must not leak"))
				return []refserver.Option{refserver.WithBackendTokenSource(func(context.Context, string) (string, error) {
					return "", fmt.Errorf("%w: the backend refused %s", refserver.ErrTokenExchange, leaked)
				})}
			},
			failID: "auth-11.4/1", reason: "JWT-shaped",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			done := make(chan struct{})
			t.Cleanup(func() { close(done) })
			var target *harness.Target
			var once sync.Once
			var verify refserver.TokenVerifier
			// The real verifier needs the secret the harness generates when
			// it starts the stack: built at the first request.
			real := func() refserver.TokenVerifier {
				once.Do(func() {
					v, err := refserver.NewVerifier(refserver.VerifierConfig{Secret: target.Issuer.Secret,
						Issuer: target.Issuer.Issuer, Audience: target.Issuer.Audience, Leeway: refserver.DefaultLeeway})
					if err != nil {
						panic(err)
					}
					verify = v.Verify
				})
				return verify
			}
			var err error
			target, err = harness.StartEmbedded(ctx, harness.EmbeddedOptions{ServerOptions: tt.broken(real, done)})
			if target != nil {
				t.Cleanup(func() { _ = target.Close() })
			}
			if err != nil {
				t.Fatal(err)
			}
			report, err := runner.Run(ctx, runner.Options{Target: target, Tags: tt.tags, LoadCalls: 400})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range report.Results {
				if r.ID != tt.failID {
					continue
				}
				if r.Status != runner.Failed || !strings.Contains(r.Actual, tt.reason) {
					t.Fatalf("%s: %s (%s), want it failed with %q", r.ID, r.Status, r.Message, tt.reason)
				}
				t.Logf("%s failed as it should: %s", r.ID, r.Actual)
				return
			}
			t.Fatalf("no result for %s", tt.failID)
		})
	}
}

// unverifiedClaims reads a token's claims without its signature: the bug.
func unverifiedClaims(tok string) (*refserver.Claims, error) {
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
		return nil, fmt.Errorf("%w: unparsable", refserver.ErrMalformed)
	}
	sub, _ := c["sub"].(string)
	org, _ := c["org_id"].(string)
	scope, _ := c["scope"].(string)
	iss, _ := c.GetIssuer()
	aud, _ := c.GetAudience()
	return &refserver.Claims{Subject: sub, OrgID: org, Scopes: strings.Fields(scope), Issuer: iss, Audience: aud}, nil
}
