package harness

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// stubResolver answers every lookup from its table; nothing leaves the
// machine.
type stubResolver map[string][]string

func (s stubResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, a := range s[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

// TestRemoteTargetGate: a target off this machine is refused without
// AllowRemote (and nothing is dialed), allowed with it after one warning.
// The resolver and the dialer are stubs: the "remote" host is a loopback
// test server, so no traffic leaves the machine.
func TestRemoteTargetGate(t *testing.T) {
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	}))
	defer local.Close()
	var mu sync.Mutex
	var dialed []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, strings.TrimPrefix(local.URL, "http://"))
	}
	t.Setenv("MCPAUTHSPEC_REMOTE_SECRET", strings.Repeat("s", 32))
	p := &Profile{Issuer: DefaultIssuer, Audience: DefaultAudience, SecretEnv: "MCPAUTHSPEC_REMOTE_SECRET"}
	resolver := stubResolver{"staging.example": {"203.0.113.7"}, "mixed.example": {"127.0.0.1", "198.51.100.2"}, "local.example": {"127.0.0.1", "::1"}}
	ctx := context.Background()

	for _, url := range []string{"http://staging.example:8080/mcp", "http://mixed.example/mcp", "http://192.0.2.1/mcp", "http://[2001:db8::1]/mcp"} {
		var warned []string
		_, err := StartExternalWith(ctx, url, p, ExternalOptions{Resolver: resolver, DialContext: dial, Warn: func(s string) { warned = append(warned, s) }})
		var remote *ErrRemote
		if !errors.As(err, &remote) || !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("%s without --allow-remote: %v", url, err)
		}
		if len(warned) != 0 {
			t.Errorf("%s: warned %q although refused", url, warned)
		}
	}
	if len(dialed) != 0 {
		t.Fatalf("a refused target was dialed: %v", dialed)
	}

	var warned []string
	target, err := StartExternalWith(ctx, "http://staging.example:8080/mcp", p, ExternalOptions{AllowRemote: true, Resolver: resolver, DialContext: dial, Warn: func(s string) { warned = append(warned, s) }})
	if err != nil {
		t.Fatalf("with --allow-remote: %v", err)
	}
	defer target.Close()
	if len(warned) != 1 || !strings.Contains(warned[0], "hostile traffic") || !strings.Contains(warned[0], "203.0.113.7") || strings.Contains(warned[0], "\n") {
		t.Errorf("warnings %q, want one line", warned)
	}
	if len(dialed) != 1 || dialed[0] != "staging.example:8080" {
		t.Errorf("dialed %v, want the health check to staging.example:8080 through the stub", dialed)
	}

	// A host whose every address is loopback needs no flag and no warning.
	warned = nil
	dialed = nil
	target, err = StartExternalWith(ctx, "http://local.example/mcp", p, ExternalOptions{Resolver: resolver, DialContext: dial, Warn: func(s string) { warned = append(warned, s) }})
	if err != nil || len(warned) != 0 {
		t.Errorf("loopback host: %v, warned %q", err, warned)
	}
	if target != nil {
		target.Close()
	}
}
