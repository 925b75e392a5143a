package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// ProtocolVersion is the MCP revision the raw client announces.
const ProtocolVersion = "2025-06-18"

// maxResponseBytes bounds what the raw client reads of any answer.
const maxResponseBytes = 8 << 20

// Credentials put a credential on a request: a header, a query parameter,
// a cookie, or nothing. Scenario steps compose them.
type Credentials func(r *http.Request)

// NoCredentials sends nothing.
func NoCredentials(*http.Request) {}

// BearerHeader sends "Authorization: Bearer <token>".
func BearerHeader(token string) Credentials {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// RawAuthorization sends each value as its own Authorization header line, in
// order.
func RawAuthorization(values ...string) Credentials {
	return func(r *http.Request) {
		for _, v := range values {
			r.Header.Add("Authorization", v)
		}
	}
}

// Response is what the target answered, kept whole for assertions.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Elapsed  time.Duration
	Messages []json.RawMessage // JSON-RPC messages, from a JSON or an SSE body
}

// RPCResult returns the result member of the JSON-RPC response with id, or
// an error naming what the target sent instead.
func (r *Response) RPCResult(id int64) (json.RawMessage, error) {
	for _, m := range r.Messages {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(m, &msg) != nil || string(msg.ID) != fmt.Sprint(id) {
			continue
		}
		if msg.Error != nil {
			return nil, &RPCError{Code: msg.Error.Code, Message: msg.Error.Message}
		}
		return msg.Result, nil
	}
	return nil, fmt.Errorf("no JSON-RPC response with id %d (HTTP %d)", id, r.Status)
}

// RPCError is a JSON-RPC error response to a request of the suite: the
// target answered, and refused (-32601 for a tool hidden from the caller,
// -32602 for arguments it does not take, ...).
type RPCError struct {
	Code    int
	Message string
}

func (e *RPCError) Error() string { return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message) }

// ToolResult is an MCP CallToolResult reduced to what the suite checks.
type ToolResult struct {
	IsError bool
	Text    string // the text contents, joined
}

// Client speaks MCP Streamable HTTP by hand, so that every status code and
// header stays visible (mcp-go's client hides non-401 statuses).
type Client struct {
	HTTP   *http.Client
	MCPURL string
	// Protocol is the revision the client speaks (protocol.go): on
	// Revision20260728 every request is stateless and carries its _meta and
	// headers; on a legacy revision (or "") the client opens sessions with
	// initialize, announcing that revision ("": ProtocolVersion).
	Protocol string
	nextID   atomic.Int64
}

// NewClient returns a client for the MCP endpoint at mcpURL.
func NewClient(mcpURL string) *Client {
	return &Client{HTTP: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, MCPURL: mcpURL}
}

// Message is one JSON-RPC request or notification (ID 0: notification).
type Message struct {
	ID     int64
	Method string
	Params any
}

// Exchange is one HTTP request to the MCP endpoint.
type Exchange struct {
	Method  string // POST (default), GET, DELETE
	Session string // Mcp-Session-Id, if any
	Creds   Credentials
	Body    []byte            // raw body; overrides Message
	Message *Message          // JSON-RPC body
	Query   url.Values        // added to the URL
	Header  map[string]string // extra headers; "" removes one the client would send
	// Bare sends a modern request without the _meta and the request headers
	// the client adds on Revision20260728 (Header may still add some).
	Bare      bool
	StreamFor time.Duration // GET streams: read for this long, then stop
}

// NewID returns a fresh JSON-RPC id.
func (c *Client) NewID() int64 { return c.nextID.Add(1) }

// Do sends one exchange.
func (c *Client) Do(ctx context.Context, ex Exchange) (*Response, error) {
	method := ex.Method
	if method == "" {
		method = http.MethodPost
	}
	body := ex.Body
	modern := c.Modern() && !ex.Bare && method == http.MethodPost && ex.Message != nil
	if body == nil && ex.Message != nil {
		msg := map[string]any{"jsonrpc": "2.0", "method": ex.Message.Method}
		if ex.Message.ID != 0 {
			msg["id"] = ex.Message.ID
		}
		params := ex.Message.Params
		if modern && ex.Message.ID != 0 {
			params = withRequestMeta(params, c.Protocol)
		}
		if params != nil {
			msg["params"] = params
		}
		body, _ = json.Marshal(msg)
	}
	target := c.MCPURL
	if len(ex.Query) > 0 {
		target += "?" + ex.Query.Encode()
	}
	if ex.StreamFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ex.StreamFor)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	if ex.Session != "" {
		req.Header.Set("Mcp-Session-Id", ex.Session)
		req.Header.Set("MCP-Protocol-Version", c.legacyVersion())
	}
	if modern {
		setRequestHeaders(req.Header, c.Protocol, ex.Message)
	}
	for k, v := range ex.Header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	if ex.Creds != nil {
		ex.Creds(req)
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.MCPURL, redactURLError(err))
	}
	defer resp.Body.Close()
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	out.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	out.Elapsed = time.Since(start)
	if err != nil && !(ex.StreamFor > 0 && ctx.Err() != nil) {
		return out, fmt.Errorf("reading the answer: %w", err)
	}
	out.Messages = parseMessages(resp.Header.Get("Content-Type"), out.Body)
	return out, nil
}

