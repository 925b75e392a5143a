package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// Mutants of the rules of the stateless wire (MCP 2026-07-28,
// features/15_stateless.feature).
func init() {
	mutants = append(mutants, statelessMutants...)
	defenceInDepth["auth-15.4"] = "two checks refuse it in the reference server: the auth middleware (401) and mcp-go, which answers GET and DELETE of a 2026-07-28 client with 405; one flaw leaves the other standing. It guards stacks that keep a GET stream for old clients"
	defenceInDepth["auth-15.8"] = "two checks refuse it in the reference server: the middleware's scope check on the body's tool and mcp-go's header validation (-32020); one flaw leaves the other standing. It guards stacks where a gateway authorizes by the header and nothing validates it"
}

var statelessMutants = []mutant{
	{
		name:    "mcp-name-gateway",
		flaw:    "a gateway in front authorizes tools/call by its Mcp-Name header, whatever tool the body names",
		killers: []string{"auth-15.9"},
		options: wrapped(mcpNameGateway),
	},
	{
		name:    "headers-from-body",
		flaw:    "a proxy in front rewrites MCP-Protocol-Version, Mcp-Method and Mcp-Name from the body, so a disagreement never reaches the server's check",
		killers: []string{"auth-15.6/1", "auth-15.6/2", "auth-15.6/3", "auth-15.6/4", "auth-15.7/1", "auth-15.7/2"},
		options: wrapped(headersFromBody),
	},
	{
		name:    "discover-without-token",
		flaw:    "server/discover is answered before the auth middleware, so it needs no valid token",
		killers: []string{"auth-15.1/1", "auth-15.2/1", "auth-15.3/1"},
		options: wrapped(discoverWithoutToken),
	},
	{
		name:    "403-every-scope",
		flaw:    "an insufficient_scope challenge lists every scope the server knows, not the operation's",
		killers: []string{"auth-15.10/1", "auth-15.10/2", "auth-15.10/3"},
		options: wrapped(everyScopeChallenge),
	},
	{
		name:    "public-per-caller-list",
		flaw:    "tools/list is filtered by the caller's scopes and marked cacheScope public for shared caches",
		killers: []string{"auth-15.13"},
		options: withOptions(refserver.WithMCPServerOptions(
			server.WithToolFilter(toolsWithinScope),
			server.WithCacheHints(60_000, mcp.CacheScopePublic),
		)),
	},
	{
		name:    "listen-outlives-token",
		flaw:    "a subscriptions/listen stream stays open after the token that opened it expired",
		killers: []string{"auth-15.14"},
		options: withOptions(refserver.WithStreamsOutliveTokens()),
	},
}

// readBody reads r's body and puts it back.
func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, refserver.MaxBodyBytes))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

// mcpNameGateway: a policy gateway that routes and authorizes on the
// mirrored headers (MCP 2026-07-28 lets intermediaries read them), and
// checks the tool named by Mcp-Name against the token's scope claim. The
// server behind it still checks the body's tool; what the gateway adds is a
// refusal the body does not deserve, and trust in a header the server has
// not validated yet.
func mcpNameGateway(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("Mcp-Method") == "tools/call" {
			scope, known := refserver.RequiredScope(r.Header.Get("Mcp-Name"))
			if known && scope != "" && !tokenHolds(r, scope) {
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+scope+`"`)
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// tokenHolds reads the scope claim of the request's bearer token without
// verifying it: the gateway leaves verification to the server.
func tokenHolds(r *http.Request, scope string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		return false
	}
	s, _ := claims["scope"].(string)
	for _, f := range strings.Fields(s) {
		if f == scope {
			return true
		}
	}
	return false
}

// discoverWithoutToken answers server/discover itself, the way a server
// that registers the discovery handler ahead of its auth middleware does.
func discoverWithoutToken(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mcp" && r.Method == http.MethodPost {
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(readBody(r), &msg) == nil && msg.Method == "server/discover" {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": map[string]any{
					"resultType": "complete", "supportedVersions": []string{"2026-07-28", "2025-11-25", "2025-06-18"},
					"capabilities": map[string]any{"tools": map[string]any{"listChanged": true}},
					"ttlMs":        0, "cacheScope": "public",
				}})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// everyScopeChallenge rewrites the scope of every insufficient_scope
// challenge to the whole scope list of the server.
func everyScopeChallenge(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&scopeRewriter{ResponseWriter: w}, r)
	})
}

var scopeParam = regexp.MustCompile(`\bscope="[^"]*"`)

type scopeRewriter struct{ http.ResponseWriter }

func (s *scopeRewriter) WriteHeader(status int) {
	h := s.Header()
	if status == http.StatusForbidden {
		key := http.CanonicalHeaderKey("WWW-Authenticate")
		for i, v := range h[key] {
			if strings.Contains(v, "insufficient_scope") {
				h[key][i] = scopeParam.ReplaceAllString(v, `scope="read write admin"`)
			}
		}
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *scopeRewriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// toolsWithinScope lists only the tools the caller's token may call.
func toolsWithinScope(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	c := refserver.ClaimsFromContext(ctx)
	var out []mcp.Tool
	for _, t := range tools {
		scope, _ := refserver.RequiredScope(t.Name)
		if scope == "" || (c != nil && c.HasScope(scope)) {
			out = append(out, t)
		}
	}
	return out
}

// headersFromBody: a proxy that "normalizes" the mirrored headers by
// deriving them from the body (mcp-go's StandardHeaders, as a client
// would), so that the server's header validation never sees what the
// client sent and a component that routed on the client's headers is
// bypassed.
func headersFromBody(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mcp" && r.Method == http.MethodPost {
			var msg struct {
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			if json.Unmarshal(readBody(r), &msg) == nil && msg.Method != "" {
				var p struct {
					Meta struct {
						Version string `json:"io.modelcontextprotocol/protocolVersion"`
					} `json:"_meta"`
				}
				_ = json.Unmarshal(msg.Params, &p)
				if v := p.Meta.Version; v != "" {
					r.Header.Set(mcp.HeaderProtocolVersion, v)
					for k, val := range mcp.StandardHeaders(v, mcp.MCPMethod(msg.Method), msg.Params) {
						r.Header.Set(k, val)
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
