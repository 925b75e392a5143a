package refserver

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// calledToolsSeeds are messages a client sends, and the spellings on which
// a hand-written reader and encoding/json could disagree.
var calledToolsSeeds = []string{
	`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_ticket","arguments":{"ticket_id":"t1"}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	` { "method" : "tools/call" , "params" : { "name" : "whoami" } } `,
	`[{"method":"tools/call","params":{"name":"whoami"}},{"method":"tools/call","params":{"name":"delete_ticket"}}]`,
	`{"method":"tools/call","params":{"name":"whoami"},"METHOD":"tools/list"}`,
	`{"METHOD":"tools/call","params":{"name":"delete_ticket"}}`,
	`{"method":"tools/call","Params":{"name":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"NAME":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"name":"whoami","name":"delete_ticket"}}`,
	`{"method":"tools/call","method":"ping","params":{"name":"delete_ticket"}}`,
	`{"method":"tools\/call","params":{"name":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"n\u0061me":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"name":"delete_tick\u0065t"}}`,
	`{"method":"tools/call","params":{"name":5}}`,
	`{"method":"tools/call","params":{"name":null}}`,
	`{"method":"tools/call","params":null}`,
	`{"method":"tools/call","params":[]}`,
	`{"method":"tools/call"}`,
	`{"method":5,"params":{"name":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"name":"delete_ticket"}}x`,
	`{"method":"tools/call","params":{"name":"delete_ticket"},}`,
	`{"method":"tools/call","params":{"name":"delete_ticket","arguments":{"a":1,"a":2}}}`,
	`{"method":"tools/call","params":{"name":"delete_ticket"},"id":01}`,
	"{\"method\":\"tools/call\",\"params\":{\"name\":\"delete_\xff\"}}",
	"{\"ſmethod\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
	"{\"method\":\"tools/call\",\"params\":{\"\u212aame\":\"x\",\"name\":\"y\"}}",
	`"tools/call"`, `null`, ``, `{}`, `{`,
}

// TestCalledToolsFastAgrees: on every seed where the fast reader answers,
// it answers what encoding/json does; and it answers the common messages
// itself.
func TestCalledToolsFastAgrees(t *testing.T) {
	for _, seed := range calledToolsSeeds {
		fast, ok := calledToolsFast([]byte(seed))
		if want := calledToolsJSON([]byte(seed)); ok && !slices.Equal(fast, want) {
			t.Errorf("%s: fast %q, encoding/json %q", seed, fast, want)
		}
	}
	for _, seed := range calledToolsSeeds[:5] {
		if _, ok := calledToolsFast([]byte(seed)); !ok {
			t.Errorf("%s: left to encoding/json; the fast reader must read a plain message", seed)
		}
	}
	for _, tt := range []struct {
		body string
		want []string
	}{
		{calledToolsSeeds[0], []string{"delete_ticket"}},
		{calledToolsSeeds[4], []string{"whoami"}},
		{calledToolsSeeds[5], []string{"whoami", "delete_ticket"}},
		{calledToolsSeeds[6], nil}, // METHOD wins: encoding/json folds case, last one wins
		{calledToolsSeeds[7], []string{"delete_ticket"}},
		{calledToolsSeeds[10], []string{"delete_ticket"}},
		{calledToolsSeeds[12], []string{"delete_ticket"}},
		{calledToolsSeeds[14], []string{"delete_ticket"}},
	} {
		if diff := cmp.Diff(tt.want, calledTools([]byte(tt.body))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.body, diff)
		}
	}
}

// FuzzCalledTools: wherever the fast reader answers, encoding/json (the MCP
// server's reader) gives the same tool names.
func FuzzCalledTools(f *testing.F) {
	for _, seed := range calledToolsSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := calledToolsFast(body)
		if !ok {
			return
		}
		if want := calledToolsJSON(body); !slices.Equal(fast, want) {
			t.Fatalf("%q: fast %q, encoding/json %q", body, fast, want)
		}
	})
}
