package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mcpauthspec/mcpauthspec/bench"
	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// benchConfig is the "mcpauthspec bench" command line.
type benchConfig struct {
	opts         bench.Options
	targetCmd    string
	targetURL    string
	profile      string
	startTimeout time.Duration
	jsonOut      string
	cpuProfile   string
	quiet        bool
	compare      bool
	compareA     string
	compareB     string
	rounds       int
}

const benchUsage = `usage: mcpauthspec bench [--users N] [--concurrency N] [--count N | --duration D] [--tool NAME] [--bad-share F]
                         [--json FILE] [--cpuprofile FILE] [--quiet]
                         [--target-cmd CMD | --target-url URL --profile FILE | --compare [--rounds N] [--compare-a CMD --compare-b CMD]]

Without a target it loads the embedded reference stack. --compare puts the
reference server and the go-sdk example (examples/gosdk-server), both built
with "go build" and started as --target-cmd targets, under the same load in
alternating rounds, and prints their medians and throughput ratio.`

func parseBenchFlags(args []string, stderr io.Writer) (*benchConfig, error) {
	c := &benchConfig{}
	fs := flag.NewFlagSet("mcpauthspec bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&c.opts.Users, "users", bench.DefaultUsers, "distinct users, each with its own token and session")
	fs.IntVar(&c.opts.Concurrency, "concurrency", bench.DefaultConcurrency, "calls in flight at once")
	fs.IntVar(&c.opts.Count, "count", 0, fmt.Sprintf("stop after this many calls (at most %d)", bench.MaxCount))
	fs.DurationVar(&c.opts.Duration, "duration", 0, fmt.Sprintf("stop after this long (default %v without --count; at most %v)", bench.DefaultDuration, bench.MaxDuration))
	fs.IntVar(&c.opts.Warmup, "warmup", 0, "unmeasured calls first (default 10 per concurrent caller)")
	fs.StringVar(&c.opts.Tool, "tool", bench.DefaultTool, "the contract tool to call")
	fs.Float64Var(&c.opts.BadShare, "bad-share", 0, "share of calls, 0 to 1, that carry an invalid token (each must get 401)")
	fs.StringVar(&c.targetCmd, "target-cmd", "", "start the target with this shell command and the target contract's environment")
	fs.StringVar(&c.targetURL, "target-url", "", "load the running MCP endpoint at this loopback URL (needs --profile)")
	fs.StringVar(&c.profile, "profile", "", "YAML profile of an external target")
	fs.DurationVar(&c.startTimeout, "start-timeout", harness.DefaultStartTimeout, "how long to wait for a target's /healthz")
	fs.StringVar(&c.jsonOut, "json", "", `write the result as JSON to this file ("-": stdout, instead of the text)`)
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (with the embedded target, the server too) to this file")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress output (it is drawn only when stderr is a terminal)")
	fs.BoolVar(&c.compare, "compare", false, "compare two targets under the same load (default: refserver vs the go-sdk example)")
	fs.StringVar(&c.compareA, "compare-a", "", "with --compare: the first target's command (default: refserver, built from this module)")
	fs.StringVar(&c.compareB, "compare-b", "", "with --compare: the second target's command (default: examples/gosdk-server, built from this module)")
	fs.IntVar(&c.rounds, "rounds", 3, "with --compare: runs of each side; the table shows medians")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, benchUsage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("%w (mcpauthspec bench -h lists the flags)", err)
	}
	targets := 0
	for _, set := range []bool{c.targetCmd != "", c.targetURL != "" || c.profile != "", c.compare} {
		if set {
			targets++
		}
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case targets > 1:
		return nil, errors.New("choose one of --target-cmd, --target-url with --profile, and --compare")
	case c.targetURL != "" && c.profile == "":
		return nil, errors.New("--target-url needs --profile (issuer, audience and secret of the deployment)")
	case (c.compareA != "" || c.compareB != "") && !c.compare:
		return nil, errors.New("--compare-a and --compare-b need --compare")
	case (c.compareA == "") != (c.compareB == ""):
		return nil, errors.New("give both --compare-a and --compare-b, or neither")
	case c.rounds < 1 || c.rounds > 20:
		return nil, errors.New("--rounds must be between 1 and 20")
	}
	// The bounds of the load, checked before any target starts.
	if err := c.opts.Check(); err != nil {
		return nil, err
	}
	return c, nil
}

// runBench implements "mcpauthspec bench". Exit status: 0 when every call
// got the answer it should, 1 when any failed (a bad token accepted, an
// error status, a tool error, no answer), 2 for usage or configuration
// errors.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		benchFail(stderr, err)
		return 2
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			benchFail(stderr, err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			benchFail(stderr, err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if c.compare {
		return runCompare(ctx, c, stdout, stderr)
	}

	target, err := startBenchTarget(ctx, c)
	if target != nil {
		defer target.Close()
	}
	if err != nil {
		benchFail(stderr, err)
		return 2
	}
	opts := c.opts
	opts.Target = target
	done := progress(c, stderr, "calls against the "+target.Kind+" target")
	opts.OnProgress = done.update
	res, err := bench.Run(ctx, opts)
	done.finish()
	if err != nil {
		benchFail(stderr, err)
		return 2
	}
	if code := writeBenchJSON(c, stdout, stderr, res.WriteJSON); code != 0 {
		return code
	}
	if c.jsonOut != "-" {
		res.WriteText(stdout)
	}
	if res.Errors.Total() > 0 {
		return 1
	}
	return 0
}

// benchFail prints err as the command's one line on stderr.
func benchFail(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "mcpauthspec bench: %s\n", strings.TrimPrefix(err.Error(), "bench: "))
}

