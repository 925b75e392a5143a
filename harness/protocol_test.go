package harness

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorded is one request the stub target saw.
type recorded struct {
	header http.Header
	body   map[string]any
}

// stubTarget answers server/discover with supported (none: 404) and
// initialize with the version it is asked for when listed in legacy.
func stubTarget(t *testing.T, supported, legacy []string) (*httptest.Server, *[]recorded) {
	t.Helper()
	var mu sync.Mutex
	var seen []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var msg map[string]any
		_ = json.Unmarshal(raw, &msg)
		mu.Lock()
		seen = append(seen, recorded{r.Header.Clone(), msg})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		id := msg["id"]
		switch msg["method"] {
		case "server/discover":
			if supported == nil {
				w.WriteHeader(http.StatusNotFound)
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": -32601, "message": "no"}})
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{"supportedVersions": supported}})
		case "initialize":
			asked, _ := msg["params"].(map[string]any)["protocolVersion"].(string)
			answer := legacy[0]
			if slices.Contains(legacy, asked) {
				answer = asked
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{"protocolVersion": answer}})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{}})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestModernRequestCarriesMetaAndHeaders(t *testing.T) {
	srv, seen := stubTarget(t, []string{Revision20260728}, []string{Revision20250618})
	c := NewClient(srv.URL)
	c.Protocol = Revision20260728
	sess, resp, err := c.Open(context.Background(), NoCredentials)
	if err != nil || resp != nil || sess == nil || sess.ID != "" {
		t.Fatalf("Open on the stateless wire must send nothing: %v %v %v", sess, resp, err)
	}
	if len(*seen) != 0 {
		t.Fatalf("Open sent %d requests on the stateless wire", len(*seen))
	}
	if _, _, err := c.CallTool(context.Background(), sess, NoCredentials, "whoami", nil); err != nil {
		t.Fatal(err)
	}
	got := (*seen)[0]
	for h, want := range map[string]string{"MCP-Protocol-Version": Revision20260728, "Mcp-Method": "tools/call", "Mcp-Name": "whoami"} {
		if v := got.header.Get(h); v != want {
			t.Errorf("%s: %q, want %q", h, v, want)
		}
	}
	meta, _ := got.body["params"].(map[string]any)["_meta"].(map[string]any)
	if meta[MetaProtocolVersion] != Revision20260728 || meta[MetaClientCapabilities] == nil {
		t.Errorf("_meta %v lacks the protocol version or the client capabilities", meta)
	}

	// Bare, and a header set to "", leave them out.
	if _, err := c.Do(context.Background(), Exchange{Bare: true, Header: map[string]string{"Mcp-Name": ""},
		Message: &Message{ID: c.NewID(), Method: "tools/list"}}); err != nil {
		t.Fatal(err)
	}
	bare := (*seen)[1]
	if bare.header.Get("Mcp-Method") != "" || bare.body["params"] != nil {
		t.Errorf("a bare request carries %v / %v", bare.header, bare.body["params"])
	}
}

func TestLegacyRequestAnnouncesItsRevision(t *testing.T) {
	srv, seen := stubTarget(t, nil, []string{Revision20251125, Revision20250618})
	c := NewClient(srv.URL)
	c.Protocol = Revision20251125
	if _, _, err := c.Open(context.Background(), NoCredentials); err != nil {
		t.Fatal(err)
	}
	first := (*seen)[0]
	if first.body["method"] != "initialize" || first.body["params"].(map[string]any)["protocolVersion"] != Revision20251125 {
		t.Errorf("legacy Open sent %v", first.body)
	}
	if first.header.Get("Mcp-Method") != "" {
		t.Error("a legacy request carries Mcp-Method")
	}
}

func TestSpeaksAndResolve(t *testing.T) {
	for _, tc := range []struct {
		name              string
		supported, legacy []string
		want              []string
	}{
		{"both eras", []string{Revision20260728, Revision20251125, Revision20250618, "2025-03-26"}, []string{Revision20251125, Revision20250618}, Revisions},
		{"modern only", []string{Revision20260728}, []string{"2025-03-26"}, []string{Revision20260728}},
		{"legacy only", nil, []string{Revision20250618}, []string{Revision20250618}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := stubTarget(t, tc.supported, tc.legacy)
			c := NewClient(srv.URL)
			got, err := c.Speaks(context.Background(), NoCredentials)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Speaks: %v %v, want %v", got, err, tc.want)
			}
			newest, err := c.Resolve(context.Background(), NoCredentials, ProtocolAuto, false)
			if err != nil || !slices.Equal(newest, tc.want[:1]) {
				t.Errorf("Resolve auto: %v %v, want %v", newest, err, tc.want[:1])
			}
		})
	}
	if _, err := ParseProtocol("2024-11-05"); err == nil {
		t.Error("ParseProtocol accepts a revision the suite does not speak")
	}
	if p, err := ParseProtocol(""); err != nil || p != ProtocolAuto {
		t.Errorf("ParseProtocol(\"\") = %q, %v", p, err)
	}
}

func TestProfileProtocol(t *testing.T) {
	dir := t.TempDir()
	write := func(protocol string) string {
		path := dir + "/p-" + protocol + ".yaml"
		body := "secret_env: X\nprotocol: " + protocol + "\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p, err := LoadProfile(write(Revision20250618))
	if err != nil || p.Protocol != Revision20250618 {
		t.Fatalf("protocol 2025-06-18: %v %v", p, err)
	}
	if _, err := LoadProfile(write("2024-11-05")); err == nil || !strings.Contains(err.Error(), "2024-11-05") {
		t.Errorf("protocol 2024-11-05 accepted or unclear: %v", err)
	}
}
