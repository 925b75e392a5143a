package harness

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCallToolRPCErrorIsARefusal: a tools/call answered with a JSON-RPC
// error (-32601 for a tool hidden from the caller, -32602 for arguments the
// tool does not take) is a failed call, not a failed exchange: CallTool
// returns the response, no result and no error.
func TestCallToolRPCErrorIsARefusal(t *testing.T) {
	for _, tt := range []struct {
		name    string
		answer  func(id json.RawMessage) string
		wantErr bool
		wantRes bool
	}{
		{"method not found", func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":-32601,"message":"tool not found"}}`
		}, false, false},
		{"invalid params", func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":-32602,"message":"unknown argument org_id"}}`
		}, false, false},
		{"tool result", func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"content":[{"type":"text","text":"ok"}]}}`
		}, false, true},
		{"no answer with the id", func(json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":999999,"result":{}}`
		}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var msg struct {
					ID json.RawMessage `json:"id"`
				}
				_ = json.Unmarshal(body, &msg)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.answer(msg.ID))
			}))
			defer srv.Close()
			c := NewClient(srv.URL + "/mcp")
			resp, res, err := c.CallTool(context.Background(), &Session{}, NoCredentials, "get_ticket", nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if resp == nil || resp.Status != http.StatusOK {
				t.Fatalf("response %+v, want the 200 answer", resp)
			}
			if (res != nil) != tt.wantRes {
				t.Errorf("result %+v, want one: %v", res, tt.wantRes)
			}
		})
	}
}
