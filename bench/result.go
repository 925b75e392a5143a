package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what one run measured.
type Result struct {
	Target      string        `json:"target"`
	Tool        string        `json:"tool"`
	Users       int           `json:"users"`
	Concurrency int           `json:"concurrency"`
	BadShare    float64       `json:"bad_share"`
	Calls       int64         `json:"calls"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Throughput  float64       `json:"calls_per_second"`
	// CPUPerCall is the CPU time this process spent per call while
	// measuring: the load generator's, and the target's too when it runs
	// in this process (the embedded stack). On a shared machine it varies
	// far less than throughput does.
	CPUPerCall time.Duration `json:"process_cpu_per_call_ns"`
	// Latency covers every call; Valid the calls with the user's own token;
	// Rejection the calls with a bad token (the cost of saying no).
	Latency   Latency `json:"latency"`
	Valid     Latency `json:"valid_latency"`
	Rejection Latency `json:"rejection_latency"`
	// OK counts valid calls answered with a successful tool result;
	// Rejected bad calls answered 401, as RFC 6750 §3.1 requires.
	OK       int64       `json:"ok"`
	Rejected int64       `json:"rejected"`
	Errors   ErrorCounts `json:"errors"`
}

// Latency summarises a latency distribution (HdrHistogram, microsecond
// resolution, three significant digits).
type Latency struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// ErrorCounts are the calls that went wrong, by kind. For a call with a
// valid token anything but a successful tool result is an error; for a call
// with a bad token anything but 401 is, and a 2xx is the worst of all: the
// target accepted a token it must refuse.
type ErrorCounts struct {
	Unauthorized     int64 `json:"401"`
	Forbidden        int64 `json:"403"`
	ClientError      int64 `json:"4xx"`
	ServerError      int64 `json:"5xx"`
	OtherStatus      int64 `json:"other_status"`
	ToolError        int64 `json:"tool_error"`
	Transport        int64 `json:"transport"`
	BadTokenAccepted int64 `json:"bad_token_accepted"`
}

// Total is the number of failed calls.
func (e ErrorCounts) Total() int64 {
	return e.Unauthorized + e.Forbidden + e.ClientError + e.ServerError + e.OtherStatus + e.ToolError + e.Transport + e.BadTokenAccepted
}

func (e *ErrorCounts) add(k kind) {
	switch k {
	case kind401:
		e.Unauthorized++
	case kind403:
		e.Forbidden++
	case kind4xx:
		e.ClientError++
	case kind5xx:
		e.ServerError++
	case kindOtherStatus:
		e.OtherStatus++
	case kindToolError:
		e.ToolError++
	case kindTransport:
		e.Transport++
	}
}

// String lists the non-zero counts, or "none".
func (e ErrorCounts) String() string {
	var parts []string
	for _, c := range []struct {
		name string
		n    int64
	}{
		{"bad token accepted", e.BadTokenAccepted}, {"401", e.Unauthorized}, {"403", e.Forbidden},
		{"4xx", e.ClientError}, {"5xx", e.ServerError}, {"other status", e.OtherStatus},
		{"tool error", e.ToolError}, {"transport", e.Transport},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.name, c.n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Latencies are recorded in microseconds from 1 µs to maxLatencyMicros;
// longer ones (beyond callTimeout) are recorded as the maximum.
const maxLatencyMicros = int64(2 * callTimeout / time.Microsecond)

// recorder collects the outcomes of all workers. Workers record into their
// own batch and merge it under the lock every batchSize calls, so that the
// histograms (about 100 KiB each) exist once, not once per worker.
type recorder struct {
	calls, errors atomic.Int64 // for progress

	mu        sync.Mutex
	valid     *hdrhistogram.Histogram
	bad       *hdrhistogram.Histogram
	ok        int64
	rejected  int64
	errCounts ErrorCounts
}

const batchSize = 256

func newRecorder() *recorder {
	return &recorder{
		valid: hdrhistogram.New(1, maxLatencyMicros, 3),
		bad:   hdrhistogram.New(1, maxLatencyMicros, 3),
	}
}

// batch is one worker's unmerged outcomes.
type batch struct {
	r          *recorder
	valid, bad []int64 // latencies in µs
	ok, rej    int64
	errs       ErrorCounts
}

func (r *recorder) batch() *batch {
	return &batch{r: r, valid: make([]int64, 0, batchSize), bad: make([]int64, 0, batchSize)}
}

// add records one call; bad tells whether it carried a bad token.
func (b *batch) add(bad bool, out outcome) {
	us := min(max(int64(out.latency/time.Microsecond), 1), maxLatencyMicros)
	failed := false
	if bad {
		b.bad = append(b.bad, us)
		switch out.kind {
		case kind401:
			b.rej++
		case kindOK, kindToolError:
			// A 200: the auth layer let the bad token through.
			b.errs.BadTokenAccepted++
			failed = true
		default:
			if out.kind == kindOtherStatus && out.status/100 == 2 {
				b.errs.BadTokenAccepted++
			} else {
				b.errs.add(out.kind)
			}
			failed = true
		}
	} else {
		b.valid = append(b.valid, us)
		if out.kind == kindOK {
			b.ok++
		} else {
			b.errs.add(out.kind)
			failed = true
		}
	}
	b.r.calls.Add(1)
	if failed {
		b.r.errors.Add(1)
	}
	if len(b.valid)+len(b.bad) >= batchSize {
		b.flush()
	}
}

func (b *batch) flush() {
	r := b.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range b.valid {
		_ = r.valid.RecordValue(v) // in range by construction
	}
	for _, v := range b.bad {
		_ = r.bad.RecordValue(v)
	}
	r.ok += b.ok
	r.rejected += b.rej
	e := &r.errCounts
	e.Unauthorized += b.errs.Unauthorized
	e.Forbidden += b.errs.Forbidden
	e.ClientError += b.errs.ClientError
	e.ServerError += b.errs.ServerError
	e.OtherStatus += b.errs.OtherStatus
	e.ToolError += b.errs.ToolError
	e.Transport += b.errs.Transport
	e.BadTokenAccepted += b.errs.BadTokenAccepted
	b.valid, b.bad = b.valid[:0], b.bad[:0]
	b.ok, b.rej, b.errs = 0, 0, ErrorCounts{}
}

func (r *recorder) result(o Options, elapsed time.Duration) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := r.valid.Clone()
	all.Merge(r.bad)
	res := &Result{
		Target:      o.Target.Kind,
		Tool:        o.Tool,
		Users:       o.Users,
		Concurrency: o.Concurrency,
		BadShare:    o.BadShare,
		Calls:       all.TotalCount(),
		Elapsed:     elapsed,
		Latency:     summarise(all),
		Valid:       summarise(r.valid),
		Rejection:   summarise(r.bad),
		OK:          r.ok,
		Rejected:    r.rejected,
		Errors:      r.errCounts,
	}
	if elapsed > 0 {
		res.Throughput = float64(res.Calls) / elapsed.Seconds()
	}
	return res
}

func summarise(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Latency{
		Count: h.TotalCount(),
		Mean:  time.Duration(h.Mean() * float64(time.Microsecond)),
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		Max:   us(h.Max()),
	}
}

// WriteText prints r for a person.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%d calls of %s on the %s target in %v: %.0f calls/s (%d users, %d concurrent, %.0f%% bad tokens)\n",
		r.Calls, r.Tool, r.Target, r.Elapsed.Round(time.Millisecond), r.Throughput, r.Users, r.Concurrency, 100*r.BadShare)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency\tcalls\tp50\tp90\tp99\tmax\tmean\t")
	for _, row := range []struct {
		name string
		l    Latency
	}{{"all", r.Latency}, {"valid token", r.Valid}, {"bad token", r.Rejection}} {
		if row.l.Count == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t%v\t%v\t\n", row.name, row.l.Count, roundD(row.l.P50), roundD(row.l.P90), roundD(row.l.P99), roundD(row.l.Max), roundD(row.l.Mean))
	}
	tw.Flush()
	fmt.Fprintf(w, "ok %d, rejected as required (401) %d, errors: %s; CPU of this process per call %v\n", r.OK, r.Rejected, r.Errors, roundD(r.CPUPerCall))
}

// WriteJSON writes r as one JSON object.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// roundD keeps three significant digits or so, as the histogram does.
func roundD(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
