package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// session returns the session name opened, opening it with a valid token.
func (s *scenario) session(ctx context.Context, name string) (*harness.Session, error) {
	if sess, ok := s.sessions[name]; ok {
		return sess, nil
	}
	u, err := user(name)
	if err != nil {
		return nil, err
	}
	tok, err := s.validToken(u)
	if err != nil {
		return nil, err
	}
	sess, resp, err := s.env.Client.Open(ctx, harness.BearerHeader(tok))
	if err != nil {
		return nil, fmt.Errorf("%s could not open a session with a valid token: %w", name, err)
	}
	if sess == nil {
		return nil, fmt.Errorf("%s could not open a session with a valid token: HTTP %d %s", name, resp.Status, snippet(resp.Body))
	}
	s.sessions[name] = sess
	return sess, nil
}

// sessionFor is session, but skips scenarios tagged @needs-sessions when the
// target is stateless.
func (s *scenario) sessionFor(ctx context.Context, name string, needID bool) (*harness.Session, error) {
	sess, err := s.session(ctx, name)
	if err != nil {
		return nil, err
	}
	if needID && s.env.Client.Modern() {
		return nil, wireSkip("MCP 2026-07-28 has no sessions (changelog, major change 1)")
	}
	if needID && sess.ID == "" {
		return nil, skip("the target issues no Mcp-Session-Id (stateless, as MCP 2026-07-28 allows)")
	}
	return sess, nil
}

func hasOpenedSession(ctx context.Context, name string) error {
	_, err := get(ctx).sessionFor(ctx, name, true)
	return err
}

// clientSends sends one MCP message with the scenario's credentials.
// initialize goes alone; every other message goes on a session alice opened
// with a valid token, so that only this request's credentials are tested.
func clientSends(ctx context.Context, method string) error {
	s := get(ctx)
	ex := harness.Exchange{Creds: s.creds}
	switch method {
	case "initialize":
		ex.Message = s.env.Client.OpeningMessage()
	case "notifications/initialized":
		ex.Message = &harness.Message{Method: method}
	case "tools/list", "ping":
		ex.Message = &harness.Message{ID: s.env.Client.NewID(), Method: method}
	case "tools/call":
		ex.Message = &harness.Message{ID: s.env.Client.NewID(), Method: method,
			Params: map[string]any{"name": "whoami", "arguments": map[string]any{}}}
	case "server/discover", "subscriptions/listen":
		// 2026-07-28 methods (steps/stateless.go).
		ex = statelessExchange(s, method)
	default:
		return fmt.Errorf("the client cannot send %q (initialize, notifications/initialized, tools/list, ping, tools/call, server/discover, subscriptions/listen)", method)
	}
	if s.env.Client.Modern() && (method == "notifications/initialized" || method == "ping") {
		return wireSkip("MCP 2026-07-28 removed %s (changelog, major changes 2 and 5)", method)
	}
	if method != "initialize" {
		sess, err := s.session(ctx, "alice")
		if err != nil {
			return err
		}
		ex.Session = sess.ID
	}
	return s.send(ctx, ex)
}

func (s *scenario) send(ctx context.Context, ex harness.Exchange) error {
	start := time.Now()
	resp, err := s.env.Client.Do(ctx, ex)
	switch {
	case err == nil:
	case resp != nil && resp.Status/100 == 4:
		// The refusal's status arrived, then the connection broke (a
		// server that answers 431 and resets the socket while the client
		// is still writing): the status is the answer.
	case resp == nil && droppedBeforeAnswer(ctx, err):
		// The target closed or reset the connection before answering: a
		// refusal (RFC 9112 §9.6 lets a server close a connection; Node
		// does so after 431 while the client still writes). Only "the
		// request is refused" accepts it; every other check sees no answer.
		s.resp, s.result, s.dropped = &harness.Response{Elapsed: time.Since(start)}, nil, err
		return nil
	default:
		return err
	}
	s.resp, s.result, s.dropped = resp, nil, nil
	return nil
}

