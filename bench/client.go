package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// callTimeout bounds one call; a target that takes longer is counted as a
// transport error.
const callTimeout = 30 * time.Second

// maxAnswerBytes bounds what is read of one answer.
const maxAnswerBytes = 1 << 20

// kind is what became of one call.
type kind uint8

const (
	kindOK          kind = iota // 200 with a tool result that is not an error
	kind401                     // 401 Unauthorized
	kind403                     // 403 Forbidden
	kind4xx                     // any other 4xx
	kind5xx                     // any 5xx
	kindOtherStatus             // 1xx, 3xx, or a 2xx other than 200
	kindToolError               // 200 whose result is a tool error, a JSON-RPC error, or missing
	kindTransport               // no HTTP answer: refused, reset, timed out
)

// outcome is one call's answer.
type outcome struct {
	kind    kind
	status  int
	latency time.Duration
	err     error // transport errors only
}

func (o outcome) describe() string {
	switch o.kind {
	case kindTransport:
		return "no answer: " + o.err.Error()
	case kindToolError:
		return "HTTP 200 without a successful tool result"
	}
	return "HTTP " + strconv.Itoa(o.status)
}

// caller sends tools/call requests, lean on purpose: the load generator runs
// on the same cores as the target, so every microsecond it spends is one
// the target does not get. The request body is two fixed halves around the
// JSON-RPC id.
type caller struct {
	url    string
	http   *http.Client
	prefix []byte
	suffix []byte
	ids    atomic.Int64
	bufs   sync.Pool
}

// newCaller prepares calls of tool with args to the MCP endpoint mcpURL,
// which must be on a loopback address.
func newCaller(mcpURL string, concurrency int, tool string, args map[string]any) (*caller, error) {
	u, err := url.Parse(mcpURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bench: %q is not an http(s) URL", mcpURL)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("bench: %s is not a loopback address; the load generator only loads servers on this machine", u.Hostname())
	}
	params, err := json.Marshal(map[string]any{"name": tool, "arguments": args})
	if err != nil {
		return nil, fmt.Errorf("bench: tool arguments: %w", err)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	transport := &http.Transport{
		// No proxy from the environment: the load goes straight to the
		// target, and the dialer refuses anything but loopback anyway.
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: 2 * concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &caller{
		url: mcpURL,
		http: &http.Client{
			Transport: transport,
			Timeout:   callTimeout,
			// A redirect would carry the bearer token elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		prefix: []byte(`{"jsonrpc":"2.0","id":`),
		suffix: []byte(`,"method":"tools/call","params":` + string(params) + `}`),
		bufs:   sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}, nil
}

// loopbackOnly is the dialer's last word on where a connection goes: a
// loopback IP, whatever a name resolved to.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("bench: refusing to connect to %s: not a loopback address", host)
	}
	return nil
}

func (c *caller) close() { c.http.CloseIdleConnections() }

// call sends one tools/call on u's session with token and classifies the
// answer. The latency runs from sending the request to the last byte of the
// answer.
func (c *caller) call(ctx context.Context, u *user, token string) outcome {
	body := make([]byte, 0, len(c.prefix)+20+len(c.suffix))
	body = append(body, c.prefix...)
	body = strconv.AppendInt(body, c.ids.Add(1), 10)
	body = append(body, c.suffix...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return outcome{kind: kindTransport, err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if u.session != "" {
		req.Header.Set("Mcp-Session-Id", u.session)
		req.Header.Set("MCP-Protocol-Version", harness.ProtocolVersion)
	}

	buf := c.bufs.Get().(*bytes.Buffer)
	defer c.bufs.Put(buf)
	buf.Reset()
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return outcome{kind: kindTransport, latency: time.Since(start), err: redact(err)}
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBytes))
	resp.Body.Close()
	latency := time.Since(start)
	if err != nil {
		return outcome{kind: kindTransport, status: resp.StatusCode, latency: latency, err: redact(err)}
	}
	out := outcome{status: resp.StatusCode, latency: latency}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		out.kind = toolKind(resp.Header.Get("Content-Type"), buf.Bytes())
	case s == http.StatusUnauthorized:
		out.kind = kind401
	case s == http.StatusForbidden:
		out.kind = kind403
	case s >= 400 && s < 500:
		out.kind = kind4xx
	case s >= 500:
		out.kind = kind5xx
	default:
		out.kind = kindOtherStatus
	}
	return out
}

// redact keeps the cause of a transport error and drops the URL around it.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// toolKind reads the JSON-RPC response in a 200 answer, a JSON body or
// server-sent events (MCP Streamable HTTP allows either), and reports
// whether it holds a successful tool result.
func toolKind(contentType string, body []byte) kind {
	media, _, _ := mime.ParseMediaType(contentType)
	if media != "text/event-stream" {
		if k, done := rpcKind(body); done {
			return k
		}
		return kindToolError
	}
	// Events are separated by blank lines; a response may follow
	// notifications on the same stream.
	var data []byte
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), maxAnswerBytes)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if k, done := rpcKind(data); done {
				return k
			}
			data = data[:0]
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data, bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))...)
			data = append(data, '\n')
		}
	}
	if k, done := rpcKind(data); done {
		return k
	}
	return kindToolError
}

// rpcKind classifies one JSON-RPC message; done is false when it is not a
// response (a notification, or not JSON-RPC at all).
func rpcKind(msg []byte) (k kind, done bool) {
	if len(bytes.TrimSpace(msg)) == 0 {
		return 0, false
	}
	var m struct {
		Result *struct {
			IsError bool `json:"isError"`
		} `json:"result"`
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return 0, false
	}
	switch {
	case m.Error != nil:
		return kindToolError, true
	case m.Result == nil:
		return 0, false
	case m.Result.IsError:
		return kindToolError, true
	}
	return kindOK, true
}

// kindName is a kind's key in ErrorCounts and reports.
func kindName(k kind) string {
	return [...]string{"ok", "401", "403", "4xx", "5xx", "other_status", "tool_error", "transport"}[k]
}
