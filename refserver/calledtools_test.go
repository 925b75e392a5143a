package refserver

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// calledToolsSeeds are messages a client sends, and spellings on which two
// readers of the body could disagree.
var calledToolsSeeds = []string{
	`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_ticket","arguments":{"ticket_id":"t1"}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	` { "method" : "tools/call" , "params" : { "name" : "whoami" } } `,
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
	`{"method":"tools/call"}`,
	`{"method":5,"params":{"name":"delete_ticket"}}`,
	`{"method":"tools/call","params":{"name":"delete_ticket"}}x`,
	`{"method":"tools/call","params":{"name":"delete_ticket","arguments":{"a":1,"a":2}}}`,
	"{\"method\":\"tools/call\",\"params\":{\"name\":\"delete_\xff\"}}",
	"{\"ſmethod\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
	"{\"method\":\"tools/call\",\"params\":{\"\u212aame\":\"x\",\"name\":\"y\"}}",
	`"tools/call"`, `null`, ``, `{}`, `{`,
}

// mcpGoTool is the tool mcp-go would call for body, read as its
// server.HandleMessage reads it: the method, then an mcp.CallToolRequest.
// ok is false when mcp-go calls no tool.
func mcpGoTool(body []byte) (string, bool) {
	var base struct {
		Method mcp.MCPMethod `json:"method"`
	}
	if json.Unmarshal(body, &base) != nil || base.Method != mcp.MethodToolsCall {
		return "", false
	}
	var req mcp.CallToolRequest
	if json.Unmarshal(body, &req) != nil {
		return "", false
	}
	return req.Params.Name, true
}

// TestCalledToolsReadsAsMCPGo: for every message mcp-go would run a tool
// for, the scope check sees that tool, and no other.
func TestCalledToolsReadsAsMCPGo(t *testing.T) {
	for _, seed := range calledToolsSeeds {
		got := calledTools([]byte(seed))
		name, ok := mcpGoTool([]byte(seed))
		if ok && !slices.Equal(got, []string{name}) {
			t.Errorf("%s: scope check sees %q, mcp-go calls %q", seed, got, name)
		}
		if !ok && len(got) > 0 && got[0] != "" {
			t.Logf("%s: scope check sees %q, mcp-go calls no tool (stricter, harmless)", seed, got)
		}
	}
	batch := `[{"method":"tools/call","params":{"name":"whoami"}},{"method":"tools/call","params":{"name":"delete_ticket"}}]`
	if got := calledTools([]byte(batch)); !slices.Equal(got, []string{"whoami", "delete_ticket"}) {
		t.Errorf("batch: %q, want both tools", got)
	}
}
