package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func embedded(t *testing.T, opts harness.EmbeddedOptions) *harness.Target {
	t.Helper()
	target, err := harness.StartEmbedded(context.Background(), opts)
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// The bad calls are spread evenly and cycle through the kinds.
func TestPlan(t *testing.T) {
	for _, share := range []float64{0, 0.01, 0.1, 1.0 / 3, 0.5, 0.999, 1} {
		const n = 3000
		bad := 0
		kinds := make([]int, len(BadTokenKinds))
		window := 0 // bad calls in the last 100
		var last []bool
		for i := range int64(n) {
			b, k := plan(i, share)
			last = append(last, b)
			if b {
				bad++
				window++
				kinds[k]++
			}
			if len(last) > 100 {
				if last[0] {
					window--
				}
				last = last[1:]
			}
			if len(last) == 100 && math.Abs(float64(window)-100*share) > 1 {
				t.Fatalf("share %v: %d bad calls among calls %d to %d", share, window, i-99, i)
			}
		}
		if want := int(math.Floor(n * share)); bad != want {
			t.Errorf("share %v: %d bad calls of %d, want %d", share, bad, n, want)
		}
		for k, c := range kinds {
			if math.Abs(float64(c)-float64(bad)/float64(len(kinds))) > 1 {
				t.Errorf("share %v: kind %q used %d times of %d bad calls", share, BadTokenKinds[k], c, bad)
			}
		}
	}
}

// Against the reference stack: every valid call gets its tool result, every
// bad token its 401, and the numbers add up.
func TestRunEmbedded(t *testing.T) {
	target := embedded(t, harness.EmbeddedOptions{})
	var progress []Progress
	res, err := Run(context.Background(), Options{
		Target: target, Users: 3, Concurrency: 4, Count: 300, BadShare: 0.2,
		OnProgress: func(p Progress) { progress = append(progress, p) }, ProgressEvery: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 300 || res.OK != 240 || res.Rejected != 60 || res.Errors.Total() != 0 {
		t.Errorf("calls %d, ok %d, rejected %d, errors %s; want 300, 240, 60, none", res.Calls, res.OK, res.Rejected, res.Errors)
	}
	if res.Valid.Count != 240 || res.Rejection.Count != 60 || res.Latency.Count != 300 {
		t.Errorf("latency counts: valid %d, bad %d, all %d", res.Valid.Count, res.Rejection.Count, res.Latency.Count)
	}
	l := res.Latency
	if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Mean > 0) {
		t.Errorf("latency not ordered: %+v", l)
	}
	if res.Throughput <= 0 || res.Elapsed <= 0 || math.Abs(res.Throughput-float64(res.Calls)/res.Elapsed.Seconds()) > 1e-6*res.Throughput {
		t.Errorf("throughput %v for %d calls in %v", res.Throughput, res.Calls, res.Elapsed)
	}
	if res.CPUPerCall <= 0 || res.CPUPerCall > res.Elapsed {
		t.Errorf("CPU per call %v: the embedded target runs in this process, so it cannot be nothing", res.CPUPerCall)
	}
	if len(progress) == 0 || progress[len(progress)-1].Calls != 300 {
		t.Errorf("progress %+v: the last report must count every call", progress)
	}
	var text strings.Builder
	res.WriteText(&text)
	for _, want := range []string{"300 calls of whoami", "valid token", "bad token", "ok 240, rejected as required (401) 60, errors: none; CPU of this process per call "} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

// A target that accepts what it must refuse is caught: each bad token it
// serves is counted as accepted.
func TestRunCountsAcceptedBadTokens(t *testing.T) {
	acceptAll := refserver.WithTokenVerifier(func(context.Context, string) (*refserver.Claims, error) {
		return &refserver.Claims{Subject: "user-bench1", OrgID: "org-acme", Scopes: []string{"read"},
			Issuer: harness.DefaultIssuer, Audience: []string{harness.DefaultAudience}}, nil
	})
	target := embedded(t, harness.EmbeddedOptions{ServerOptions: []refserver.Option{acceptAll}})
	res, err := Run(context.Background(), Options{Target: target, Users: 1, Concurrency: 2, Count: 100, BadShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.BadTokenAccepted != 50 || res.Rejected != 0 || res.OK != 50 {
		t.Errorf("bad tokens accepted %d, rejected %d, ok %d; want 50, 0, 50", res.Errors.BadTokenAccepted, res.Rejected, res.OK)
	}
}

// Each kind of failure is counted under its own name.
func TestRunErrorKinds(t *testing.T) {
	var posts atomic.Int64
	const setup = 2 + 5 // initialize and notifications/initialized of one user, then the warmup
	fail := func(next http.Handler, _ *slog.Logger) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/mcp" {
				next.ServeHTTP(w, r)
				return
			}
			n := posts.Add(1)
			if n <= setup {
				next.ServeHTTP(w, r)
				return
			}
			switch (n - setup - 1) % 7 {
			case 0:
				w.WriteHeader(http.StatusInternalServerError)
			case 1:
				w.WriteHeader(http.StatusForbidden)
			case 2:
				w.WriteHeader(http.StatusTooManyRequests)
			case 3:
				w.WriteHeader(http.StatusFound)
			case 4:
				w.WriteHeader(http.StatusUnauthorized)
			case 5:
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}`)
			case 6:
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		})
	}
	target := embedded(t, harness.EmbeddedOptions{Wrap: fail})
	res, err := Run(context.Background(), Options{Target: target, Users: 1, Concurrency: 2, Warmup: 5, Count: 70})
	if err != nil {
		t.Fatal(err)
	}
	want := ErrorCounts{Unauthorized: 10, Forbidden: 10, ClientError: 10, ServerError: 10, OtherStatus: 10, ToolError: 10, Transport: 10}
	if res.Errors != want || res.OK != 0 {
		t.Errorf("errors %+v, ok %d; want %+v, 0", res.Errors, res.OK, want)
	}
}

// A failing warmup stops the run before anything is measured, and so does a
// session the target refuses to open.
func TestRunRefused(t *testing.T) {
	refuse := func(method string) func(http.Handler, *slog.Logger) http.Handler {
		return func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if strings.Contains(string(body), `"method":"`+method+`"`) {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				next.ServeHTTP(w, r)
			})
		}
	}
	for method, want := range map[string]string{
		"tools/call": "warmup call as user 1: HTTP 503",
		"initialize": "refused to open a session for user 1: HTTP 503",
	} {
		target := embedded(t, harness.EmbeddedOptions{Wrap: refuse(method)})
		_, err := Run(context.Background(), Options{Target: target, Users: 1, Count: 10})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s refused: error %v, want %q", method, err, want)
		}
	}
}

// A duration bounds the run when there is no count.
func TestRunDuration(t *testing.T) {
	target := embedded(t, harness.EmbeddedOptions{})
	res, err := Run(context.Background(), Options{Target: target, Users: 2, Concurrency: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed < 300*time.Millisecond || res.Elapsed > 3*time.Second || res.Calls == 0 || res.Errors.Total() != 0 {
		t.Errorf("%d calls in %v, errors %s; want some, in about 300ms, none failed", res.Calls, res.Elapsed, res.Errors)
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, o := range []Options{
		{Users: -1}, {Users: MaxUsers + 1}, {Concurrency: -1}, {Concurrency: MaxConcurrency + 1},
		{Count: -1}, {Count: MaxCount + 1}, {Duration: -time.Second}, {Duration: MaxDuration + time.Second},
		{Warmup: -1}, {BadShare: -0.1}, {BadShare: 1.1}, {BadShare: math.NaN()},
	} {
		if err := o.Check(); err == nil {
			t.Errorf("%+v: accepted", o)
		}
	}
	for _, o := range []Options{{}, {Users: MaxUsers, Concurrency: MaxConcurrency, Count: MaxCount, Duration: MaxDuration, BadShare: 1}} {
		if err := o.Check(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Error("Run without a target: no error")
	}
}

// The load generator talks to loopback addresses only: it refuses another
// URL before connecting, and its dialer refuses any other address.
func TestLoopbackOnly(t *testing.T) {
	is, err := harness.NewIssuer(harness.DefaultIssuer, harness.DefaultAudience)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://192.0.2.1/mcp", "http://example.com/mcp", "ftp://127.0.0.1/mcp"} {
		_, err := Run(context.Background(), Options{Target: &harness.Target{Kind: "external", MCPURL: u, Issuer: is}, Count: 1})
		if err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	for addr, ok := range map[string]bool{"127.0.0.1:80": true, "[::1]:80": true, "127.8.9.10:1": true, "192.0.2.1:80": false, "[2001:db8::1]:80": false, "10.0.0.1:443": false} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
}

func TestToolKind(t *testing.T) {
	const sse = "text/event-stream"
	for _, tt := range []struct {
		name, ctype, body string
		want              kind
	}{
		{"json result", "application/json", `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}`, kindOK},
		{"json tool error", "application/json; charset=utf-8", `{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}`, kindToolError},
		{"json-rpc error", "application/json", `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}`, kindToolError},
		{"not json", "application/json", `<html>`, kindToolError},
		{"no result", "application/json", `{"jsonrpc":"2.0","method":"notifications/message"}`, kindToolError},
		{"sse result after a notification", sse, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[]}}\n\n", kindOK},
		{"sse tool error", sse, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"isError\":true}}\n\n", kindToolError},
		{"sse without blank line at the end", sse, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", kindOK},
		{"sse with nothing", sse, ": keep-alive\n\n", kindToolError},
	} {
		if got := toolKind(tt.ctype, []byte(tt.body)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, kindName(got), kindName(tt.want))
		}
	}
}

func TestResultJSON(t *testing.T) {
	r := &Result{Target: "embedded", Tool: "whoami", Calls: 3, Errors: ErrorCounts{Unauthorized: 1, BadTokenAccepted: 2}, Latency: Latency{P50: time.Millisecond}}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	errs, _ := m["errors"].(map[string]any)
	lat, _ := m["latency"].(map[string]any)
	if m["calls"] != 3.0 || errs["401"] != 1.0 || errs["bad_token_accepted"] != 2.0 || lat["p50_ns"] != 1e6 {
		t.Errorf("JSON %s", b.String())
	}
	if got := r.Errors.String(); got != "bad token accepted 2, 401 1" {
		t.Errorf("String %q", got)
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 1 2: %v", got)
	}
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of 4 1 3 2: %v", got) // (2+3)/2 in integer nanoseconds
	}
	if got := median([]float64{}); got != 0 {
		t.Errorf("median of nothing: %v", got)
	}
}

// Compare alternates the sides, keeps every run, and takes the ratio of the
// medians.
func TestCompare(t *testing.T) {
	var mu sync.Mutex
	served := map[string]int{}
	count := func(name string) func(http.Handler, *slog.Logger) http.Handler {
		return func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				served[name]++
				mu.Unlock()
				next.ServeHTTP(w, r)
			})
		}
	}
	a := embedded(t, harness.EmbeddedOptions{Wrap: count("a")})
	b := embedded(t, harness.EmbeddedOptions{Wrap: count("b")})
	var order []string
	c, err := Compare(context.Background(), "a vs b", Side{"a", a}, Side{"b", b}, Options{Users: 2, Concurrency: 2, Count: 60}, 3,
		func(side string, round int, r *Result) { order = append(order, side) })
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, " "); got != "a b b a a b" {
		t.Errorf("order %q, want alternating", got)
	}
	if len(c.A.Runs) != 3 || len(c.B.Runs) != 3 || len(c.RoundRatios) != 3 {
		t.Fatalf("runs %d and %d, round ratios %d", len(c.A.Runs), len(c.B.Runs), len(c.RoundRatios))
	}
	var thr []float64
	for _, r := range c.A.Runs {
		thr = append(thr, r.Throughput)
		if r.Calls != 60 || r.Errors.Total() != 0 {
			t.Errorf("a run: %d calls, errors %s", r.Calls, r.Errors)
		}
	}
	if c.A.Throughput != median(thr) || c.Ratio != c.A.Throughput/c.B.Throughput {
		t.Errorf("a's median %v of %v, ratio %v", c.A.Throughput, thr, c.Ratio)
	}
	if c.RoundRatios[1] != c.A.Runs[1].Throughput/c.B.Runs[1].Throughput {
		t.Errorf("round ratio %v", c.RoundRatios[1])
	}
	// 3 runs × (60 calls + warmup 20 + 2 users × 2 setup posts), plus health checks.
	for _, side := range []string{"a", "b"} {
		if served[side] < 3*(60+20+4) {
			t.Errorf("%s served %d requests", side, served[side])
		}
	}
	var out strings.Builder
	WriteTable(&out, c)
	for _, want := range []string{"a vs b", "a / b = ", "a call costs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := Compare(context.Background(), "x", Side{"a", a}, Side{"b", b}, Options{}, 0, nil); err == nil {
		t.Error("zero rounds: no error")
	}
}