// droppedBeforeAnswer reports whether err means the target closed or reset
// the connection before an answer, as opposed to the suite giving up (a
// cancelled context, a timeout) or nothing listening at all.
func droppedBeforeAnswer(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}

func clientOpensStream(ctx context.Context) error {
	s := get(ctx)
	sess, err := s.session(ctx, "alice")
	if err != nil {
		return err
	}
	if s.env.Client.Modern() {
		return wireSkip("MCP 2026-07-28 has no GET stream (features/15_stateless.feature covers GET on this wire)")
	}
	return s.send(ctx, harness.Exchange{Method: http.MethodGet, Session: sess.ID, Creds: s.creds, StreamFor: 300 * time.Millisecond})
}

func clientDeletesSession(ctx context.Context) error {
	s := get(ctx)
	sess, err := s.session(ctx, "alice")
	if err != nil {
		return err
	}
	if s.env.Client.Modern() {
		return wireSkip("MCP 2026-07-28 has no session to DELETE (features/15_stateless.feature covers DELETE on this wire)")
	}
	return s.send(ctx, harness.Exchange{Method: http.MethodDelete, Session: sess.ID, Creds: s.creds})
}

func clientCalls(ctx context.Context, tool string) error {
	return get(ctx).callTool(ctx, nil, tool, map[string]any{})
}

func clientCallsWith(ctx context.Context, tool, args string) error {
	s := get(ctx)
	parsed, err := s.parseArgs(args)
	if err != nil {
		return err
	}
	return s.callTool(ctx, nil, tool, parsed)
}

func clientCallsOnSession(ctx context.Context, tool, owner string) error {
	s := get(ctx)
	sess, err := s.sessionFor(ctx, owner, true)
	if err != nil {
		return err
	}
	return s.callTool(ctx, sess, tool, map[string]any{})
}

func (s *scenario) parseArgs(raw string) (map[string]any, error) {
	expanded, err := s.expand(raw)
	if err != nil {
		return nil, err
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(expanded), &args); err != nil {
		return nil, fmt.Errorf("tool arguments %s: %w", raw, err)
	}
	return args, nil
}

// callTool calls a contract tool with the scenario's credentials: on sess if
// given, else on a session it opens with the same credentials (so that a bad
// credential is refused at initialize, as a real client would meet it).
func (s *scenario) callTool(ctx context.Context, sess *harness.Session, tool string, args map[string]any) error {
	name, ok := s.env.Target.Tool(tool)
	if !ok {
		return skip("the profile maps no tool to %q", tool)
	}
	s.call = &toolCall{tool: tool, args: args}
	if sess == nil {
		opened, resp, err := s.env.Client.Open(ctx, s.creds)
		if err != nil {
			return err
		}
		if opened == nil {
			s.resp, s.result, s.dropped = resp, nil, nil
			return nil
		}
		sess = opened
	}
	resp, result, err := s.env.Client.CallTool(ctx, sess, s.creds, name, args)
	if err != nil {
		return err
	}
	s.resp, s.result, s.dropped = resp, result, nil
	return nil
}

