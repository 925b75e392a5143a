package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// toolScopes is the contract's scope table (§4): the one scope each tool
// needs; "" means any valid token. No scope implies another.
var toolScopes = map[string]string{
	"whoami":            "",
	"list_tickets":      "read",
	"get_ticket":        "read",
	"create_ticket":     "write",
	"update_ticket":     "write",
	"delete_ticket":     "admin",
	"list_integrations": "read",
	"sync_integration":  "write",
	"system_status":     "admin",
}

// maxBodyBytes bounds an MCP request body; a larger one gets 413 (RFC 9110
// §15.5.14). The SDK's own default, mcp.DefaultMaxRequestBodyBytes, is
// 4 MiB; server.go sets it to this too.
const maxBodyBytes = 1 << 20

// supportedScopes is what the protected resource metadata advertises.
var supportedScopes = []string{"read", "write", "admin"}

// requireToolScope answers a tools/call whose token lacks the tool's scope
// with 403 insufficient_scope and the scope to ask for (MCP 2025-11-25
// "Runtime Insufficient Scope Errors", RFC 6750 §3.1), before the SDK sees
// the request. A tool handler cannot do this: the SDK answers every
// tools/call with HTTP 200 and a JSON-RPC result, and
// auth.RequireBearerTokenOptions.Scopes applies one scope set to every
// request, initialize included. The tool handlers check the scope again
// (tools.go), so a call that reaches one without it still fails.
func requireToolScope(metadataURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request_too_large"})
				return
			}
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		c := claimsFrom(auth.TokenInfoFromContext(r.Context()))
		for _, tool := range calledTools(body) {
			scope, known := toolScopes[tool]
			if known && scope != "" && (c == nil || !c.HasScope(scope)) {
				authStateFrom(r.Context()).reason = "insufficient scope"
				writeRefusal(w, metadataURL, refusal{
					status:      http.StatusForbidden,
					code:        "insufficient_scope",
					description: "the tool needs scope " + scope,
					scope:       scope,
				})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// calledTools returns the tool name of every tools/call in a JSON-RPC
// message or batch. Messages are decoded with the SDK's own decoder
// (jsonrpc.DecodeMessage) and "name" is looked up by its exact spelling, as
// the SDK does: encoding/json would match "Name" too, and a body with both
// could name one tool here and another in the SDK. A message that does not
// decode names no tool: the SDK refuses it with a JSON-RPC error.
func calledTools(body []byte) []string {
	raws := []json.RawMessage{body}
	var batch []json.RawMessage
	if json.Unmarshal(body, &batch) == nil {
		raws = batch
	}
	var tools []string
	for _, raw := range raws {
		msg, err := jsonrpc.DecodeMessage(raw)
		req, ok := msg.(*jsonrpc.Request)
		if err != nil || !ok || req.Method != "tools/call" {
			continue
		}
		var params map[string]json.RawMessage
		var name string
		if json.Unmarshal(req.Params, &params) == nil && json.Unmarshal(params["name"], &name) == nil {
			tools = append(tools, name)
		}
	}
	return tools
}
