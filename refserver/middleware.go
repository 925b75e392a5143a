package refserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
)

// MaxBodyBytes bounds an MCP request body; larger ones get 413.
const MaxBodyBytes = 1 << 20

// headerSessionID is the MCP Streamable HTTP session header.
const headerSessionID = "Mcp-Session-Id"

// requireAuth guards every request to the MCP endpoint, whatever its method
// or JSON-RPC message: initialize, notifications, tools/list, tools/call,
// ping, the GET stream and DELETE (MCP 2025-06-18 authorization: "authorization
// MUST be included in every HTTP request from client to server, even if they
// are part of the same logical session"). Checking at the HTTP layer, not in
// tool handlers, is what makes that true for messages no handler sees.
//
// In order: one bearer credential (bearer.go), a valid token (the
// TokenVerifier), a session owned by the same user (sessions.go), and for
// tools/call the tool's scope (scopes.go). Only then does the MCP server see
// the request, with the claims in its context.
func (s *Server) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		token, err := bearerToken(r)
		if err != nil {
			info.reason = err.Error()
			s.refuse(w, r, refusalFor(err))
			return
		}
		claims, err := s.verify(r.Context(), token)
		if err != nil {
			info.reason = describe(err)
			s.refuse(w, r, refusalFor(err))
			return
		}
		info.user, info.org = claims.Subject, claims.OrgID

		sessionID := r.Header.Get(headerSessionID)
		if sessionID != "" && !s.sessions.owns(sessionID, claims) {
			// Another user's session, or one that never existed: the same
			// answer for both, the one the transport gives for unknown ids.
			info.reason = "session not owned by caller"
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "session_not_found", "error_description": "unknown session"})
			return
		}

		if r.Method == http.MethodPost {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					info.reason = "body too large"
					writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request_too_large"})
					return
				}
				info.reason = "body unreadable"
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
				return
			}
			rb := &replayBody{}
			rb.Reset(body)
			r.Body = rb
			for _, tool := range calledTools(body) {
				scope, known := RequiredScope(tool)
				if known && !s.scopeOK(claims, scope) {
					info.reason = "insufficient scope"
					s.refuseRead(w, body, insufficientScope(scope))
					return
				}
			}
		}

		r = r.WithContext(s.caller.Attach(r, claims, token))
		r, endStream := s.streamUntilExpiry(r, claims)
		defer endStream()
		if sessionID == "" {
			w = &sessionBinder{ResponseWriter: w, bind: func(id string) { s.sessions.bind(id, claims) }}
		}
		next.ServeHTTP(w, r)
	})
}

// replayBody hands the MCP server the body the middleware read: one
// allocation where io.NopCloser(bytes.NewReader(body)) makes two.
type replayBody struct{ bytes.Reader }

func (replayBody) Close() error { return nil }

// calledTools returns the tool names of every tools/call in a JSON-RPC
// message or batch. Unparseable bodies yield none: the MCP server answers
// them with a JSON-RPC parse error, after authentication succeeded.
//
// The answer must be the MCP server's own reading of the body, so it is read
// the way mcp-go reads it: encoding/json into the method and params.name of
// a tools/call (server.HandleMessage's baseMessage.Method and
// mcp.CallToolRequest's Params.Name), with encoding/json's case-insensitive
// names, last duplicate winning, and escapes decoded.
func calledTools(body []byte) []string {
	type message struct {
		Method mcp.MCPMethod `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var msgs []message
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		_ = json.Unmarshal(trimmed, &msgs)
	} else {
		var m message
		if json.Unmarshal(trimmed, &m) == nil {
			msgs = append(msgs, m)
		}
	}
	var tools []string
	for _, m := range msgs {
		if m.Method == mcp.MethodToolsCall {
			tools = append(tools, m.Params.Name)
		}
	}
	return tools
}

// sessionBinder binds a session id to its creator at the moment the MCP
// server announces it in the initialize response headers, before any byte
// reaches the client.
type sessionBinder struct {
	http.ResponseWriter
	bind  func(id string)
	bound bool
}

func (b *sessionBinder) WriteHeader(status int) {
	if !b.bound {
		b.bound = true
		if id := b.Header().Get(headerSessionID); id != "" && status < 300 {
			b.bind(id)
		}
	}
	b.ResponseWriter.WriteHeader(status)
}

func (b *sessionBinder) Write(p []byte) (int, error) {
	if !b.bound {
		b.WriteHeader(http.StatusOK)
	}
	return b.ResponseWriter.Write(p)
}

// Flush keeps server-sent event streams working through the wrapper.
func (b *sessionBinder) Flush() {
	if !b.bound {
		b.WriteHeader(http.StatusOK)
	}
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (b *sessionBinder) Unwrap() http.ResponseWriter { return b.ResponseWriter }

func (b *sessionBinder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(b.ResponseWriter).Hijack()
}
