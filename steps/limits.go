package steps

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// The limit scenarios (features/13_load_and_limits.feature): requests larger
// or slower than any client needs, sent over a raw TCP connection so that
// the suite can send more than net/http's client would and stop reading when
// the target answers. Each must be answered quickly, with memory that does
// not grow with what was sent.

// limitProbe is what one oversized or slow request observed.
type limitProbe struct {
	// allocated is what this process allocated while the request was in
	// flight (runtime.MemStats.TotalAlloc); measured when the target runs
	// in this process.
	allocated uint64
	measured  bool
	// closedAfter is when the target closed a slow client's connection;
	// closed is false when it was still open at slowClientLimit.
	closedAfter time.Duration
	closed      bool
	// unanswered is true when the target closed the connection of an
	// oversized request without an answer: a refusal too (RFC 9110
	// §15.5.14: the server "MAY terminate the request" or "close the
	// connection").
	unanswered bool
}

// Sizes are given in KiB and capped, so that a typo cannot make the suite
// send gigabytes.
const maxLimitKiB = 64 << 10

// slowClientLimit bounds how long the slow client trickles its headers: a
// target that has not closed the connection by then holds it for good.
const slowClientLimit = 15 * time.Second

// rawRequest is one HTTP/1.1 request, written by hand. The bulk of an
// oversized part is fill bytes written from one small buffer, so that this
// process's allocations during the request are the target's.
type rawRequest struct {
	head       []string // header lines, without CRLF
	bigName    string   // a header of bigPrefix followed by bigFill bytes
	bigPrefix  string
	bigFill    int
	bodyPrefix string // the body: bodyPrefix, bodyFill bytes of 'x', bodySuffix
	bodyFill   int
	bodySuffix string
}

func (s *scenario) dialTarget(ctx context.Context) (net.Conn, *url.URL, error) {
	u, err := url.Parse(s.env.Target.MCPURL)
	if err != nil {
		return nil, nil, err
	}
	if u.Scheme != "http" {
		return nil, nil, skip("the raw-socket limit scenarios speak plain HTTP/1.1; the target is %s", u.Scheme)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to %s: %w", u.Host, err)
	}
	return conn, u, nil
}

// measureTries is how often an oversized request is sent to an in-process
// target. The allocation counter is the whole process's, so whatever else
// runs meanwhile adds to it; the least of several tries is the request's
// own cost, and a target that allocates in proportion to the request does
// so on every try.
const measureTries = 3

// sendRaw sends req (measureTries times to an in-process target) and keeps
// the answer in s.resp, with the shortest time a try took, and the least
// allocation of a try in s.limit: a limit enforced as it should be is
// enforced on every try, so the least is the target's own cost, free of
// whatever else the machine was doing.
func (s *scenario) sendRaw(ctx context.Context, req rawRequest) error {
	probe := &limitProbe{measured: s.env.Target.InProcess}
	tries := 1
	if probe.measured {
		tries = measureTries
	}
	var fastest time.Duration
	for i := range tries {
		resp, allocated, err := s.sendRawOnce(ctx, req, probe.measured)
		if err != nil {
			return err
		}
		if i == 0 || resp.Elapsed < fastest {
			fastest = resp.Elapsed
		}
		if i == 0 || allocated < probe.allocated {
			probe.allocated = allocated
		}
		probe.unanswered = probe.unanswered || resp.Status == 0
		resp.Elapsed = fastest
		s.resp = resp
	}
	s.result, s.limit = nil, probe
	return nil
}

