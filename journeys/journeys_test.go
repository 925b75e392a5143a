// Package journeys drives the reference server with the MCP clients people
// use (the official go-sdk's and mcp-go's, and the TypeScript SDK's in
// tsclient_test.go) through what happens around the token: connecting
// with one, a 403 and the step-up through the client's own OAuth handler,
// a token that expires mid-session, and discovery from a cold 401 to the
// authorization server's metadata. The fake core app is the authorization
// server: it signs in a test user named in login_hint, so that the OAuth
// handler's browser step is one HTTP request.
package journeys

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// start runs the reference stack in this process. Tokens expire on the dot
// (no leeway), so that a token can expire within a test.
func start(t *testing.T) *harness.Target {
	t.Helper()
	noLeeway := refserver.WithVerifierFactory(func(c refserver.VerifierConfig) refserver.TokenVerifier {
		c.Leeway = 0
		v, err := refserver.NewVerifier(c)
		if err != nil {
			t.Fatal(err)
		}
		return v.Verify
	})
	target, err := harness.StartEmbedded(context.Background(), harness.EmbeddedOptions{ServerOptions: []refserver.Option{noLeeway}})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func token(t *testing.T, target *harness.Target, name string, set map[string]json.RawMessage) string {
	t.Helper()
	u, err := harness.LookupUser(name)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := target.Issuer.TokenWith(u, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearer is a token the test swaps, sent on every request.
type bearer struct {
	mu  sync.Mutex
	tok string
}

func (b *bearer) set(tok string) { b.mu.Lock(); b.tok = tok; b.mu.Unlock() }
func (b *bearer) get() string    { b.mu.Lock(); defer b.mu.Unlock(); return b.tok }

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.get())
	return http.DefaultTransport.RoundTrip(r)
}

func goSDKSession(t *testing.T, target *harness.Target, transport mcp.Transport) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "journey", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("go-sdk client: connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return "", err
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	if res.IsError {
		return "", errors.New("tool error: " + strings.Join(text, " "))
	}
	return strings.Join(text, " "), nil
}

// The go-sdk client connects with a token, lists the tools and calls them.
func TestGoSDKClientCallsTools(t *testing.T) {
	target := start(t)
	b := &bearer{tok: token(t, target, "alice", nil)}
	cs := goSDKSession(t, target, &mcp.StreamableClientTransport{Endpoint: target.MCPURL, HTTPClient: &http.Client{Transport: b}})
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if len(tools.Tools) != len(harness.ContractTools) {
		t.Errorf("tools/list: %d tools, want the contract's %d", len(tools.Tools), len(harness.ContractTools))
	}
	who, err := call(t, cs, "whoami", nil)
	if err != nil || !strings.Contains(who, `"user-alice"`) {
		t.Fatalf("whoami: %q, %v", who, err)
	}
	list, err := call(t, cs, "list_tickets", map[string]any{})
	if err != nil || !strings.Contains(list, target.Fixtures.AcmeTicket) {
		t.Fatalf("list_tickets: %q, %v", list, err)
	}
}

// A 403 insufficient_scope makes go-sdk's OAuth handler step up: it follows
// the challenge to the metadata, the metadata to the core app, signs alice
// in for the scope the challenge names, and retries the call with the wider
// token.
func TestGoSDKClientStepsUp(t *testing.T) {
	target := start(t)
	readOnly := token(t, target, "alice", map[string]json.RawMessage{"scope": json.RawMessage(`"read"`)})
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var asked []string
	handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		PreregisteredClient: &oauthex.ClientCredentials{ClientID: "journey-client"},
		// Never contacted: the fetcher reads the code from the redirect.
		RedirectURL:        "http://127.0.0.1:9/callback",
		InitialTokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: readOnly, TokenType: "Bearer"}),
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			// The user's browser: alice signs in and consents.
			u, err := url.Parse(args.URL)
			if err != nil {
				return nil, err
			}
			q := u.Query()
			asked = append(asked, q.Get("scope"))
			q.Set("login_hint", "user-alice")
			u.RawQuery = q.Encode()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			resp, err := noRedirects.Do(req)
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
				return nil, errors.New("the authorization endpoint did not redirect with a code: HTTP " + resp.Status + " " + loc.Query().Get("error_description"))
			}
			return &auth.AuthorizationResult{Code: loc.Query().Get("code"), State: loc.Query().Get("state")}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := goSDKSession(t, target, &mcp.StreamableClientTransport{Endpoint: target.MCPURL, OAuthHandler: handler})
	created, err := call(t, cs, "create_ticket", map[string]any{"title": "stepped up"})
	if err != nil {
		t.Fatalf("create_ticket with a read-only token, after step-up: %v", err)
	}
	if !strings.Contains(created, "stepped up") || len(asked) != 1 || asked[0] != "write" {
		t.Errorf("created %q after authorization requests for scopes %q; want one, for write", created, asked)
	}
	ts, err := handler.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil || tok.AccessToken == readOnly {
		t.Errorf("the handler still holds the read-only token (%v)", err)
	}
}