// redactURLError drops the URL's query from a transport error: a hostile
// scenario may have put a token there.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseMessages extracts JSON-RPC messages from a JSON body or from the data
// lines of a text/event-stream body.
func parseMessages(contentType string, body []byte) []json.RawMessage {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	var msgs []json.RawMessage
	add := func(data []byte) {
		data = bytes.TrimSpace(data)
		if len(data) == 0 {
			return
		}
		if data[0] == '[' {
			var batch []json.RawMessage
			if json.Unmarshal(data, &batch) == nil {
				msgs = append(msgs, batch...)
			}
			return
		}
		if json.Valid(data) {
			msgs = append(msgs, json.RawMessage(data))
		}
	}
	if mediaType != "text/event-stream" {
		add(body)
		return msgs
	}
	var data []byte
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), maxResponseBytes)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			add(data)
			data = nil
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
			data = append(data, '\n')
		}
	}
	add(data)
	return msgs
}

// InitializeParams are the params of the client's initialize request, for
// ProtocolVersion.
func InitializeParams() map[string]any { return initializeParams(ProtocolVersion) }

// InitializeParams are the params of this client's initialize request: its
// legacy revision.
func (c *Client) InitializeParams() map[string]any { return initializeParams(c.legacyVersion()) }

func initializeParams(version string) map[string]any {
	return map[string]any{
		"protocolVersion": version,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "mcpauthspec", "version": "1"},
	}
}

// Session is an MCP session the client opened.
type Session struct {
	ID    string // empty for a stateless target
	Creds Credentials
}

// Open initializes a session with creds and sends notifications/initialized.
// The initialize response is returned whatever its status, so that callers
// can assert on a refusal; err is set only when the exchange itself failed
// or the target did not complete the handshake.
//
// On Revision20260728 there is no session and no handshake: Open sends
// nothing and returns a Session without an ID, so that the credentials are
// tested on the request itself, as a stateless client meets them.
func (c *Client) Open(ctx context.Context, creds Credentials) (*Session, *Response, error) {
	if c.Modern() {
		return &Session{Creds: creds}, nil, nil
	}
	id := c.NewID()
	resp, err := c.Do(ctx, Exchange{Creds: creds, Message: &Message{ID: id, Method: "initialize", Params: c.InitializeParams()}})
	if err != nil {
		return nil, resp, err
	}
	if resp.Status != http.StatusOK {
		return nil, resp, nil
	}
	if _, err := resp.RPCResult(id); err != nil {
		return nil, resp, fmt.Errorf("initialize: %w", err)
	}
	s := &Session{ID: resp.Header.Get("Mcp-Session-Id"), Creds: creds}
	note, err := c.Do(ctx, Exchange{Session: s.ID, Creds: creds, Message: &Message{Method: "notifications/initialized"}})
	if err != nil {
		return nil, resp, err
	}
	if note.Status/100 != 2 {
		return nil, note, nil
	}
	return s, resp, nil
}

// CallTool sends tools/call on session s with creds. The response is returned
// whatever its status; the tool result is decoded when the status is 200.
// A JSON-RPC error answer is a refusal like an HTTP one: the response with
// a nil result and no error (the call failed; the exchange did not).
func (c *Client) CallTool(ctx context.Context, s *Session, creds Credentials, name string, args map[string]any) (*Response, *ToolResult, error) {
	return c.CallToolHeader(ctx, s, creds, name, args, nil)
}

// CallToolHeader is CallTool with header set on the request after the
// client's own headers (Exchange.Header: "" removes one).
func (c *Client) CallToolHeader(ctx context.Context, s *Session, creds Credentials, name string, args map[string]any, header map[string]string) (*Response, *ToolResult, error) {
	id := c.NewID()
	if args == nil {
		args = map[string]any{}
	}
	sessionID := ""
	if s != nil {
		sessionID = s.ID
	}
	resp, err := c.Do(ctx, Exchange{Session: sessionID, Creds: creds, Header: header, Message: &Message{ID: id, Method: "tools/call", Params: map[string]any{"name": name, "arguments": args}}})
	if err != nil || resp.Status != http.StatusOK {
		return resp, nil, err
	}
	raw, err := resp.RPCResult(id)
	if rpcErr := (*RPCError)(nil); errors.As(err, &rpcErr) {
		return resp, nil, nil
	}
	if err != nil {
		return resp, nil, err
	}
	var result struct {
		IsError bool `json:"isError"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(raw, &result); err != nil {
		return resp, nil, fmt.Errorf("tools/call result: %w", err)
	}
	tr := &ToolResult{IsError: result.IsError}
	var texts []string
	for _, c := range result.Content {
		if c.Type == "text" {
			texts = append(texts, c.Text)
		}
	}
	tr.Text = strings.Join(texts, "\n")
	return resp, tr, nil
}