func startBenchTarget(ctx context.Context, c *benchConfig) (*harness.Target, error) {
	startCtx, cancel := context.WithTimeout(ctx, c.startTimeout)
	defer cancel()
	switch {
	case c.targetCmd != "":
		return harness.StartCommand(ctx, c.targetCmd, harness.CommandOptions{StartTimeout: c.startTimeout})
	case c.profile != "":
		p, err := harness.LoadProfile(c.profile)
		if err != nil {
			return nil, err
		}
		return harness.StartExternal(startCtx, c.targetURL, p)
	default:
		return harness.StartEmbedded(startCtx, harness.EmbeddedOptions{})
	}
}

// runCompare starts both sides the same way (--target-cmd), so that neither
// has the advantage of running inside the load generator's process, and
// compares them.
func runCompare(ctx context.Context, c *benchConfig, stdout, stderr io.Writer) int {
	cmdA, cmdB := c.compareA, c.compareB
	nameA, nameB := "A", "B"
	if cmdA == "" {
		dir, err := os.MkdirTemp("", "mcpauthspec-bench-")
		if err != nil {
			benchFail(stderr, err)
			return 2
		}
		defer os.RemoveAll(dir)
		nameA, nameB = "refserver", "go-sdk example"
		src, err := harness.ModuleSource(ctx)
		if err != nil {
			benchFail(stderr, fmt.Errorf("--compare without --compare-a and --compare-b: %w", err))
			return 2
		}
		if cmdA, err = goBuild(ctx, src, dir, "refserver", "./cmd/refserver"); err == nil {
			cmdB, err = goBuild(ctx, src, dir, "gosdk-server", "./examples/gosdk-server")
		}
		if err != nil {
			benchFail(stderr, err)
			return 2
		}
	}
	var sides [2]bench.Side
	for i, s := range []struct{ name, cmd string }{{nameA, cmdA}, {nameB, cmdB}} {
		t, err := harness.StartCommand(ctx, s.cmd, harness.CommandOptions{StartTimeout: c.startTimeout})
		if t != nil {
			defer t.Close()
		}
		if err != nil {
			benchFail(stderr, fmt.Errorf("%s: %w", s.name, err))
			return 2
		}
		sides[i] = bench.Side{Name: s.name, Target: t}
	}

	// The order bench.Compare runs the sides in, for the progress bar.
	var order []string
	for r := range c.rounds {
		if r%2 == 0 {
			order = append(order, nameA, nameB)
		} else {
			order = append(order, nameB, nameA)
		}
	}
	runs := 0
	label := func() string { return fmt.Sprintf("%s, round %d/%d", order[runs], runs/2+1, c.rounds) }
	bar := progress(c, stderr, label())
	opts := c.opts
	opts.OnProgress = func(p bench.Progress) { bar.update(p) }
	cmp, err := bench.Compare(ctx, nameA+" vs "+nameB, sides[0], sides[1], opts, c.rounds, func(string, int, *bench.Result) {
		bar.finish()
		if runs++; runs < len(order) {
			bar = progress(c, stderr, label())
		}
	})
	bar.finish()
	if err != nil {
		benchFail(stderr, err)
		return 2
	}
	if code := writeBenchJSON(c, stdout, stderr, func(w io.Writer) error { return bench.WriteComparisonJSON(w, cmp) }); code != 0 {
		return code
	}
	if c.jsonOut != "-" {
		bench.WriteTable(stdout, cmp)
	}
	if cmp.A.Errors+cmp.B.Errors > 0 {
		return 1
	}
	return 0
}

// goBuild builds pkg into dir and returns the command that runs it.
func goBuild(ctx context.Context, src, dir, name, pkg string) (string, error) {
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("--compare builds %s with go build in %s (or give --compare-a and --compare-b): %v\n%s", pkg, src, err, out)
	}
	// Quoted for /bin/sh -c: the temporary directory's name is the
	// system's to choose.
	return "'" + bin + "'", nil
}

func writeBenchJSON(c *benchConfig, stdout, stderr io.Writer, write func(io.Writer) error) int {
	var err error
	switch c.jsonOut {
	case "":
		return 0
	case "-":
		err = write(stdout)
	default:
		err = runner.WriteFile(c.jsonOut, write)
	}
	if err != nil {
		benchFail(stderr, err)
		return 2
	}
	return 0
}

// benchProgress shows a run's calls on stderr: a bar to --count, or to
// --duration when there is no count.
type benchProgress struct {
	bar      *progressbar.ProgressBar
	what     string
	duration time.Duration
}

func progress(c *benchConfig, stderr io.Writer, what string) *benchProgress {
	// Drawn only on a terminal, never into a CI log.
	if c.quiet || !isTerminal(stderr) {
		return nil
	}
	p := &benchProgress{what: what}
	max := int64(c.opts.Count)
	if max == 0 {
		p.duration = c.opts.Duration
		if p.duration == 0 {
			p.duration = bench.DefaultDuration
		}
		max = p.duration.Milliseconds()
	}
	p.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return p
}

func (p *benchProgress) update(pr bench.Progress) {
	if p == nil {
		return
	}
	if p.duration > 0 {
		_ = p.bar.Set64(min(pr.Elapsed.Milliseconds(), p.duration.Milliseconds()))
	} else {
		_ = p.bar.Set64(pr.Calls)
	}
	p.bar.Describe(fmt.Sprintf("%s: %d calls, %d errors", p.what, pr.Calls, pr.Errors))
}

func (p *benchProgress) finish() {
	if p != nil {
		_ = p.bar.Finish()
	}
}
