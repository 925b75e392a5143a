package steps

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

// rpcErrorTarget answers initialize, accepts notifications, and refuses
// every tools/call with a JSON-RPC error, as an SDK does for a tool it
// hides from a caller without the tool's scope.
func rpcErrorTarget(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &msg)
		w.Header().Set("Content-Type", "application/json")
		switch msg.Method {
		case "initialize":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(msg.ID)+`,"result":{"protocolVersion":"`+harness.ProtocolVersion+`","capabilities":{},"serverInfo":{"name":"x","version":"1"}}}`)
		case "tools/call":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(msg.ID)+`,"error":{"code":-32601,"message":"tool not found"}}`)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

type recorded struct{ reqs []fakebackend.Request }

func (r recorded) Requests(context.Context) ([]fakebackend.Request, error) { return r.reqs, nil }
func (recorded) ResetRecording(context.Context) error                      { return nil }
func (recorded) Reset(context.Context) error                               { return nil }
func (recorded) SetFault(context.Context, fakebackend.Fault) error         { return nil }

// TestJSONRPCErrorIsAFailedCall: a tools/call answered with a JSON-RPC
// error is a failed call ("the tool fails" passes, "the tool succeeds"
// fails), not a broken step; and a token exchange is not a backend call
// while an /api/ call is.
func TestJSONRPCErrorIsAFailedCall(t *testing.T) {
	base := rpcErrorTarget(t)
	ctx, s := oversizeScenario(t, base)
	if err := validTokenFor(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := clientCallsWith(ctx, "create_ticket", `{"title": "x"}`); err != nil {
		t.Fatalf("the step broke on a JSON-RPC error answer: %v", err)
	}
	if err := toolFails(ctx); err != nil {
		t.Errorf("a JSON-RPC error did not count as a failed call: %v", err)
	}
	if err := toolSucceeds(ctx); err == nil {
		t.Error("a JSON-RPC error counted as a successful call")
	}

	s.env.Target.Backend = recorded{[]fakebackend.Request{{Method: "POST", Path: "/oauth/token"}}}
	if err := backendRecordedNoCall(ctx); err != nil {
		t.Errorf("a token exchange counted as a backend call: %v", err)
	}
	s.env.Target.Backend = recorded{[]fakebackend.Request{{Method: "POST", Path: "/oauth/token"}, {Method: "POST", Path: "/api/tickets"}}}
	if err := backendRecordedNoCall(ctx); err == nil {
		t.Error("an /api/ call after a token exchange went unnoticed")
	}
}
