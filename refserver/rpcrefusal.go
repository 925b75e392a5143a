package refserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// CodeAuthRefused is the JSON-RPC error code of a refusal by the
// authorization layer (401 and 403). JSON-RPC 2.0 §5.1 leaves -32000 to
// -32099 to the implementation; the MCP schema (2026-07-28, "MCP error
// codes") keeps -32000 to -32019 implementation-defined and never defines
// codes there. -32000 to -32002 are taken by SDKs and earlier revisions
// (the TypeScript SDK's ConnectionClosed and RequestTimeout; -32002
// resource not found), so this is -32010. A 400 (a malformed request) is
// JSON-RPC's own Invalid Request, -32600.
const CodeAuthRefused = -32010

// codeInvalidRequest is JSON-RPC 2.0 §5.1 Invalid Request.
const codeInvalidRequest = -32600

// refuse answers rf. To a POST carrying one JSON-RPC request the body is a
// JSON-RPC error response to that request (its id), so that MCP clients
// keep their session and show the reason: go-sdk's streamable client ends
// the whole session on a 401 or 403 whose body is not a JSON-RPC error
// response (mcp/streamable.go, checkResponse), and mcp-go shows an internal
// error. The status and WWW-Authenticate are those of writeRefusal, and the
// OAuth error and its description stay visible in the message and data.
// Anything else (a GET, a notification, a batch, no JSON) gets
// writeRefusal's OAuth-style body.
//
// r.Body is read here when the caller has not read it, up to MaxBodyBytes.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rf refusal) {
	if r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err == nil {
			s.refuseRead(w, body, rf)
			return
		}
	}
	writeRefusal(w, s.metadataURL, rf)
}

// refuseRead is refuse for a POST whose body the caller has read.
func (s *Server) refuseRead(w http.ResponseWriter, body []byte, rf refusal) {
	if id := requestID(body); id != nil {
		writeRPCRefusal(w, s.metadataURL, rf, id)
		return
	}
	writeRefusal(w, s.metadataURL, rf)
}

// requestID returns the id of body when body is a single JSON-RPC request
// (an object with a "method" member and an "id" that is a string or a
// number), else nil. The id is the client's own text, to be echoed
// unchanged (JSON-RPC 2.0 §5: the response's id is the request's).
//
// encoding/json checks the body (json.Valid, which allocates nothing);
// on valid JSON, the top-level members are then found by skipping values,
// so that a refusal costs no more than an acceptance (README
// "Performance"). A member name written with escapes is not recognised,
// and the answer is then the OAuth-style body: a choice of format only.
func requestID(body []byte) []byte {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil
	}
	var id []byte
	method := false
	i := 1
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			break
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		keyEnd := skipValue(b, i)
		key := b[i:keyEnd]
		i = skipSpace(b, keyEnd)
		i = skipSpace(b, i+1) // the colon
		valueEnd := skipValue(b, i)
		switch string(key) {
		case `"id"`:
			id = b[i:valueEnd]
		case `"method"`:
			method = true
		}
		i = valueEnd
	}
	if !method || len(id) == 0 {
		return nil
	}
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9':
		return id
	}
	return nil // null, an object, an array, a boolean: not a request id
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i], which
// json.Valid has vouched for.
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// writeRPCRefusal writes rf's status and challenge with a JSON-RPC error
// response to the request id as the body:
//
//	{"jsonrpc":"2.0","id":<id>,"error":{"code":-32010,
//	 "message":"<error>: <error_description>",
//	 "data":{"error":"<error>","error_description":"<error_description>"}}}
//
// built in one buffer (a refusal must cost no more than an acceptance).
func writeRPCRefusal(w http.ResponseWriter, metadataURL string, rf refusal, id []byte) {
	code := rf.code
	if code == "" {
		code = "unauthorized"
	}
	rpcCode := CodeAuthRefused
	if rf.status == http.StatusBadRequest {
		rpcCode = codeInvalidRequest
	}
	writeChallenge(w, metadataURL, rf)
	w.WriteHeader(rf.status)
	buf := make([]byte, 0, 160+len(id)+2*len(code)+2*len(rf.description))
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"error":{"code":`...)
	buf = strconv.AppendInt(buf, int64(rpcCode), 10)
	buf = append(buf, `,"message":"`...)
	buf = appendJSONText(buf, code)
	buf = append(buf, ": "...)
	buf = appendJSONText(buf, rf.description)
	buf = append(buf, `","data":{"error":"`...)
	buf = appendJSONText(buf, code)
	buf = append(buf, `","error_description":"`...)
	buf = appendJSONText(buf, rf.description)
	buf = append(buf, "\"}}}\n"...)
	_, _ = w.Write(buf)
}

// appendJSONText appends s escaped for the inside of a JSON string (RFC 8259
// §7). The texts are fixed strings, but nothing here relies on it.
func appendJSONText(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			buf = append(buf, c)
		}
	}
	return buf
}
