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
// --strict, @hardening with --hardening), 1 otherwise, 2 for usage or
// configuration errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"golang.org/x/term"

	"github.com/mcpauthspec/mcpauthspec/features"
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
	allowRemote  bool
	profile      string
	tags         string
	strict       bool
	hardening    bool
	html         string
	baseline     string
	junit        string
	jsonOut      string
	markdown     string
	concurrency  int
	startTimeout time.Duration
	quiet        bool
	list         bool
	ids          string
	version      bool
	images       *harness.ContainerImages // built once for both key modes of --container
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
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a --target-url that is not on this machine (the suite sends it hostile traffic: forged tokens, oversized requests, load)")
	fs.StringVar(&c.profile, "profile", "", "YAML profile of an external target (issuer, audience, secret or supplied tokens, tools, fixtures)")
	fs.StringVar(&c.keys, "keys", "", "key mode: hs256 (the shared secret) or jwks (RS256/ES256 keys the suite publishes at the target's JWT_JWKS_URL; the @jwks scenarios); by default both, each against a target of its own, when the suite starts the target")
	fs.StringVar(&c.tags, "tags", "", `tag expression selecting scenarios, Cucumber's ("@must and not (@load or @serial)") or godog's ("@must && ~@load")`)
	fs.StringVar(&c.protocol, "protocol", "", "MCP revision to speak: auto (the default; every revision a target the suite starts speaks, the newest of an external one), 2026-07-28, 2025-11-25 or 2025-06-18")
	fs.BoolVar(&c.strict, "strict", false, "fail on @should failures too")
	fs.BoolVar(&c.hardening, "hardening", false, "fail on @hardening failures too (the suite's own advice; a profile's hardening: true does the same)")
	fs.StringVar(&c.baseline, "baseline", "", "YAML file of expected failures with reasons; a listed scenario that passes fails the run")
	fs.StringVar(&c.junit, "junit", "", "write a JUnit XML report to this file")
	fs.StringVar(&c.jsonOut, "json", "", "write a JSON report (envelope and one object per scenario) to this file")
	fs.StringVar(&c.markdown, "markdown", "", "write a Markdown report (verdict, area matrix, failures; under 60 KB) to this file")
	fs.StringVar(&c.html, "html", "", "write a single-file HTML report to this file")
	fs.IntVar(&c.concurrency, "concurrency", 4, "scenarios run at once (@serial ones run alone)")
	fs.DurationVar(&c.startTimeout, "start-timeout", harness.DefaultStartTimeout, "how long to wait for the target's /healthz")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress output (it is shown only when stderr is a terminal)")
	fs.BoolVar(&c.list, "list", false, "list the selected scenarios (id, level, name) and exit; respects --tags and --id")
	fs.StringVar(&c.ids, "id", "", "run only these scenario ids, comma-separated (auth-2.3, or auth-2.3/4 for one outline row); combines with --tags")
	fs.BoolVar(&c.version, "version", false, "print the version and what the specification covers, and exit")
	fs.IntVar(&c.loadCalls, "load-calls", 0, fmt.Sprintf("tool calls per @load scenario (default %d; the README's figures use 20000)", steps.DefaultLoadCalls))
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, usageHead)
		fs.PrintDefaults()
		fmt.Fprint(w, usageTail)
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
	case c.keys != "" && c.keys != harness.KeysHS256 && c.keys != harness.KeysJWKS:
		return nil, usageError{fmt.Errorf("--keys %q: want hs256 or jwks", c.keys)}
	case c.keys == harness.KeysJWKS && c.network == harness.NetworkBridge:
		return nil, usageError{errors.New("--keys jwks needs --network host: the suite's JWKS endpoint listens on 127.0.0.1 only")}
	case c.allowRemote && c.targetURL == "":
		return nil, usageError{errors.New("--allow-remote needs --target-url")}
	case c.targetURL != "" && c.profile == "":
		return nil, usageError{errors.New("--target-url needs --profile (issuer, audience, and the secret or tokens of the deployment)")}
	case c.ids != "" && strings.ContainsAny(c.ids, "()&|~!@ "):
		return nil, usageError{fmt.Errorf("--id %q: want ids separated by commas, e.g. auth-2.3,auth-1.3/2", c.ids)}
	case c.protocol != "" && !validProtocol(c.protocol):
		return nil, usageError{fmt.Errorf("--protocol %q: want auto, %s", c.protocol, strings.Join(harness.Revisions, ", "))}
	case c.concurrency < 1:
		return nil, usageError{errors.New("--concurrency must be at least 1")}
	case c.loadCalls < 0 || c.loadCalls > steps.MaxLoadCalls:
		return nil, usageError{fmt.Errorf("--load-calls must be between 1 and %d (0: the default, %d)", steps.MaxLoadCalls, steps.DefaultLoadCalls)}
	}
	if c.ids != "" {
		var terms []string
		for _, id := range strings.Split(c.ids, ",") {
			if id = strings.TrimSpace(id); id != "" {
				terms = append(terms, "@"+id)
			}
		}
		sel := strings.Join(terms, " or ")
		if c.tags != "" {
			sel = "(" + c.tags + ") and (" + sel + ")"
		}
		c.tags = sel
	}
	if _, err := runner.ParseTagExpr(c.tags); err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

