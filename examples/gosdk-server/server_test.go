package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fakeCoreApp records what the example sends to the token endpoint and the
// API, and answers like the contract's core app (§5), minimally.
type fakeCoreApp struct {
	mu            sync.Mutex
	subjectTokens []string
	apiCalls      int
}

func (f *fakeCoreApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.subjectTokens = append(f.subjectTokens, r.PostForm.Get("subject_token"))
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "backend-token-" + time.Now().Format(time.RFC3339Nano),
			"issued_token_type": tokenTypeAccessToken, "token_type": "Bearer", "expires_in": 300})
	})
	mux.HandleFunc("GET /api/system/status", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.apiCalls++
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return mux
}

// mcpClient speaks just enough Streamable HTTP for these tests.
type mcpClient struct {
	t   *testing.T
	url string
}

func (c mcpClient) post(session, token, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(data)
}

// open initializes a session with token and returns its id.
func (c mcpClient) open(token string) string {
	c.t.Helper()
	resp, body := c.post("", token, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || id == "" {
		c.t.Fatalf("initialize: %d %s", resp.StatusCode, body)
	}
	if resp, body := c.post(id, token, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); resp.StatusCode != http.StatusAccepted {
		c.t.Fatalf("notifications/initialized: %d %s", resp.StatusCode, body)
	}
	return id
}

const callSystemStatus = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"system_status","arguments":{}}}`

// The SDK runs tool handlers in a context derived from the request that
// created the session, so auth.TokenInfoFromContext(ctx) there holds the
// session's first token. These tests open a session with an admin token
// and call an admin tool with another token of the same user: the example
// must judge and exchange the token of the call, not the session's.
func TestToolsUseTheTokenOfTheCall(t *testing.T) {
	secret := testSecret(t)
	now := time.Now()
	token := func(scope, jti string) string {
		return sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": testIssuer, "aud": testAudience,
			"sub": "user-alice", "org_id": "org-acme", "scope": scope, "jti": jti, "exp": now.Add(time.Hour).Unix()}, nil)
	}
	admin, adminAgain, readOnly := token("admin", "1"), token("admin", "2"), token("read", "3")

	core := &fakeCoreApp{}
	coreSrv := httptest.NewServer(core.handler())
	defer coreSrv.Close()
	cfg := config{secret: secret, issuer: testIssuer, audience: testAudience, backendURL: coreSrv.URL,
		tokenURL: coreSrv.URL + "/oauth/token", clientID: "mcp-server", clientSecret: "client-secret",
		resourceURL: "http://127.0.0.1/mcp", backendTimeout: 5 * time.Second}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("the HTTP layer answers 403 to the narrower token", func(t *testing.T) {
		srv := httptest.NewServer(newHandler(cfg, log))
		defer srv.Close()
		c := mcpClient{t, srv.URL + "/mcp"}
		session := c.open(admin)
		resp, body := c.post(session, readOnly, callSystemStatus)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("system_status with a read token on an admin session: %d %s; want 403", resp.StatusCode, body)
		}
	})

	t.Run("the tool handler refuses the narrower token", func(t *testing.T) {
		// Without requireToolScope: only the handler's own check stands.
		b := &backend{base: cfg.backendURL, http: newHTTPClient(cfg.backendTimeout), exchange: newExchanger(cfg, newHTTPClient(cfg.backendTimeout)).token}
		server := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1"}, nil)
		addTools(server, b)
		h := requireBearer(newVerifier(secret, testIssuer, testAudience, nil), testMetadataURL,
			mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil))
		srv := httptest.NewServer(h)
		defer srv.Close()
		c := mcpClient{t, srv.URL}
		session := c.open(admin)
		core.mu.Lock()
		before := core.apiCalls
		core.mu.Unlock()
		resp, body := c.post(session, readOnly, callSystemStatus)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"isError":true`) || !strings.Contains(body, "insufficient scope") {
			t.Errorf("system_status with a read token on an admin session: %d %s; want a tool error", resp.StatusCode, body)
		}
		core.mu.Lock()
		defer core.mu.Unlock()
		if core.apiCalls != before {
			t.Error("the backend was called for a token without the scope")
		}
	})

	t.Run("the exchange trades the token of the call", func(t *testing.T) {
		srv := httptest.NewServer(newHandler(cfg, log))
		defer srv.Close()
		c := mcpClient{t, srv.URL + "/mcp"}
		session := c.open(admin)
		core.mu.Lock()
		core.subjectTokens = nil
		core.mu.Unlock()
		resp, body := c.post(session, adminAgain, callSystemStatus)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, `"isError":true`) {
			t.Fatalf("system_status: %d %s", resp.StatusCode, body)
		}
		core.mu.Lock()
		defer core.mu.Unlock()
		if len(core.subjectTokens) != 1 || core.subjectTokens[0] != adminAgain {
			t.Errorf("exchanged %d token(s), the call's: %v; want exactly the call's token", len(core.subjectTokens),
				len(core.subjectTokens) == 1 && core.subjectTokens[0] == adminAgain)
		}
		var msg struct {
			Result struct {
				Content []struct{ Text string } `json:"content"`
			} `json:"result"`
		}
		_, data, _ := strings.Cut(body, "data: ")
		if json.Unmarshal([]byte(strings.TrimSpace(data)), &msg) != nil || len(msg.Result.Content) != 1 || !strings.Contains(msg.Result.Content[0].Text, `"status":"ok"`) {
			t.Errorf("result %s; want the backend's JSON as text", body)
		}
	})
}
