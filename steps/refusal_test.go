package steps

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// resetting431 is a loopback server that refuses as Node's HTTP server
// does when the request header is too large: it reads a little of the
// request, answers 431 with Connection: close, and resets the socket while
// the client is still writing the rest. Whether the client reads the 431
// before the reset discards it is up to timing; with answer false the
// server resets without a word, the outcome the client sees when it loses
// that race.
func resetting431(t *testing.T, answer bool) string {
	t.Helper()
	return "http://" + serveConns(t, func(c net.Conn) {
		_, _ = io.ReadFull(bufio.NewReader(c), make([]byte, 16<<10))
		if answer {
			_, _ = io.WriteString(c, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		}
		_ = c.(*net.TCPConn).SetLinger(0) // close with RST, unread data pending
	})
}

// serveConns serves every connection to a loopback listener with handle,
// then closes it, until the test ends; it returns the listener's address.
func serveConns(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func oversizeScenario(t *testing.T, base string) (context.Context, *scenario) {
	t.Helper()
	is, err := harness.NewIssuer(harness.DefaultIssuer, harness.DefaultAudience)
	if err != nil {
		t.Fatal(err)
	}
	env := NewEnv(&harness.Target{BaseURL: base, MCPURL: base + "/mcp", Issuer: is})
	t.Cleanup(env.Close)
	s := &scenario{env: env, sessions: map[string]*harness.Session{}, user: harness.Users["alice"]}
	return withScenario(context.Background(), s), s
}

// TestOversizeRefusalIsStable: a target that refuses an oversized token by
// 431 and a reset connection gets the same verdict, "refused", ten times
// in a row, for every oversized token of the catalogue.
func TestOversizeRefusalIsStable(t *testing.T) {
	for _, answer := range []bool{true, false} {
		base := resetting431(t, answer)
		for _, name := range []string{"huge token", "oversized valid-looking token"} {
			refusedOnce(t, base, name, answer)
		}
	}
}

func refusedOnce(t *testing.T, base, name string, answer bool) {
	t.Helper()
	dropped := 0
	for run := range 10 {
		{
			ctx, s := oversizeScenario(t, base)
			if err := hostileToken(ctx, name); err != nil {
				t.Fatal(err)
			}
			if err := clientSends(ctx, "initialize"); err != nil {
				t.Fatalf("%s, run %d: the step broke instead of recording a refusal: %v", name, run+1, err)
			}
			if err := requestRefused(ctx); err != nil {
				t.Fatalf("%s, run %d: %v", name, run+1, err)
			}
			if s.dropped == nil && s.resp.Status != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("%s, run %d: neither a 431 nor a dropped connection: HTTP %d", name, run+1, s.resp.Status)
			}
			if err := responseStatusIs(ctx, 401); err == nil && s.dropped != nil {
				t.Fatalf("%s, run %d: a dropped connection passed as HTTP 401", name, run+1)
			}
			if s.dropped != nil {
				dropped++
			}
		}
	}
	if !answer && dropped != 10 {
		t.Errorf("%s: the silent reset was seen as a drop in %d of 10 runs", name, dropped)
	}
	t.Logf("%s, 431 sent %v: 10 of 10 refused, %d by a dropped connection", name, answer, dropped)
}

// TestServedIsNotRefused: the refusal step still fails on a target that
// serves the oversized token, and a target that is not listening at all is
// an error, not a refusal.
func TestServedIsNotRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
	}))
	defer srv.Close()
	ctx, _ := oversizeScenario(t, srv.URL)
	if err := hostileToken(ctx, "oversized valid-looking token"); err != nil {
		t.Fatal(err)
	}
	if err := clientSends(ctx, "initialize"); err != nil {
		t.Fatal(err)
	}
	if err := requestRefused(ctx); err == nil || !strings.Contains(err.Error(), "HTTP 200") {
		t.Errorf("a served oversized token passed as refused: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	ctx, _ = oversizeScenario(t, closed)
	if err := hostileToken(ctx, "huge token"); err != nil {
		t.Fatal(err)
	}
	if err := clientSends(ctx, "initialize"); err == nil {
		t.Errorf("a target that is not listening was taken for one that refused")
	}
}
