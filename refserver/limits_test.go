package refserver_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// serveLimited serves h with refserver.HTTPServer on a loopback port.
func serveLimited(t *testing.T, h http.Handler, readHeaderTimeout time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := refserver.HTTPServer(ln.Addr().String(), h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if readHeaderTimeout > 0 {
		srv.ReadHeaderTimeout = readHeaderTimeout
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestHTTPServerLimits: every timeout of the server is set (a zero one means
// "none" to net/http), and headers past MaxHeaderBytes are answered 431
// (RFC 6585 §5) while headers under it reach the handler.
func TestHTTPServerLimits(t *testing.T) {
	srv := refserver.HTTPServer("127.0.0.1:0", http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if srv.ReadHeaderTimeout != refserver.DefaultReadHeaderTimeout || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 ||
		srv.MaxHeaderBytes != refserver.MaxHeaderBytes {
		t.Errorf("ReadHeaderTimeout %v, ReadTimeout %v, IdleTimeout %v, MaxHeaderBytes %d: want every one set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if refserver.DefaultReadHeaderTimeout != 5*time.Second || refserver.MaxHeaderBytes != 64<<10 || refserver.MaxBodyBytes != 1<<20 {
		t.Errorf("the documented limits changed: header timeout %v, header bytes %d, body bytes %d",
			refserver.DefaultReadHeaderTimeout, refserver.MaxHeaderBytes, refserver.MaxBodyBytes)
	}

	addr := serveLimited(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}), 0)
	for _, tt := range []struct {
		size int
		want int
	}{
		{refserver.MaxHeaderBytes - 1024, http.StatusTeapot},
		{refserver.MaxHeaderBytes + 8<<10, http.StatusRequestHeaderFieldsTooLarge},
		{4 << 20, http.StatusRequestHeaderFieldsTooLarge},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		req.Header.Set("Authorization", "Bearer "+strings.Repeat("A", tt.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes: %v", tt.size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Authorization of %d bytes: HTTP %d, want %d", tt.size, resp.StatusCode, tt.want)
		}
	}
}

// TestReadHeaderTimeoutStopsSlowClients: a client that trickles its headers
// (slowloris) loses the connection once ReadHeaderTimeout has passed.
func TestReadHeaderTimeoutStopsSlowClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	addr := serveLimited(t, http.NotFoundHandler(), timeout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(conn).ReadByte()
		closed <- err
	}()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-closed:
			// net/http closes without an answer: EOF, or a reset when the
			// last trickled bytes were still unread.
			if err == nil {
				t.Error("the server answered the unfinished request")
			}
			if d := time.Since(start); d < timeout || d > timeout+time.Second {
				t.Errorf("closed after %v, want just after %v", d, timeout)
			}
			return
		case <-tick.C:
			if time.Since(start) > 5*time.Second {
				t.Fatal("the slow client still holds its connection after 5 s")
			}
			_, _ = conn.Write([]byte{'a'})
		}
	}
}

// TestConfigReadHeaderTimeout: MCP_READ_HEADER_TIMEOUT is optional, a
// duration, and bounded.
func TestConfigReadHeaderTimeout(t *testing.T) {
	env := map[string]string{
		"JWT_SECRET_KEY":  strings.Repeat("k", 32),
		"JWT_ISSUER":      "core-app",
		"JWT_AUDIENCE":    "mcp-server",
		"BACKEND_API_URL": "http://127.0.0.1:18081",
		"BACKEND_AUTH":    "passthrough",
	}
	for _, tt := range []struct {
		value string
		want  time.Duration // 0: a configuration error
	}{
		{"", refserver.DefaultReadHeaderTimeout},
		{"1s", time.Second},
		{"250ms", 250 * time.Millisecond},
		{"soon", 0},
		{"2m", 0},
		{"-1s", 0},
	} {
		env["MCP_READ_HEADER_TIMEOUT"] = tt.value
		cfg, err := refserver.ConfigFromEnv(func(k string) string { return env[k] })
		var cerr *refserver.ConfigError
		switch {
		case tt.want == 0 && (!errors.As(err, &cerr) || cerr.Var != "MCP_READ_HEADER_TIMEOUT"):
			t.Errorf("%q: error %v, want one naming MCP_READ_HEADER_TIMEOUT", tt.value, err)
		case tt.want != 0 && (err != nil || cfg.ReadHeaderTimeout != tt.want):
			t.Errorf("%q: %v, %v; want %v", tt.value, cfg.ReadHeaderTimeout, err, tt.want)
		}
	}
}
