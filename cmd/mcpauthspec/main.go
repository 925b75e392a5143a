// Command mcpauthspec checks that an MCP server acts as a pure OAuth resource
// server: it runs the specification in features/ (embedded in the binary)
// against a target and reports every requirement it breaks.
//
//	mcpauthspec                                   the embedded reference stack
//	mcpauthspec --target-cmd "./refserver"        a server started with the contract's environment
//	mcpauthspec --target-url URL --profile FILE   a running deployment
//	mcpauthspec --container                       refserver and the fake backend in Docker containers
//
// Exit status: 0 when every selected @must passes (and @should with
// --strict), 1 otherwise, 2 for usage or configuration errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
	"github.com/mcpauthspec/mcpauthspec/steps"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a bad flag or configuration: exit status 2.
type usageError struct{ error }

type config struct {
	targetCmd    string
	container    bool
	network      string
	targetURL    string
	profile      string
	tags         string
	strict       bool
	baseline     string
	junit        string
	jsonOut      string
	markdown     string
	concurrency  int
	startTimeout time.Duration
	quiet        bool
	loadCalls    int
	keys         string
	protocol     string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("mcpauthspec", flag.ContinueOnError)
	// Parse errors become one line from run; only -h prints the usage.
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.targetCmd, "target-cmd", "", "start the target with this shell command and the target contract's environment")
	fs.BoolVar(&c.container, "container", false, "build refserver and fakebackend images from this checkout and test them in Docker containers")
	fs.StringVar(&c.network, "network", "", "with --container: host or bridge; by default host with a Linux engine, bridge with Docker Desktop")
	fs.StringVar(&c.targetURL, "target-url", "", "test the running MCP endpoint at this URL (needs --profile)")
	fs.StringVar(&c.profile, "profile", "", "YAML profile of an external target (issuer, audience, secret, tools, fixtures)")
	fs.StringVar(&c.keys, "keys", harness.KeysHS256, "key mode: hs256 (the shared secret) or jwks (RS256/ES256 keys the suite publishes at the target's JWT_JWKS_URL; runs the @jwks scenarios)")
	fs.StringVar(&c.protocol, "protocol", "", "MCP revision to speak: auto (the default; every revision a target the suite starts speaks, the newest of an external one), 2026-07-28, 2025-11-25 or 2025-06-18")
	fs.StringVar(&c.tags, "tags", "", `godog tag expression selecting scenarios, e.g. "@must && ~@needs-logs"`)
	fs.BoolVar(&c.strict, "strict", false, "fail on @should failures too")
	fs.StringVar(&c.baseline, "baseline", "", "YAML file of expected failures with reasons; a listed scenario that passes fails the run")
	fs.StringVar(&c.junit, "junit", "", "write a JUnit XML report to this file")
	fs.StringVar(&c.jsonOut, "json", "", "write one JSON object per scenario to this file")
	fs.StringVar(&c.markdown, "markdown", "", "write a Markdown report to this file")
	fs.IntVar(&c.concurrency, "concurrency", 4, "scenarios run at once (@serial ones run alone)")
	fs.DurationVar(&c.startTimeout, "start-timeout", harness.DefaultStartTimeout, "how long to wait for the target's /healthz")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress output")
	fs.IntVar(&c.loadCalls, "load-calls", 0, fmt.Sprintf("tool calls per @load scenario (default %d; the README's figures use 20000)", steps.DefaultLoadCalls))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: mcpauthspec [--target-cmd CMD | --container [--network host|bridge] | --target-url URL --profile FILE] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, err
		}
		return nil, usageError{fmt.Errorf("%w (mcpauthspec -h lists the flags)", err)}
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case c.targetCmd != "" && (c.targetURL != "" || c.profile != ""):
		return nil, usageError{errors.New("--target-cmd cannot be combined with --target-url or --profile")}
	case c.container && (c.targetCmd != "" || c.targetURL != "" || c.profile != ""):
		return nil, usageError{errors.New("--container cannot be combined with --target-cmd, --target-url or --profile")}
	case c.network != "" && !c.container:
		return nil, usageError{errors.New("--network needs --container")}
	case c.network != "" && c.network != harness.NetworkHost && c.network != harness.NetworkBridge:
		return nil, usageError{fmt.Errorf("--network %q: want host or bridge", c.network)}
	case c.keys != harness.KeysHS256 && c.keys != harness.KeysJWKS:
		return nil, usageError{fmt.Errorf("--keys %q: want hs256 or jwks", c.keys)}
	case c.keys == harness.KeysJWKS && (c.targetURL != "" || c.profile != ""):
		return nil, usageError{fmt.Errorf("--keys jwks: %w", harness.ErrJWKSExternal)}
	case c.keys == harness.KeysJWKS && c.network == harness.NetworkBridge:
		return nil, usageError{errors.New("--keys jwks needs --network host: the suite's JWKS endpoint listens on 127.0.0.1 only")}
	case c.targetURL != "" && c.profile == "":
		return nil, usageError{errors.New("--target-url needs --profile (issuer, audience and secret of the deployment)")}
	case c.protocol != "" && !validProtocol(c.protocol):
		return nil, usageError{fmt.Errorf("--protocol %q: want auto, %s", c.protocol, strings.Join(harness.Revisions, ", "))}
	case c.concurrency < 1:
		return nil, usageError{errors.New("--concurrency must be at least 1")}
	case c.loadCalls < 0 || c.loadCalls > steps.MaxLoadCalls:
		return nil, usageError{fmt.Errorf("--load-calls must be between 1 and %d (0: the default, %d)", steps.MaxLoadCalls, steps.DefaultLoadCalls)}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bench" {
		return runBench(ctx, args[1:], stdout, stderr)
	}
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
		return 2
	}
	var baseline *runner.Baseline
	if c.baseline != "" {
		if baseline, err = runner.LoadBaseline(c.baseline); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
	}
	target, err := startTarget(ctx, c, stderr)
	if target != nil {
		defer target.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
		return 2
	}

	var bar *progressbar.ProgressBar
	if !c.quiet {
		bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("scenarios against "+target.Kind+" target"),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	report, err := runner.Run(ctx, runner.Options{
		Target:      target,
		Tags:        c.tags,
		Concurrency: c.concurrency,
		LoadCalls:   c.loadCalls,
		Protocol:    c.protocol,
		OnResult: func(runner.Result) {
			if bar != nil {
				_ = bar.Add(1)
			}
		},
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
		return 2
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{c.junit, report.WriteJUnit},
		{c.jsonOut, report.WriteJSON},
		{c.markdown, func(w io.Writer) error { report.WriteMarkdown(w, baseline); return nil }},
	} {
		if out.path == "" {
			continue
		}
		if err := runner.WriteFile(out.path, out.write); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
	}
	report.WriteText(stdout, baseline)
	if len(report.Failures(c.strict, baseline)) > 0 || len(baseline.Stale(report)) > 0 {
		return 1
	}
	return 0
}

func startTarget(ctx context.Context, c *config, stderr io.Writer) (*harness.Target, error) {
	startCtx, cancel := context.WithTimeout(ctx, c.startTimeout)
	defer cancel()
	switch {
	case c.container:
		return startContainers(ctx, c, stderr)
	case c.targetCmd != "":
		return harness.StartCommand(ctx, c.targetCmd, harness.CommandOptions{StartTimeout: c.startTimeout, JWKS: c.keys == harness.KeysJWKS})
	case c.profile != "":
		p, err := harness.LoadProfile(c.profile)
		if err != nil {
			return nil, err
		}
		return harness.StartExternal(startCtx, c.targetURL, p)
	default:
		return harness.StartEmbedded(startCtx, harness.EmbeddedOptions{JWKS: c.keys == harness.KeysJWKS})
	}
}

// startContainers runs the container target, with a spinner naming each
// step: compiling and building the images takes seconds. --start-timeout
// bounds each container's wait for /healthz, not the build.
func startContainers(ctx context.Context, c *config, stderr io.Writer) (*harness.Target, error) {
	// testcontainers' own log lines would break the progress line.
	tclog.SetDefault(tclog.NewNoopLogger())
	// The harness removes what it starts, on Ctrl-C too, so testcontainers'
	// Ryuk reaper would only be a backstop, and one whose image must be
	// pulled from Docker Hub. Off unless the user asks for it.
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	opts := []harness.ContainerOption{harness.WithStartTimeout(c.startTimeout)}
	if c.network != "" {
		opts = append(opts, harness.WithNetworkMode(c.network))
	}
	if !c.quiet {
		bar := progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("container target: connecting to Docker"),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
		)
		defer func() { _ = bar.Finish() }()
		opts = append(opts, harness.WithProgress(func(step string) { bar.Describe("container target: " + step) }))
	}
	if c.keys != harness.KeysJWKS {
		return harness.StartContainers(ctx, opts...)
	}
	// JWKS mode: refserver's container gets JWT_JWKS_URL; with host
	// networking it reaches the suite's loopback endpoint.
	ks, err := harness.StartKeySet()
	if err != nil {
		return nil, err
	}
	t, err := harness.StartContainers(ctx, append(opts, harness.WithEnv(ks.Env()...))...)
	if t == nil {
		_ = ks.Close()
		return nil, err
	}
	t.UseKeys(ks)
	return t, err
}

// validProtocol reports whether v is a --protocol value.
func validProtocol(v string) bool {
	_, err := harness.ParseProtocol(v)
	return err == nil
}