const usageHead = `mcpauthspec checks that an MCP server acts as a conformant OAuth resource
server, against the specification embedded in this binary.

usage:
  mcpauthspec [flags]                             the embedded reference stack
  mcpauthspec --target-cmd CMD [flags]            a server the suite starts with the contract's environment
  mcpauthspec --target-url URL --profile FILE     a running deployment
  mcpauthspec --container [--network host|bridge] the reference images in Docker
  mcpauthspec bench [flags]                       load: throughput and latency (bench -h)
  mcpauthspec token --user NAME [--scope S]       print a token of a test user (JWT_SECRET_KEY)
  mcpauthspec version                             version, MCP revisions and RFCs covered

flags:
`

const usageTail = `
exit status:
  0  every selected @must passed (and @should with --strict, @hardening with --hardening)
  1  a scenario failed that decides the verdict, or a baseline entry is stale
  2  usage or configuration error: bad flag or tag expression, unreadable
     profile or baseline, unwritable report path, target not reachable or not
     healthy; one line on stderr

The target contract: docs/target-contract.md in the source repository.
`

// writeVersion prints the build's version, VCS revision, and the MCP
// revisions and RFCs the embedded specification covers.
func writeVersion(w io.Writer) error {
	version, rev := runner.BuildVersion()
	catalog, err := runner.LoadCatalog(features.FS)
	if err != nil {
		return err
	}
	mcp, rfcs := runner.MCPRevisions(catalog.Sources())
	fmt.Fprintf(w, "mcpauthspec %s", version)
	if rev != "" {
		fmt.Fprintf(w, " (revision %s)", rev)
	}
	fmt.Fprintf(w, "\nspecification: %d scenarios\nMCP revisions: %s\nRFCs: %s\n%s %s/%s\n",
		len(catalog.Cases), strings.Join(mcp, ", "), strings.Join(rfcs, ", "), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// writeList prints the scenarios expr selects: id, level, name.
func writeList(w io.Writer, expr string) error {
	catalog, err := runner.LoadCatalog(features.FS)
	if err != nil {
		return err
	}
	e, err := runner.ParseTagExpr(expr)
	if err != nil {
		return usageError{err}
	}
	cases := catalog.Select(e)
	if len(cases) == 0 {
		return usageError{fmt.Errorf("no scenario matched the tag expression %q", expr)}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, cs := range cases {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cs.ID, strings.ToUpper(cs.Level), cs.Name)
	}
	return tw.Flush()
}

// isTerminal reports whether w is a terminal: progress is drawn only there,
// never into a CI log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bench" {
		return runBench(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "version" {
		if len(args) > 1 {
			fmt.Fprintf(stderr, "mcpauthspec: version takes no arguments\n")
			return 2
		}
		args = []string{"--version"}
	}
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
		return 2
	}
	if c.version {
		if err := writeVersion(stdout); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		return 0
	}
	if c.list {
		if err := writeList(stdout, c.tags); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		return 0
	}
	if !isTerminal(stderr) {
		c.quiet = true
	}
	policy := runner.Policy{Strict: c.strict, Hardening: c.hardening}
	if c.baseline != "" {
		if policy.Baseline, err = runner.LoadBaseline(c.baseline); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		catalog, err := runner.LoadCatalog(features.FS)
		if err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		if err := policy.Baseline.Check(catalog); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
	}
	if c.profile != "" {
		p, err := harness.LoadProfile(c.profile)
		if err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		policy.Hardening = policy.Hardening || p.Hardening
	}
	// A report that cannot be written is known before the run, not after it.
	for _, f := range []struct{ flag, path string }{{"--junit", c.junit}, {"--json", c.jsonOut}, {"--markdown", c.markdown}, {"--html", c.html}} {
		if f.path == "" {
			continue
		}
		if err := runner.CheckWritable(f.path); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %s: %v\n", f.flag, err)
			return 2
		}
	}
	passes, note, err := planPasses(c)
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
		return 2
	}
	if c.container && len(passes) > 1 {
		// Both key modes run the same two images: build them once.
		quietTestcontainers()
		opts := []harness.ContainerOption{}
		if c.network != "" {
			opts = append(opts, harness.WithNetworkMode(c.network))
		}
		images, err := harness.BuildContainerImages(ctx, opts...)
		if err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		defer func() { _ = images.Remove(context.Background()) }()
		c.images = images
	}
	var reports []*runner.Report
	for _, pass := range passes {
		rep, err := runPass(ctx, c, pass, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
		reports = append(reports, rep)
	}
	report := runner.Merge(reports...)
	report.Tags = c.tags
	if note != "" {
		report.Notes = append(report.Notes, note)
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{c.junit, func(w io.Writer) error { return report.WriteJUnit(w, policy) }},
		{c.jsonOut, func(w io.Writer) error { return report.WriteJSON(w, policy) }},
		{c.markdown, func(w io.Writer) error { return report.WriteMarkdown(w, policy) }},
		{c.html, func(w io.Writer) error { return report.WriteHTML(w, policy) }},
	} {
		if out.path == "" {
			continue
		}
		if err := runner.WriteFile(out.path, out.write); err != nil {
			fmt.Fprintf(stderr, "mcpauthspec: %v\n", err)
			return 2
		}
	}
	report.WriteText(stdout, policy)
	if !policy.Passes(report) {
		return 1
	}
	return 0
}

