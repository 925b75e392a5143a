package steps

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// oversizedAgainst sends an Authorization header of 256 KiB to a server
// that answers with answer (nil: hang up after the request line, as Node's
// HTTP server does when the headers are too large) and returns the
// scenario.
func oversizedAgainst(t *testing.T, answer func(net.Conn)) (*scenario, context.Context) {
	t.Helper()
	addr := serveConns(t, func(conn net.Conn) {
		_, _ = bufio.NewReader(conn).ReadString('\n')
		if answer != nil {
			answer(conn)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, while the client still writes
		}
	})
	is, err := harness.NewIssuer("http://127.0.0.1:1", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{env: &Env{Target: &harness.Target{MCPURL: "http://" + addr + "/mcp", Issuer: is}}}
	ctx := context.WithValue(context.Background(), scenarioKey{}, s)
	if err := clientSendsBigAuthorization(ctx, 256); err != nil {
		t.Fatalf("sending: %v", err)
	}
	return s, ctx
}

// TestOversizedRefusal: a connection closed before an answer is a refusal
// (RFC 9110 §15.5.14 lets a server close it), as is any 4xx; a 2xx is not;
// and a status check names what came.
func TestOversizedRefusal(t *testing.T) {
	status := func(code int) func(net.Conn) {
		return func(c net.Conn) {
			_, _ = c.Write([]byte("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		}
	}
	for _, tt := range []struct {
		name       string
		answer     func(net.Conn)
		refused    bool
		status     string
		statusOK   bool
		statusWant string
	}{
		{"hang-up", nil, true, "431", false, "closed without an answer"},
		{"431", status(431), true, "431", true, ""},
		{"413", status(413), true, "401 or 431", false, "HTTP 413"},
		{"200", status(200), false, "431", false, "HTTP 200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ctx := oversizedAgainst(t, tt.answer)
			if err := oversizedRefused(ctx); (err == nil) != tt.refused {
				t.Errorf("refused: %v, want refused %v", err, tt.refused)
			}
			err := oversizedStatus(ctx, tt.status)
			if (err == nil) != tt.statusOK {
				t.Errorf("status %s: %v, want ok %v", tt.status, err, tt.statusOK)
			}
			if err != nil && !strings.Contains(err.Error(), tt.statusWant) {
				t.Errorf("status %s: %v, want it to mention %q", tt.status, err, tt.statusWant)
			}
		})
	}
}
