package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// Side is one of two targets put under the same load.
type Side struct {
	Name   string
	Target *harness.Target
}

// SideResult is one side's runs and their medians.
type SideResult struct {
	Name string    `json:"name"`
	Runs []*Result `json:"runs"`
	// Medians over the runs: absolute numbers drift with whatever else the
	// machine does, so each is the middle of several.
	Throughput float64       `json:"median_calls_per_second"`
	P50        time.Duration `json:"median_p50_ns"`
	P99        time.Duration `json:"median_p99_ns"`
	CPUPerCall time.Duration `json:"median_process_cpu_per_call_ns"`
	Errors     int64         `json:"errors"`
}

// Comparison is two sides measured in alternating rounds.
type Comparison struct {
	Title string     `json:"title"`
	A     SideResult `json:"a"`
	B     SideResult `json:"b"`
	// Ratio is A's median throughput over B's.
	Ratio float64 `json:"throughput_ratio"`
	// RoundRatios are A's throughput over B's in each round, for the
	// spread.
	RoundRatios []float64 `json:"round_ratios"`
}

// Overhead is how much more each call costs on A than on B, from the
// throughputs (at saturation a call's cost is the inverse of the
// throughput): 0.05 means A spends 5 % more per call.
func (c *Comparison) Overhead() float64 { return 1/c.Ratio - 1 }

// CPUOverhead is how much more CPU this process spent per call on A than on
// B. When both targets run in this process it is the steadier measure of
// what A adds, though it understates it: the load generator's own share is
// in both.
func (c *Comparison) CPUOverhead() float64 {
	return float64(c.A.CPUPerCall)/float64(c.B.CPUPerCall) - 1
}

// Compare runs the same load against a and b, rounds times each,
// alternating which side goes first (A B, B A, A B, ...) so that a drift in
// the machine's load weighs on both. onRun, if set, is called after each run.
func Compare(ctx context.Context, title string, a, b Side, opts Options, rounds int, onRun func(side string, round int, r *Result)) (*Comparison, error) {
	if rounds < 1 {
		return nil, errors.New("bench: compare needs at least one round")
	}
	c := &Comparison{Title: title, A: SideResult{Name: a.Name}, B: SideResult{Name: b.Name}}
	for round := range rounds {
		order := []*Side{&a, &b}
		if round%2 == 1 {
			order = []*Side{&b, &a}
		}
		for _, s := range order {
			o := opts
			o.Target = s.Target
			r, err := Run(ctx, o)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", s.Name, round+1, err)
			}
			if onRun != nil {
				onRun(s.Name, round+1, r)
			}
			if s == &a {
				c.A.Runs = append(c.A.Runs, r)
			} else {
				c.B.Runs = append(c.B.Runs, r)
			}
		}
		c.RoundRatios = append(c.RoundRatios, c.A.Runs[round].Throughput/c.B.Runs[round].Throughput)
	}
	c.A.summarise()
	c.B.summarise()
	c.Ratio = c.A.Throughput / c.B.Throughput
	return c, nil
}

func (s *SideResult) summarise() {
	var thr []float64
	var p50, p99, cpu []time.Duration
	s.Errors = 0
	for _, r := range s.Runs {
		thr = append(thr, r.Throughput)
		p50 = append(p50, r.Latency.P50)
		p99 = append(p99, r.Latency.P99)
		cpu = append(cpu, r.CPUPerCall)
		s.Errors += r.Errors.Total()
	}
	s.Throughput, s.P50, s.P99, s.CPUPerCall = median(thr), median(p50), median(p99), median(cpu)
}

// median of xs (the mean of the middle two for an even count).
func median[T float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteComparisonJSON writes comparisons as one JSON array.
func WriteComparisonJSON(w io.Writer, cs ...*Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cs)
}

// WriteTable prints comparisons as one table of each side's medians,
// followed by each ratio of A over B with its per-round spread and what it
// means per call.
func WriteTable(w io.Writer, cs ...*Comparison) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "comparison\tside\truns\tcalls/s (median)\tp50\tp99\tCPU/call here\terrors")
	for _, c := range cs {
		for i, s := range []SideResult{c.A, c.B} {
			title := ""
			if i == 0 {
				title = c.Title
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%v\t%v\t%v\t%d\n", title, s.Name, len(s.Runs), s.Throughput, roundD(s.P50), roundD(s.P99), roundD(s.CPUPerCall), s.Errors)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nthroughput ratios (median over median; range over rounds):")
	for _, c := range cs {
		more, o := "more", c.Overhead()
		if o < 0 {
			more, o = "less", -o
		}
		fmt.Fprintf(w, "  %s / %s = %.2f× (%.2f×–%.2f×): a call costs %.1f%% %s on %s\n",
			c.A.Name, c.B.Name, c.Ratio, slices.Min(c.RoundRatios), slices.Max(c.RoundRatios), 100*o, more, c.A.Name)
	}
}