// pass is one target and the scenarios run against it: a run covers each
// key mode with a target of its own.
type pass struct {
	keys string // harness.KeysHS256 or harness.KeysJWKS
	tags string // the selection for this target
}

// planPasses decides the key modes of the run. An explicit --keys runs that
// mode alone. Otherwise a target the suite starts is started once per mode
// (HS256, then JWKS for area 14), so that one report covers both; a
// --target-url deployment is tested in HS256 mode only, with a note saying
// why. A mode none of whose scenarios is selected is left out.
func planPasses(c *config) ([]pass, string, error) {
	if c.keys != "" {
		return []pass{{c.keys, c.tags}}, "", nil
	}
	note := ""
	modes := []string{harness.KeysHS256, harness.KeysJWKS}
	switch {
	case c.targetURL != "" || c.profile != "":
		modes = modes[:1]
		note = "--target-url runs in HS256 mode only: area 14 (@jwks) needs a target that trusts the suite's own key set (JWT_JWKS_URL), so it runs only against a target the suite starts"
	case c.container && (c.network == harness.NetworkBridge || c.network == "" && runtime.GOOS != "linux"):
		modes = modes[:1]
		note = "--container with a bridge network runs in HS256 mode only: area 14 (@jwks) needs --network host, because the suite's key set listens on 127.0.0.1"
	}
	catalog, err := runner.LoadCatalog(features.FS)
	if err != nil {
		return nil, "", err
	}
	var passes []pass
	for _, m := range modes {
		modeTag := "not @jwks"
		if m == harness.KeysJWKS {
			modeTag = "@jwks"
		}
		tags := modeTag
		if strings.TrimSpace(c.tags) != "" {
			tags = "(" + c.tags + ") and " + modeTag
		}
		e, err := runner.ParseTagExpr(tags)
		if err != nil {
			return nil, "", usageError{err}
		}
		if len(catalog.Select(e)) > 0 {
			passes = append(passes, pass{m, tags})
		}
	}
	if len(passes) == 0 {
		if len(modes) == 1 {
			// Let the runner report what the selection holds (scenarios
			// of the other mode are skipped with the reason).
			return []pass{{modes[0], c.tags}}, note, nil
		}
		return nil, "", usageError{fmt.Errorf("no scenario matched the tag expression %q", c.tags)}
	}
	return passes, note, nil
}

