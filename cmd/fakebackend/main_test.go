package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

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

func testEnv(secret string) map[string]string {
	return map[string]string{
		"FAKEBACKEND_LISTEN_ADDR": "127.0.0.1:0",
		"JWT_SECRET_KEY":          secret,
		"JWT_ISSUER":              "core-app",
		"JWT_AUDIENCE":            "mcp-server",
		"MCP_CLIENT_ID":           "mcp-client",
		"MCP_CLIENT_SECRET":       "client-" + secret,
	}
}

func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunConfigErrors(t *testing.T) {
	secret := rand.Text() // 26 characters: too short
	long := rand.Text() + rand.Text()
	tests := []struct {
		name     string
		mod      func(map[string]string)
		args     []string
		mentions []string
	}{
		{"short secret", func(m map[string]string) { m["JWT_SECRET_KEY"] = secret }, nil, []string{"JWT_SECRET_KEY"}},
		{"no secret", func(m map[string]string) { delete(m, "JWT_SECRET_KEY") }, nil, []string{"JWT_SECRET_KEY"}},
		{"no issuer", func(m map[string]string) { delete(m, "JWT_ISSUER") }, nil, []string{"JWT_ISSUER"}},
		{"no audience", func(m map[string]string) { m["JWT_AUDIENCE"] = "" }, nil, []string{"JWT_AUDIENCE"}},
		{"audience core-api", func(m map[string]string) { m["JWT_AUDIENCE"] = "core-api" }, nil, []string{"JWT_AUDIENCE"}},
		{"no client", func(m map[string]string) { delete(m, "MCP_CLIENT_ID"); delete(m, "MCP_CLIENT_SECRET") }, nil, []string{"MCP_CLIENT_ID", "MCP_CLIENT_SECRET"}},
		{"bad listen addr", func(m map[string]string) { m["FAKEBACKEND_LISTEN_ADDR"] = "localhost" }, nil, []string{"FAKEBACKEND_LISTEN_ADDR"}},
		{"arguments", func(map[string]string) {}, []string{"-v"}, []string{"environment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(long)
			tt.mod(env)
			var stderr bytes.Buffer
			if code := run(context.Background(), tt.args, getenv(env), &stderr); code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("want one line, got %q", out)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(out, m) {
					t.Errorf("%q does not name %s", out, m)
				}
			}
			for _, s := range []string{secret, long, env["MCP_CLIENT_SECRET"]} {
				if s != "" && strings.Contains(out, s) {
					t.Errorf("%q prints a secret", out)
				}
			}
		})
	}
}

func TestRunServesAndStops(t *testing.T) {
	secret := rand.Text() + rand.Text()
	env := testEnv(secret)
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, getenv(env), &stderr) }()

	addrRE := regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(2 * time.Second); addr == ""; {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no listening line:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/tickets", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/api/tickets with a bad token: %d", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("run did not stop")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "path=/api/tickets status=401") {
		t.Errorf("no request line:\n%s", logs)
	}
	for _, s := range []string{secret, env["MCP_CLIENT_SECRET"], "c2lnbmF0dXJl", "eyJzdWIiOiJ4In0"} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs hold a credential:\n%s", logs)
		}
	}
}