// sendRawOnce writes req as a POST to the MCP endpoint over a new
// connection while reading the answer. Writing stops at the first error: a
// target may answer and hang up long before an oversized request is
// through. With measure, it also returns what this process allocated from
// the first byte sent until the exchange was over.
func (s *scenario) sendRawOnce(ctx context.Context, req rawRequest, measure bool) (*harness.Response, uint64, error) {
	conn, u, err := s.dialTarget(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))

	contentLength := len(req.bodyPrefix) + req.bodyFill + len(req.bodySuffix)
	var head strings.Builder
	head.WriteString("POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	head.WriteString("Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n")
	head.WriteString("Content-Length: " + strconv.Itoa(contentLength) + "\r\n")
	for _, h := range req.head {
		head.WriteString(h + "\r\n")
	}
	// Token characters for the big header, 'x' for the body padding.
	bigChunk, chunk := make([]byte, 32<<10), make([]byte, 32<<10)
	for i := range chunk {
		bigChunk[i], chunk[i] = 'A', 'x'
	}
	headBytes, reader := []byte(head.String()), bufio.NewReader(conn)

	var before runtime.MemStats
	if measure {
		runtime.ReadMemStats(&before)
	}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fill := func(b []byte, n int) error {
			for n > 0 {
				k := min(n, len(b))
				if _, err := conn.Write(b[:k]); err != nil {
					return err
				}
				n -= k
			}
			return nil
		}
		var err error
		write := func(p string) {
			if err == nil {
				_, err = io.WriteString(conn, p)
			}
		}
		if _, err = conn.Write(headBytes); err != nil {
			return
		}
		if req.bigName != "" {
			write(req.bigName + ": " + req.bigPrefix)
			if err == nil {
				err = fill(bigChunk, req.bigFill)
			}
			write("\r\n")
		}
		write("\r\n" + req.bodyPrefix)
		if err == nil {
			err = fill(chunk, req.bodyFill)
		}
		write(req.bodySuffix)
	}()
	resp, err := http.ReadResponse(reader, nil)
	elapsed := time.Since(start)
	if err != nil {
		// The target hung up without an answer (Node's HTTP server resets
		// a connection whose headers are too large while the client still
		// writes): Status 0, when it happened.
		conn.Close()
		wg.Wait()
		return &harness.Response{Elapsed: elapsed}, 0, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	// The target is done with the request once it answered; the writer may
	// still be blocked on a connection the target stopped reading.
	conn.Close()
	wg.Wait()
	var allocated uint64
	if measure {
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		allocated = after.TotalAlloc - before.TotalAlloc
	}
	return &harness.Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: elapsed}, allocated, nil
}

func kib(n int) (int, error) {
	if n < 1 || n > maxLimitKiB {
		return 0, fmt.Errorf("size %d KiB: want 1 to %d", n, maxLimitKiB)
	}
	return n << 10, nil
}

// initializeJSON is an initialize request whose params end in a "padding"
// string, so that a body of any size is one well-formed JSON-RPC message.
const initializeJSONPrefix = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + harness.ProtocolVersion +
	`","capabilities":{},"clientInfo":{"name":"mcpauthspec","version":"1"},"padding":"`
const initializeJSONSuffix = `"}}`

// clientSendsBigAuthorization sends "Authorization: Bearer " and n KiB of
// token characters: more than any token needs and, past a target's header
// limit, to be refused before it is held whole (RFC 6585 §5: 431).
func clientSendsBigAuthorization(ctx context.Context, n int) error {
	size, err := kib(n)
	if err != nil {
		return err
	}
	s := get(ctx)
	return s.sendRaw(ctx, rawRequest{
		bigName: "Authorization", bigPrefix: "Bearer ", bigFill: size,
		bodyPrefix: initializeJSONPrefix, bodySuffix: initializeJSONSuffix,
	})
}

// clientSendsBigBody sends an initialize request of n KiB with the
// scenario's credentials: a body past the target's limit must be refused
// (RFC 9110 §15.5.14: 413) without being read whole.
func clientSendsBigBody(ctx context.Context, n int) error {
	size, err := kib(n)
	if err != nil {
		return err
	}
	s := get(ctx)
	return s.sendRaw(ctx, rawRequest{
		head:       credentialLines(s.creds),
		bodyPrefix: initializeJSONPrefix, bodyFill: size - len(initializeJSONPrefix) - len(initializeJSONSuffix),
		bodySuffix: initializeJSONSuffix,
	})
}

// clientSendsPeriodsToken sends a bearer token of the CVE-2025-30204 shape: a
// JWS header part followed by n KiB of periods, which a parser that splits
// on "." before bounding the length turns into one allocation per period.
// Sized to fit the target's header limit, it reaches the token verifier.
func clientSendsPeriodsToken(ctx context.Context, n int) error {
	size, err := kib(n)
	if err != nil {
		return err
	}
	s := get(ctx)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	tok := header + strings.Repeat(".", size-len(header))
	s.token = ""
	return s.sendRaw(ctx, rawRequest{
		head:       []string{"Authorization: Bearer " + tok},
		bodyPrefix: initializeJSONPrefix, bodySuffix: initializeJSONSuffix,
	})
}