// runPass starts the target of one key mode, checks it, runs the pass's
// scenarios against it and stops it.
func runPass(ctx context.Context, c *config, p pass, stderr io.Writer) (*runner.Report, error) {
	cc := *c
	cc.keys = p.keys
	target, err := startTarget(ctx, &cc, stderr)
	if target != nil {
		defer target.Close()
	}
	if err != nil {
		return nil, err
	}
	// Configuration mistakes (secret, issuer, audience, path, tool names)
	// would read as hundreds of conformance failures: one line instead.
	preCtx, cancel := context.WithTimeout(ctx, c.startTimeout)
	err = harness.Preflight(preCtx, target)
	cancel()
	var pe *harness.PreflightError
	if errors.As(err, &pe) && pe.Status == http.StatusUnauthorized && p.keys == harness.KeysJWKS && c.keys == "" {
		// JWT_JWKS_URL is optional in the contract: a server that ignores
		// it (and refuses the suite's RS256 token) is not failed for it.
		return runner.SkipAll(nil, target.Kind, p.tags, "the target refused an RS256 token from the key set at JWT_JWKS_URL, which the contract makes optional; the JWKS scenarios need a server that verifies with it (--keys hs256 leaves them out)")
	}
	if err != nil {
		return nil, err
	}
	var bar *progressbar.ProgressBar
	if !c.quiet {
		bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("scenarios against "+target.Kind+" target, "+p.keys),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	report, err := runner.Run(ctx, runner.Options{
		Target:      target,
		Tags:        p.tags,
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
	return report, err
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
		if c.keys == harness.KeysJWKS && p.Tokens == nil { // supplied tokens work with any issuer
			return nil, fmt.Errorf("--keys jwks: %w; or give the profile a tokens block (docs/supplied-tokens.md)", harness.ErrJWKSExternal)
		}
		return harness.StartExternalWith(startCtx, c.targetURL, p, harness.ExternalOptions{
			AllowRemote: c.allowRemote,
			Warn:        func(msg string) { fmt.Fprintf(stderr, "mcpauthspec: %s\n", msg) },
		})
	default:
		return harness.StartEmbedded(startCtx, harness.EmbeddedOptions{JWKS: c.keys == harness.KeysJWKS})
	}
}

// quietTestcontainers silences testcontainers' log lines, which would break
// the progress line, and turns its Ryuk reaper off unless the user asks for
// it: the harness removes what it starts, on Ctrl-C too, so the reaper would
// only be a backstop, and one whose image must be pulled from Docker Hub.
func quietTestcontainers() {
	tclog.SetDefault(tclog.NewNoopLogger())
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

// startContainers runs the container target, with a spinner naming each
// step: compiling and building the images takes seconds. --start-timeout
// bounds each container's wait for /healthz, not the build.
func startContainers(ctx context.Context, c *config, stderr io.Writer) (*harness.Target, error) {
	quietTestcontainers()
	opts := []harness.ContainerOption{harness.WithStartTimeout(c.startTimeout)}
	if c.network != "" {
		opts = append(opts, harness.WithNetworkMode(c.network))
	}
	if c.images != nil {
		opts = append(opts, harness.WithImages(c.images))
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
