package journeys

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestOfficialConformanceSuite runs the official MCP conformance suite
// (npm @modelcontextprotocol/conformance) against the reference server
// behind a token (docs/conformance.md). The suite's client sends no
// credentials, so a loopback proxy adds alice's. It needs Node 22 (the
// suite calls fs.globSync) and runs only when MCPAUTHSPEC_CONFORMANCE names
// the command, e.g. "node /path/to/conformance/dist/index.js"; its report is
// the test's log. Scenarios that need the suite's fixture tools, resources
// and prompts fail against any server without them: the test fails only
// when the suite cannot run at all.
func TestOfficialConformanceSuite(t *testing.T) {
	command := os.Getenv("MCPAUTHSPEC_CONFORMANCE")
	if command == "" {
		t.Skip("set MCPAUTHSPEC_CONFORMANCE to the conformance suite's command (docs/conformance.md)")
	}
	target := start(t)
	tok := token(t, target, "alice", nil)
	backend, err := url.Parse(target.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(backend)
	director := proxy.Director
	var proxyOrigin string
	proxy.Director = func(r *http.Request) {
		director(r)
		r.Header.Set("Authorization", "Bearer "+tok)
		// The proxy is the server's address for the suite: its origin is
		// the resource's own.
		if r.Header.Get("Origin") == proxyOrigin {
			r.Header.Set("Origin", target.BaseURL)
		}
	}
	proxy.FlushInterval = -1 // SSE streams pass through as they come
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyOrigin = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	args := strings.Fields(command)
	args = append(args, "server", "--url", "http://"+ln.Addr().String()+"/mcp")
	if s := os.Getenv("MCPAUTHSPEC_CONFORMANCE_ARGS"); s != "" {
		args = append(args, strings.Fields(s)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", strings.Join(args, " "), out)
	if ctx.Err() != nil || (err != nil && !strings.Contains(string(out), "Total:") && !strings.Contains(string(out), "Passed:")) {
		t.Fatalf("the conformance suite did not run: %v", err)
	}
}
