package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

func TestConfigurationErrorsExitTwo(t *testing.T) {
	secret := strings.Repeat("s", 32)
	env := map[string]string{
		"MCP_LISTEN_ADDR":   "127.0.0.1:0",
		"JWT_SECRET_KEY":    secret,
		"JWT_ISSUER":        "core-app",
		"JWT_AUDIENCE":      "mcp-server",
		"BACKEND_API_URL":   "http://127.0.0.1:1",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:1/oauth/token",
		"MCP_CLIENT_ID":     "mcp-server",
		"MCP_CLIENT_SECRET": "client-secret",
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tt := range []struct{ name, variable, value string }{
		{"short secret", "JWT_SECRET_KEY", "too-short"},
		{"missing issuer", "JWT_ISSUER", ""},
		{"bad URL", "BACKEND_API_URL", "not a url"},
		{"bad leeway", "JWT_LEEWAY", "forever"},
		{"port in use", "MCP_LISTEN_ADDR", busy.Addr().String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(context.Background(), func(k string) string {
				if k == tt.variable {
					return tt.value
				}
				return env[k]
			}, &stderr)
			out := stderr.String()
			if code != 2 || strings.Count(out, "\n") != 1 || !strings.Contains(out, tt.variable) {
				t.Errorf("exit %d, stderr %q: want 2 and one line naming %s", code, out, tt.variable)
			}
			if strings.Contains(out, secret) {
				t.Error("the secret was printed")
			}
		})
	}
}

func TestStartsAndStops(t *testing.T) {
	env := map[string]string{
		"MCP_LISTEN_ADDR": "127.0.0.1:0",
		"JWT_SECRET_KEY":  strings.Repeat("s", 32),
		"JWT_ISSUER":      "core-app",
		"JWT_AUDIENCE":    "mcp-server",
		"BACKEND_API_URL": "http://127.0.0.1:1",
		"BACKEND_AUTH":    "passthrough",
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: run must shut down cleanly and exit 0
	var stderr strings.Builder
	if code := run(ctx, func(k string) string { return env[k] }, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "level=WARN") || !strings.Contains(stderr.String(), "passthrough") {
		t.Errorf("passthrough mode must warn at startup: %s", stderr.String())
	}
}

// TestSIGTERMDrainsInFlightCalls runs the real binary's main (this test
// binary, re-executed) and sends it SIGTERM while a tool call waits on a
// slow backend: the listener closes at once, so new connections are
// refused, the call in flight still gets its answer, and the process exits
// 0 (refserver.Serve: http.Server.Shutdown, not Close).
func TestSIGTERMDrainsInFlightCalls(t *testing.T) {
	if os.Getenv("REFSERVER_TEST_MAIN") == "1" {
		main()
		return
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	is := &harness.Issuer{Secret: []byte(hex.EncodeToString(raw)), Issuer: "core-app", Audience: "mcp-server"}
	clientSecret := rand.Text()
	backend, err := fakebackend.New(fakebackend.Config{Secret: is.Secret, Issuer: is.Issuer, Audience: is.Audience,
		ClientID: "mcp-server", ClientSecret: clientSecret})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(backend) // 127.0.0.1
	defer api.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGTERMDrainsInFlightCalls$")
	cmd.Env = append(os.Environ(), "REFSERVER_TEST_MAIN=1",
		"MCP_LISTEN_ADDR="+addr, "JWT_SECRET_KEY="+string(is.Secret), "JWT_ISSUER=core-app", "JWT_AUDIENCE=mcp-server",
		"BACKEND_API_URL="+api.URL, "BACKEND_TOKEN_URL="+api.URL+"/oauth/token",
		"MCP_CLIENT_ID=mcp-server", "MCP_CLIENT_SECRET="+clientSecret, "BACKEND_TIMEOUT=10s")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := harness.WaitHealthy(ctx, "http://"+addr, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}

	tok, err := is.Token(harness.Users["alice"])
	if err != nil {
		t.Fatal(err)
	}
	client := harness.NewClient("http://" + addr + "/mcp")
	sess, resp, err := client.Open(ctx, harness.BearerHeader(tok))
	if err != nil || sess == nil {
		t.Fatalf("open: %v %+v", err, resp)
	}
	const slow = 1500 * time.Millisecond
	backend.SetFault(fakebackend.Fault{Kind: fakebackend.FaultSlow, Delay: slow, Paths: "api"})
	type answer struct {
		result *harness.ToolResult
		err    error
	}
	inFlight := make(chan answer, 1)
	go func() {
		_, res, err := client.CallTool(ctx, sess, harness.BearerHeader(tok), "list_tickets", nil)
		inFlight <- answer{res, err}
	}()
	// The call is in flight once its token exchange is recorded: the API
	// call, held by the slow fault, comes next.
	for deadline := time.Now().Add(5 * time.Second); len(backend.Requests()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call never reached the backend")
		}
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			// Refused, or reset when it raced the listener's close in the
			// accept backlog: either way it is not served.
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("a new connection after SIGTERM failed with %v, want it refused", err)
			}
			break
		}
		conn.Close()
		if time.Since(signalled) > slow/2 {
			t.Fatal("new connections were still accepted well after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case a := <-inFlight:
		t.Fatalf("the call in flight ended before the listener closed: %+v", a)
	default:
	}

	select {
	case a := <-inFlight:
		if a.err != nil || a.result == nil || a.result.IsError || !strings.Contains(a.result.Text, "org-acme") {
			t.Errorf("the call in flight: %v %+v, want its tickets", a.err, a.result)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call in flight never got its answer")
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit after draining")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no clean stop in the logs:\n%s", logs.String())
	}
}
