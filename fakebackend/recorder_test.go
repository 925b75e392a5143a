package fakebackend_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestRecorder(t *testing.T) {
	e := newEnv(t)
	client := e.token(fakebackend.OrgGlobex, "read write")
	exchangedTok := e.exchange(client)
	bad := tamper(e.token(fakebackend.OrgAcme, "read"))
	e.b.ResetRecording()

	e.call(http.MethodGet, "/api/tickets?status=open", client, nil)
	e.call(http.MethodGet, "/api/tickets/TKT-2001", exchangedTok, nil)
	e.call(http.MethodPost, "/api/tickets", exchangedTok, map[string]string{"title": "t"})
	e.call(http.MethodGet, "/api/users/me", "", nil)
	e.call(http.MethodGet, "/api/users/me?access_token="+client+"&x=1", "", nil)
	e.call(http.MethodGet, "/api/users/me", bad, nil)
	e.postToken(exchangeForm(client), true)
	e.call(http.MethodGet, "/healthz", "", nil) // not recorded
	e.call(http.MethodGet, "/_admin/requests", "", nil)

	aud := []string{audience}
	core := []string{fakebackend.APIAudience}
	scopes := []string{"read", "write"}
	want := []fakebackend.Request{
		{Method: "GET", Path: "/api/tickets", Query: "status=open", Status: 200, Subject: "user-alice", OrgID: fakebackend.OrgGlobex,
			Scopes: scopes, Audience: aud, TokenKind: "passthrough", TokenSHA256: sha(client)},
		{Method: "GET", Path: "/api/tickets/TKT-2001", Status: 200, Subject: "user-alice", OrgID: fakebackend.OrgGlobex,
			Scopes: scopes, Audience: core, Actor: clientID, TokenKind: "exchanged", TokenSHA256: sha(exchangedTok)},
		{Method: "POST", Path: "/api/tickets", Status: 201, Subject: "user-alice", OrgID: fakebackend.OrgGlobex,
			Scopes: scopes, Audience: core, Actor: clientID, TokenKind: "exchanged", TokenSHA256: sha(exchangedTok)},
		{Method: "GET", Path: "/api/users/me", Status: 401, TokenKind: "none"},
		{Method: "GET", Path: "/api/users/me", Query: "access_token=REDACTED&x=1", Status: 401, TokenKind: "none"},
		{Method: "GET", Path: "/api/users/me", Status: 401, TokenKind: "invalid", TokenSHA256: sha(bad)},
		{Method: "POST", Path: "/oauth/token", Status: 200, Subject: "user-alice", OrgID: fakebackend.OrgGlobex,
			Scopes: scopes, Audience: aud, Actor: clientID, TokenKind: "exchange", TokenSHA256: sha(client)},
	}
	if diff := cmp.Diff(want, e.b.Requests()); diff != "" {
		t.Errorf("Requests() (-want +got):\n%s", diff)
	}

	// Neither the recording nor the logs hold a token.
	resp, err := http.Get(e.srv.URL + "/_admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for name, tok := range map[string]string{"client": client, "exchanged": exchangedTok, "bad": bad} {
		for _, part := range append([]string{tok}, strings.Split(tok, ".")[1:]...) {
			if strings.Contains(string(raw), part) {
				t.Errorf("/_admin/requests holds (part of) the %s token", name)
			}
		}
	}

	e.b.ResetRecording()
	if got := e.b.Requests(); len(got) != 0 {
		t.Errorf("after ResetRecording: %d requests", len(got))
	}
}

// The recording is a copy: changing it changes nothing inside.
func TestRequestsIsACopy(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodGet, "/api/users/me", e.token(fakebackend.OrgAcme, "read"), nil)
	got := e.b.Requests()
	got[0].Scopes[0] = "admin"
	got[0].Subject = "x"
	if again := e.b.Requests(); again[0].Scopes[0] != "read" || again[0].Subject != "user-alice" {
		t.Errorf("the recording changed through a copy: %+v", again[0])
	}
}

func TestQueryRedaction(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	tests := []struct{ query, want string }{
		{"status=open&page=2", "status=open&page=2"},
		{"token=abc", "token=REDACTED"},
		{"Access_Token=abc&status=open", "Access_Token=REDACTED&status=open"},
		{"q=" + url.QueryEscape("Bearer "+tok), "q=REDACTED"},
		{tok, "REDACTED"},
	}
	for _, tt := range tests {
		e.b.ResetRecording()
		e.call(http.MethodGet, "/api/tickets?"+tt.query, tok, nil)
		if got := e.b.Requests()[0].Query; got != tt.want {
			t.Errorf("query %.40q recorded as %q, want %q", tt.query, got, tt.want)
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogsHoldNoCredential(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, func(c *fakebackend.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	client := e.token(fakebackend.OrgAcme, "read")
	exchangedTok := e.exchange(client)
	e.call(http.MethodGet, "/api/tickets?access_token="+client, exchangedTok, nil)
	e.call(http.MethodGet, "/api/tickets", tamper(client), nil)
	form := exchangeForm(tamper(client))
	e.postToken(form, true)
	if !strings.Contains(logs.String(), "path=/api/tickets") {
		t.Fatalf("no request line in the logs:\n%s", logs.String())
	}
	for _, secret := range []string{client, exchangedTok, tamper(client), strings.Split(client, ".")[2], e.clientSecret, string(e.secret)} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold a credential:\n%s", logs.String())
		}
	}
}