func clientFetches(ctx context.Context, path string) error {
	s := get(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.env.Target.BaseURL+path, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := s.env.Client.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer r.Body.Close()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	s.resp, s.dropped = &harness.Response{Status: r.StatusCode, Header: r.Header, Body: body, Elapsed: time.Since(start)}, nil
	s.metadata, s.fetched = nil, path
	_ = json.Unmarshal(body, &s.metadata)
	return nil
}

var quotedName = regexp.MustCompile(`"([^"]*)"`)

// concurrentCalls runs n tool calls at once through mcp-go's client, one
// client per user, alternating whoami and list_tickets, and keeps every
// outcome for concurrentIsolated.
func concurrentCalls(ctx context.Context, n int, names string) error {
	s := get(ctx)
	var users []harness.User
	for _, m := range quotedName.FindAllStringSubmatch(names, -1) {
		u, err := user(m[1])
		if err != nil {
			return err
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return fmt.Errorf("no users in %s", names)
	}
	for _, tool := range []string{"whoami", "list_tickets"} {
		if _, ok := s.env.Target.Tool(tool); !ok {
			return skip("the profile maps no tool to %q, which the concurrent calls need", tool)
		}
	}
	clients := make([]*client.Client, len(users))
	for i, u := range users {
		tok, err := s.validToken(u)
		if err != nil {
			return err
		}
		c, err := client.NewStreamableHttpClient(s.env.Target.MCPURL,
			transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + tok}),
			transport.WithHTTPTimeout(30*time.Second))
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Start(ctx); err != nil {
			return fmt.Errorf("%s: start: %w", u.Name, err)
		}
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = s.env.Revision()
		init.Params.ClientInfo = mcp.Implementation{Name: "mcpauthspec", Version: "1"}
		if _, err := c.Initialize(ctx, init); err != nil {
			return fmt.Errorf("%s: initialize with a valid token: %w", u.Name, err)
		}
		clients[i] = c
	}
	outcomes := make([]concurrentOutcome, n)
	var wg sync.WaitGroup
	// All calls wait for one signal, so that they overlap as much as the
	// machine allows: cross-talk through shared state shows only when
	// requests of different users are in flight together.
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			u, c := users[i%len(users)], clients[i%len(users)]
			tool := "whoami"
			if (i/len(users))%2 == 1 {
				tool = "list_tickets"
			}
			name, _ := s.env.Target.Tool(tool)
			req := mcp.CallToolRequest{}
			req.Params.Name = name
			req.Params.Arguments = map[string]any{}
			out := concurrentOutcome{user: u, tool: tool}
			res, err := c.CallTool(ctx, req)
			switch {
			case err != nil:
				out.err = err
			case res.IsError:
				out.err = fmt.Errorf("tool error: %s", textOf(res))
			default:
				out.text = textOf(res)
			}
			outcomes[i] = out
		}()
	}
	close(start)
	wg.Wait()
	s.concurrent = outcomes
	return nil
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Backend faults, through the fake backend's administration.

var noFault = fakebackend.Fault{}

func backendFails(ctx context.Context, kind string) error {
	s := get(ctx)
	if !s.serial {
		return fmt.Errorf("a scenario that injects faults for every caller must be tagged %s (or use: the backend fails with %q for that token)", tagSerial, kind)
	}
	f, err := faultOf(s, kind)
	if err != nil {
		return err
	}
	return s.env.Target.Backend.SetFault(ctx, f)
}

// backendFailsForToken injects the fault for the calls made with the
// scenario's token only (fakebackend.Fault.TokenSHA256), so that the
// scenario need not run alone: every other caller's calls go through.
func backendFailsForToken(ctx context.Context, kind string) error {
	s := get(ctx)
	if s.token == "" {
		return errors.New("the fault is for the scenario's token: give the scenario one first (a valid token for ...)")
	}
	f, err := faultOf(s, kind)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(s.token))
	f.TokenSHA256 = hex.EncodeToString(sum[:])
	s.tokenFault = f.TokenSHA256
	return s.env.Target.Backend.SetFault(ctx, f)
}

func faultOf(s *scenario, kind string) (fakebackend.Fault, error) {
	f := fakebackend.Fault{Kind: kind, Paths: "api"}
	switch kind {
	case "down":
		f.Paths = "all"
	case "slow":
		f.Delay, f.DelayMS = s.env.SlowFault, int(s.env.SlowFault/time.Millisecond)
	case "500", "401":
	case "exchange-401":
		f.Kind, f.Paths = "401", "token"
	default:
		return f, fmt.Errorf("unknown fault %q (down, slow, 500, 401, exchange-401)", kind)
	}
	return f, nil
}

// faultClears clears the scenario's fault: its token's, if it set one.
func faultClears(ctx context.Context) error {
	s := get(ctx)
	return s.env.Target.Backend.SetFault(ctx, fakebackend.Fault{TokenSHA256: s.tokenFault})
}

func backendRecordingCleared(ctx context.Context) error {
	s := get(ctx)
	if !s.serial {
		return fmt.Errorf("a scenario that reads the backend recording must be tagged %s", tagSerial)
	}
	return s.env.Target.Backend.ResetRecording(ctx)
}