// A token that expires mid-session gets a 401 the go-sdk client survives:
// the session stays, and with a fresh token of the same user it goes on.
func TestGoSDKClientGoesOnAfterExpiry(t *testing.T) {
	target := start(t)
	exp := time.Now().Add(2 * time.Second).Unix()
	b := &bearer{tok: token(t, target, "alice", map[string]json.RawMessage{"exp": json.RawMessage(itoa(exp))})}
	cs := goSDKSession(t, target, &mcp.StreamableClientTransport{Endpoint: target.MCPURL, HTTPClient: &http.Client{Transport: b}, DisableStandaloneSSE: true})
	session := cs.ID()
	if _, err := call(t, cs, "whoami", nil); err != nil {
		t.Fatalf("whoami before expiry: %v", err)
	}
	time.Sleep(time.Until(time.Unix(exp, 0)) + 1100*time.Millisecond)
	_, err := call(t, cs, "whoami", nil)
	if err == nil || !strings.Contains(err.Error(), "token expired") {
		t.Fatalf("whoami after expiry: %v, want the refusal with its reason", err)
	}
	b.set(token(t, target, "alice", nil))
	who, err := call(t, cs, "whoami", nil)
	if err != nil || !strings.Contains(who, `"user-alice"`) {
		t.Fatalf("whoami with a fresh token on the same session: %q, %v", who, err)
	}
	if cs.ID() != session {
		t.Errorf("session %q became %q", session, cs.ID())
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// mcp-go's client shows a 403's reason and keeps its session.
func TestMCPGoClientSurvivesRefusal(t *testing.T) {
	target := start(t)
	readOnly := token(t, target, "bob", nil)
	c := mcpGoSession(t, target.MCPURL,
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + readOnly}))
	ctx := context.Background()
	callTool := func(name string, args map[string]any) (*mcpgo.CallToolResult, error) {
		req := mcpgo.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		return c.CallTool(ctx, req)
	}
	res, err := callTool("create_ticket", map[string]any{"title": "bob tries"})
	if err == nil {
		t.Fatalf("create_ticket as bob (read only) succeeded: %+v", res)
	}
	if !strings.Contains(err.Error(), "insufficient_scope: the tool needs scope write") {
		t.Errorf("the refusal reads %q, want its OAuth error and description", err)
	}
	res, err = callTool("whoami", map[string]any{})
	if err != nil || res.IsError {
		t.Fatalf("whoami after the refusal: %v", err)
	}
}

// From a cold 401, go-sdk's discovery helpers reach the authorization
// server's RFC 8414 metadata through the challenge and the resource
// metadata, as its OAuth handler does.
func TestGoSDKDiscoveryFromCold401(t *testing.T) {
	target := start(t)
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target.MCPURL,
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"journey","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("initialize without a token: HTTP %d", resp.StatusCode)
	}
	challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil || len(challenges) == 0 {
		t.Fatalf("WWW-Authenticate: %v", err)
	}
	prm, err := oauthex.GetProtectedResourceMetadata(ctx, challenges[0].Params["resource_metadata"], target.MCPURL, http.DefaultClient)
	if err != nil {
		t.Fatalf("resource metadata: %v", err)
	}
	if len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != target.Issuer.Issuer {
		t.Fatalf("authorization_servers %q, want [JWT_ISSUER] %q", prm.AuthorizationServers, target.Issuer.Issuer)
	}
	asm, err := auth.GetAuthServerMetadata(ctx, prm.AuthorizationServers[0], http.DefaultClient)
	if err != nil || asm == nil {
		t.Fatalf("authorization server metadata: %v", err)
	}
	if asm.Issuer != target.Issuer.Issuer || asm.TokenEndpoint != target.Issuer.Issuer+"/oauth/token" {
		t.Errorf("issuer %q, token endpoint %q", asm.Issuer, asm.TokenEndpoint)
	}
}

// mcp-go's client gets a 401 when its token expires mid-session, and goes on
// with the same session once it sends a fresh token.
func TestMCPGoClientGoesOnAfterExpiry(t *testing.T) {
	target := start(t)
	exp := time.Now().Add(2 * time.Second).Unix()
	b := &bearer{tok: token(t, target, "alice", map[string]json.RawMessage{"exp": json.RawMessage(itoa(exp))})}
	c := mcpGoSession(t, target.MCPURL,
		transport.WithHTTPHeaderFunc(func(context.Context) map[string]string {
			return map[string]string{"Authorization": "Bearer " + b.get()}
		}))
	ctx := context.Background()
	session := c.GetSessionId()
	whoami := func() (string, error) {
		req := mcpgo.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = "whoami", map[string]any{}
		res, err := c.CallTool(ctx, req)
		if err != nil {
			return "", err
		}
		if res.IsError || len(res.Content) == 0 {
			return "", errors.New("tool error")
		}
		text, _ := res.Content[0].(mcpgo.TextContent)
		return text.Text, nil
	}
	if _, err := whoami(); err != nil {
		t.Fatalf("whoami before expiry: %v", err)
	}
	time.Sleep(time.Until(time.Unix(exp, 0)) + 1100*time.Millisecond)
	if _, err := whoami(); err == nil {
		t.Fatal("whoami with an expired token succeeded")
	}
	b.set(token(t, target, "alice", nil))
	who, err := whoami()
	if err != nil || !strings.Contains(who, `"user-alice"`) {
		t.Fatalf("whoami with a fresh token on the same session: %q, %v", who, err)
	}
	if c.GetSessionId() != session {
		t.Errorf("session %q became %q", session, c.GetSessionId())
	}
}

// mcpGoSession is an mcp-go client of mcpURL with opts, started and
// initialized on a session, closed when the test ends.
func mcpGoSession(t *testing.T, mcpURL string, opts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(mcpURL, append(opts, transport.WithHTTPTimeout(20*time.Second))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = harness.ProtocolVersion
	init.Params.ClientInfo = mcpgo.Implementation{Name: "journey", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}