// credentialLines renders creds as header lines.
func credentialLines(creds harness.Credentials) []string {
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
	creds(r)
	var lines []string
	for k, vs := range r.Header {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	return lines
}

// allocatedAtMost: while the oversized request was in flight, an in-process
// target (and the suite's own small reader) allocated at most n KiB. For a
// target in another process the suite has no view of its memory; the step
// then checks nothing, and the status and timing steps carry the scenario.
func allocatedAtMost(ctx context.Context, n int) error {
	s := get(ctx)
	if s.limit == nil {
		return fmt.Errorf("no oversized request was sent yet")
	}
	if !s.limit.measured {
		return nil
	}
	if limit := uint64(n) << 10; s.limit.allocated > limit {
		return mismatch(fmt.Sprintf("at most %d KiB allocated for the request", n), "%d KiB", s.limit.allocated>>10)
	}
	return nil
}

// slowClient opens a connection and sends a request's headers one byte
// every interval, never finishing them (slowloris), until the target closes
// the connection or answers, or slowClientLimit passes.
func slowClient(ctx context.Context, ms int) error {
	s := get(ctx)
	if ms < 1 || ms > 5000 {
		return fmt.Errorf("interval %d ms: want 1 to 5000", ms)
	}
	conn, u, err := s.dialTarget(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		// Any answer or the end of the connection: the target gave up on
		// the client (net/http closes without a word; others send 408).
		_, _ = conn.Read(make([]byte, 1))
		close(closed)
	}()
	head := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nX-Slow: "
	if _, err := io.WriteString(conn, head); err != nil {
		return fmt.Errorf("writing the request line: %w", err)
	}
	tick := time.NewTicker(time.Duration(ms) * time.Millisecond)
	defer tick.Stop()
	probe := &limitProbe{}
	s.limit, s.resp, s.result = probe, nil, nil
	for {
		select {
		case <-closed:
			probe.closed, probe.closedAfter = true, time.Since(start)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if time.Since(start) > slowClientLimit {
				return nil
			}
			if _, err := conn.Write([]byte{'a'}); err != nil {
				// A reset before the reader saw the close.
				probe.closed, probe.closedAfter = true, time.Since(start)
				return nil
			}
		}
	}
}

func targetClosedWithin(ctx context.Context, ms int) error {
	s := get(ctx)
	if s.limit == nil {
		return fmt.Errorf("no slow client ran yet")
	}
	limit := time.Duration(ms) * time.Millisecond
	switch {
	case !s.limit.closed:
		return mismatch(fmt.Sprintf("the connection closed within %v", limit), "still open after %v", slowClientLimit)
	case s.limit.closedAfter > limit:
		return mismatch(fmt.Sprintf("the connection closed within %v", limit), "closed after %v", s.limit.closedAfter.Round(time.Millisecond))
	}
	return nil
}

// oversizedRefused: the target refused the oversized request: any 4xx
// (413, 431, 400, 401 ...), or it closed the connection before answering.
func oversizedRefused(ctx context.Context) error {
	s := get(ctx)
	if s.limit == nil || s.resp == nil {
		return fmt.Errorf("no oversized request was sent yet")
	}
	if s.resp.Status == 0 || s.resp.Status/100 == 4 {
		return nil
	}
	return mismatch("a refusal (a 4xx, or the connection closed before an answer)", "HTTP %d %s", s.resp.Status, s.redact(snippet(s.resp.Body)))
}

// oversizedStatus: the target answered one of statuses ("431", "401 or
// 431"); a connection closed without an answer is not a status.
func oversizedStatus(ctx context.Context, statuses string) error {
	s := get(ctx)
	if s.limit == nil || s.resp == nil {
		return fmt.Errorf("no oversized request was sent yet")
	}
	for _, want := range strings.Split(statuses, " or ") {
		if strings.TrimSpace(want) == "2xx" {
			// served: the request is within this target's own limit
			if s.resp.Status/100 == 2 {
				return nil
			}
			continue
		}
		code, err := strconv.Atoi(strings.TrimSpace(want))
		if err != nil {
			return fmt.Errorf("status %q: want numbers (or 2xx) joined by \" or \"", statuses)
		}
		if s.resp.Status == code {
			return nil
		}
	}
	if s.resp.Status == 0 {
		return mismatch("HTTP "+statuses, "the connection closed without an answer after %v", s.resp.Elapsed.Round(time.Millisecond))
	}
	return mismatch("HTTP "+statuses, "HTTP %d %s", s.resp.Status, s.redact(snippet(s.resp.Body)))
}

// Backend faults (features/11_backend_delegation.feature).

// faultSlack is what a target may take beyond its backend timeout to turn
// the timeout into a tool error.
const faultSlack = 750 * time.Millisecond

// toolFailsClearlyInTime: the call produced a tool error (a result with
// isError and a text, as MCP wants for failures a model should see, not a
// JSON-RPC error or an HTTP refusal), before the backend timeout expired
// plus faultSlack. When the suite does not know the target's timeout (an
// external target), the bound is the slow fault's delay: a target that
// waited for the slow backend would have got its answer instead.
func toolFailsClearlyInTime(ctx context.Context) error {
	s := get(ctx)
	if s.resp == nil {
		return fmt.Errorf("no call was made")
	}
	if s.result == nil || !s.result.IsError || strings.TrimSpace(s.result.Text) == "" {
		return mismatch("a tool error with a message (isError, text content)", "%s", s.describeCall())
	}
	bound := s.env.SlowFault - 100*time.Millisecond
	if t := s.env.Target.BackendTimeout; t > 0 {
		bound = min(bound, t+faultSlack)
	}
	if s.resp.Elapsed > bound {
		return mismatch(fmt.Sprintf("the tool error within %v", bound), "after %v: %s", s.resp.Elapsed.Round(time.Millisecond), s.describeCall())
	}
	return nil
}

// contractBackendBound is the longest contract v2 lets a target wait for one
// backend or token-exchange call when it does not read BACKEND_TIMEOUT.
const contractBackendBound = 30 * time.Second

// callEndsAsFaultAllows: the call under a backend fault ended as the
// target contract allows, within its bound (the contract's 30 s, plus
// faultSlack; BACKEND_TIMEOUT is optional): a tool error with a message (isError and text content), never an HTTP 5xx or an
// answer without JSON-RPC. Under the "slow" fault, which only delays the
// backend's answer, a correct result is right too: a target whose own
// timeout is longer than the delay waits and answers.
func callEndsAsFaultAllows(ctx context.Context, fault string) error {
	s := get(ctx)
	if s.resp == nil {
		return fmt.Errorf("no call was made")
	}
	want := "a tool error with a message (isError, text content)"
	if fault == "slow" {
		want += ", or the correct result once the slow backend answered"
	}
	// BACKEND_TIMEOUT is optional (contract v2): the bound is the
	// contract's, whatever the harness passed.
	bound := contractBackendBound + faultSlack
	if s.resp.Elapsed > bound {
		return mismatch(fmt.Sprintf("%s within %v", want, bound), "after %v: %s", s.resp.Elapsed.Round(time.Millisecond), s.describeCall())
	}
	switch {
	case s.result != nil && s.result.IsError && strings.TrimSpace(s.result.Text) != "":
		return nil
	case fault == "slow" && s.result != nil && !s.result.IsError:
		_, err := s.rows("tickets")
		return err
	}
	return mismatch(want, "%s", s.describeCall())
}

// toolFailsUnlessDelayed: under a fault that only delays the backend
// ("slow"), any outcome; under another, the tool failed.
func toolFailsUnlessDelayed(ctx context.Context, fault string) error {
	if fault == "slow" {
		return nil
	}
	return toolFails(ctx)
}

// jwtShape matches a JWS compact serialization whose header is a JSON
// object, as every JWT's is ("eyJ" is base64url for `{"`).
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?`)

// toolErrorHasNoToken: the answer (body, headers, tool text) holds no token
// of any kind: not the client's, not one the suite minted, nothing shaped
// like a JWT (such as the backend token the target obtained by exchange),
// and not the signing secret.
func toolErrorHasNoToken(ctx context.Context) error {
	s := get(ctx)
	if s.resp == nil {
		return fmt.Errorf("no call was made")
	}
	text := s.answerText()
	if m := jwtShape.FindString(text); m != "" {
		return mismatch("an answer without any token", "a JWT-shaped string (%s…) in the answer", m[:min(len(m), 12)])
	}
	for _, t := range append(s.env.mintedTokens(), s.token) {
		if t != "" && strings.Contains(text, t) {
			return mismatch("an answer without any token", "token %s in the answer", fingerprint(t))
		}
	}
	if sec := string(s.env.secret()); sec != "" && strings.Contains(text, sec) {
		return mismatch("an answer without the secret", "the signing secret in the answer")
	}
	return nil
}
