package refserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequestID(t *testing.T) {
	for body, want := range map[string]string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`:                 `1`,
		` { "method" : "ping" , "id" : "a\"b,}" } `:                      `"a\"b,}"`,
		`{"method":"x","params":{"id":5,"a":[1,{"b":"}"}]},"id":-2.5e3}`: `-2.5e3`,
		`{"method":"x","params":{"id":5}}`:                               ``, // a notification
		`{"id":null,"method":"x"}`:                                       ``,
		`{"id":{"a":1},"method":"x"}`:                                    ``,
		`{"id":1,"result":{}}`:                                           ``, // a response
		`[{"id":1,"method":"x"}]`:                                        ``, // a batch
		`{"id":1,"method":"x"`:                                           ``, // not JSON
		`{}`:                                                             ``,
		``:                                                               ``,
		`{"\u0069d":1,"method":"x"}`:                                     ``, // escaped name: OAuth body
	} {
		if got := string(requestID([]byte(body))); got != want {
			t.Errorf("requestID(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestRPCRefusalBody(t *testing.T) {
	rec := httptest.NewRecorder()
	writeRPCRefusal(rec, "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp", insufficientScope(ScopeWrite), []byte(`"x\"1"`))
	var got struct {
		JSONRPC string `json:"jsonrpc"`
		ID      string `json:"id"`
		Error   struct {
			Code    int               `json:"code"`
			Message string            `json:"message"`
			Data    map[string]string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	if rec.Code != http.StatusForbidden || got.JSONRPC != "2.0" || got.ID != `x"1` || got.Error.Code != CodeAuthRefused ||
		got.Error.Message != "insufficient_scope: the tool needs scope write" || got.Error.Data["error"] != "insufficient_scope" {
		t.Errorf("HTTP %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("no challenge")
	}
}
