package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// Network modes of the container target (WithNetworkMode).
const (
	// NetworkHost runs both containers in the host's network namespace,
	// listening on free 127.0.0.1 ports: Linux engines, and engines started
	// with --bridge=none, which have no other network.
	NetworkHost = "host"
	// NetworkBridge runs the fake backend on Docker's default bridge with
	// its ports published on 127.0.0.1, and refserver inside the fake
	// backend's network namespace, so that refserver still reaches the
	// backend on loopback: Docker Desktop, where host networking does not
	// reach the host.
	NetworkBridge = "bridge"
)

// Ports inside the containers in bridge mode, where each stack has its own
// network namespace; the host sees them on published 127.0.0.1 ports.
const (
	bridgeMCPPort     = 8080
	bridgeBackendPort = 18081
)

// Images built for the container target are named <imageRepo>-refserver
// and <imageRepo>-fakebackend, tagged with the run's id.
const imageRepo = "mcpauthspec"

// runLabel marks every container the harness starts with the run's id, so
// that a test can ask the engine what one run left behind.
const runLabel = "org.mcpauthspec.run"

// ContainerOption adjusts StartContainers (and BuildContainerImages), in the
// shape of a testcontainers-go module: the defaults first, then the
// caller's options in order.
type ContainerOption func(*containerConfig) error

type containerConfig struct {
	network      string
	startTimeout time.Duration
	sourceDir    string
	images       *ContainerImages
	env          map[string]string
	mcpPort      int // host side; 0: a free one
	backendPort  int
	progress     func(step string)
	logger       tclog.Logger
	runID        string
}

// networkEnv chooses the network mode when no option does, for `go test`
// with Docker Desktop on Linux, say.
const networkEnv = "MCPAUTHSPEC_DOCKER_NETWORK"

func defaultContainerConfig() containerConfig {
	return containerConfig{
		network:      "", // chosen with the engine: autoNetwork
		startTimeout: DefaultStartTimeout,
		env:          map[string]string{},
		progress:     func(string) {},
		logger:       tclog.NewNoopLogger(),
		runID:        randomHex(6),
	}
}

func newContainerConfig(opts []ContainerOption) (containerConfig, error) {
	c := defaultContainerConfig()
	if mode := os.Getenv(networkEnv); mode != "" {
		if err := WithNetworkMode(mode)(&c); err != nil {
			return c, fmt.Errorf("%s: %w", networkEnv, err)
		}
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// WithNetworkMode chooses NetworkHost or NetworkBridge. Without it (and
// without MCPAUTHSPEC_DOCKER_NETWORK) the engine decides: host networking
// on a Linux engine, the bridge on Docker Desktop and anywhere else.
func WithNetworkMode(mode string) ContainerOption {
	return func(c *containerConfig) error {
		switch mode {
		case NetworkHost, NetworkBridge:
			c.network = mode
			return nil
		}
		return fmt.Errorf("network mode %q: want %s or %s", mode, NetworkHost, NetworkBridge)
	}
}

// WithStartTimeout bounds the wait for each container's /healthz (default
// 30 s). Building the images is not counted.
func WithStartTimeout(d time.Duration) ContainerOption {
	return func(c *containerConfig) error {
		if d <= 0 {
			return errors.New("start timeout must be positive")
		}
		c.startTimeout = d
		return nil
	}
}

// WithSourceDir names the mcpauthspec source tree the images are built
// from; by default the Go module that contains the working directory.
func WithSourceDir(dir string) ContainerOption {
	return func(c *containerConfig) error { c.sourceDir = dir; return nil }
}

// WithImages reuses images from BuildContainerImages instead of building
// (and at Close removing) a pair of its own.
func WithImages(images *ContainerImages) ContainerOption {
	return func(c *containerConfig) error { c.images = images; return nil }
}

// WithEnv adds KEY=VALUE settings to refserver's environment, after the
// contract's (BACKEND_AUTH=passthrough, for example).
func WithEnv(kv ...string) ContainerOption {
	return func(c *containerConfig) error {
		for _, s := range kv {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return fmt.Errorf("environment setting %q is not KEY=VALUE", k)
			}
			c.env[k] = v
		}
		return nil
	}
}

// WithPorts fixes the 127.0.0.1 ports of refserver and of the fake backend
// (0: a free one): the ports they listen on with host networking, their
// published ports on the bridge.
func WithPorts(mcp, backend int) ContainerOption {
	return func(c *containerConfig) error {
		for _, p := range []int{mcp, backend} {
			if p < 0 || p > 65535 {
				return fmt.Errorf("port %d is out of range", p)
			}
		}
		if mcp != 0 && mcp == backend {
			return fmt.Errorf("refserver and the fake backend cannot share port %d", mcp)
		}
		c.mcpPort, c.backendPort = mcp, backend
		return nil
	}
}

// WithProgress receives a short description of each step as it begins, for
// a progress line: building the images takes seconds.
func WithProgress(f func(step string)) ContainerOption {
	return func(c *containerConfig) error {
		if f != nil {
			c.progress = f
		}
		return nil
	}
}

// WithLogger receives testcontainers' own log lines (silent by default).
func WithLogger(l tclog.Logger) ContainerOption {
	return func(c *containerConfig) error {
		if l != nil {
			c.logger = l
		}
		return nil
	}
}

// newProvider connects to the engine and refuses one that would take the
// suite's traffic off this machine.
// It settles c.network when no option chose it.
func newProvider(ctx context.Context, c *containerConfig) (p *testcontainers.DockerProvider, err error) {
	// testcontainers panics in a few places when no engine can be found.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("no Docker engine answers: %v", r)
		}
	}()
	auto := c.network == ""
	if auto {
		c.network = NetworkHost
	}
	p, err = connect(ctx, c)
	if err != nil || !auto {
		return p, err
	}
	info, err := p.Client().Info(ctx, client.InfoOptions{})
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("no Docker engine answers at %s: %v", p.Client().DaemonHost(), oneLine(err))
	}
	if c.network = autoNetwork(runtime.GOOS, info.Info.OperatingSystem); c.network == NetworkHost {
		return p, nil
	}
	p.Close()
	return connect(ctx, c)
}

// autoNetwork is the network mode for an engine on goos that calls its
// operating system engineOS: host networking only where the engine shares
// this machine's network, which Docker Desktop's VM does not.
func autoNetwork(goos, engineOS string) string {
	if goos == "linux" && engineOS != "Docker Desktop" {
		return NetworkHost
	}
	return NetworkBridge
}

func connect(ctx context.Context, c *containerConfig) (*testcontainers.DockerProvider, error) {
	p, err := testcontainers.NewDockerProvider(
		testcontainers.WithLogger(c.logger),
		// With host networking there is no default bridge to attach to;
		// naming the host network keeps testcontainers from creating a
		// bridge network of its own.
		testcontainers.WithDefaultBridgeNetwork(c.network),
	)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine answers: %s", oneLine(err))
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Health(hctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("no Docker engine answers at %s: %v", p.Client().DaemonHost(), oneLine(err))
	}
	if err := checkEngineLocal(p.Client().DaemonHost(), os.Getenv("TESTCONTAINERS_HOST_OVERRIDE")); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// checkEngineLocal refuses a Docker host that is not this machine: with
// host networking the containers would listen on another machine's
// loopback, with the bridge their ports would be published there, and the
// suite sends hostile traffic that must never leave this machine. A unix
// socket or named pipe is local; a tcp:// host must be a loopback address.
// TESTCONTAINERS_HOST_OVERRIDE, where testcontainers looks for published
// ports, must be loopback too. (The harness itself only ever dials
// 127.0.0.1; this is about where the engine runs.)
func checkEngineLocal(dockerHost, override string) error {
	u, err := url.Parse(dockerHost)
	if err != nil {
		return fmt.Errorf("Docker host %q is not a URL", dockerHost)
	}
	switch u.Scheme {
	case "unix", "npipe":
	case "tcp", "http", "https":
		if err := checkLoopback(u.Hostname()); err != nil {
			return fmt.Errorf("refusing the Docker host %s: %v", dockerHost, err)
		}
	default:
		return fmt.Errorf("refusing the Docker host %s: only a local engine (unix socket, named pipe or tcp on loopback) keeps the suite's traffic on this machine", dockerHost)
	}
	if override != "" {
		if err := checkLoopback(override); err != nil {
			return fmt.Errorf("refusing TESTCONTAINERS_HOST_OVERRIDE=%s: %v", override, err)
		}
	}
	return nil
}

// DockerAvailable reports whether a local Docker engine answers, as one
// line when none does.
func DockerAvailable(ctx context.Context) error {
	c := defaultContainerConfig()
	p, err := newProvider(ctx, &c)
	if err != nil {
		return err
	}
	return p.Close()
}

// ContainerImages are the refserver and fakebackend images of one run.
type ContainerImages struct {
	Refserver   string // image reference, repo:tag
	Fakebackend string

	provider *testcontainers.DockerProvider
}

// Remove deletes both images.
func (im *ContainerImages) Remove(ctx context.Context) error {
	if im == nil || im.provider == nil {
		return nil
	}
	var errs []error
	for _, ref := range []string{im.Refserver, im.Fakebackend} {
		if ref == "" {
			continue
		}
		if _, err := im.provider.Client().ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove image %s: %w", ref, err))
		}
	}
	return errors.Join(errs...)
}

// BuildContainerImages compiles refserver, fakebackend and the health check
// as static binaries for the engine's platform (once, in a temporary
// folder), and builds the two images of build/ from them. Of the options,
// WithSourceDir, WithProgress, WithLogger and WithNetworkMode matter.
func BuildContainerImages(ctx context.Context, opts ...ContainerOption) (*ContainerImages, error) {
	c, err := newContainerConfig(opts)
	if err != nil {
		return nil, err
	}
	p, err := newProvider(ctx, &c)
	if err != nil {
		return nil, err
	}
	return buildImages(ctx, c, p)
}

func buildImages(ctx context.Context, c containerConfig, p *testcontainers.DockerProvider) (*ContainerImages, error) {
	src, err := sourceDir(c.sourceDir)
	if err != nil {
		return nil, err
	}
	ver, err := p.Client().ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return nil, fmt.Errorf("ask the Docker engine for its platform: %v", oneLine(err))
	}
	if ver.Os != "linux" {
		return nil, fmt.Errorf("the Docker engine runs %s containers; the images need a Linux engine", ver.Os)
	}
	dir, err := os.MkdirTemp("", "mcpauthspec-images-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	c.progress("compiling static binaries for linux/" + ver.Arch)
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, src, bin, ver.Arch); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("compiling the images' binaries interrupted: %w", ctx.Err())
		}
		return nil, err
	}
	// Both at once: each build is mostly the engine committing layers.
	c.progress("building images refserver and fakebackend")
	names := []string{"refserver", "fakebackend"}
	contexts := make([]string, len(names))
	for i, name := range names {
		if contexts[i], err = imageContext(src, bin, filepath.Join(dir, name), name); err != nil {
			return nil, err
		}
	}
	refs := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs[i], errs[i] = buildImage(ctx, p, contexts[i], name, c.runID)
		}()
	}
	wg.Wait()
	im := &ContainerImages{Refserver: refs[0], Fakebackend: refs[1], provider: p}
	if err := errors.Join(errs...); err != nil || ctx.Err() != nil {
		// By name, not by what the builds returned: an interrupted build
		// may still have tagged its image.
		for i, name := range names {
			refs[i] = imageRepo + "-" + name + ":" + c.runID
		}
		_ = (&ContainerImages{Refserver: refs[0], Fakebackend: refs[1], provider: p}).Remove(context.WithoutCancel(ctx))
		if ctx.Err() != nil {
			return nil, fmt.Errorf("building the images interrupted: %w", ctx.Err())
		}
		var msgs []string
		for _, e := range errs {
			if e != nil {
				msgs = append(msgs, e.Error())
			}
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return im, nil
}

// imageContext lays out the build context of one image in dir: its
// Dockerfile (the engine's classic builder reads it from the context) and
// the two binaries it copies, linked from bin. It returns dir.
func imageContext(src, bin, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dockerfile := name + ".Dockerfile"
	if err := copyFile(filepath.Join(src, "build", dockerfile), filepath.Join(dir, dockerfile)); err != nil {
		return "", fmt.Errorf("image %s: %w", name, err)
	}
	for _, b := range []string{name, "healthcheck"} {
		if err := os.Link(filepath.Join(bin, b), filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("image %s: %w", name, err)
		}
	}
	return dir, nil
}

// buildImage builds build/<name>.Dockerfile in the context dir and returns
// the image's reference.
func buildImage(ctx context.Context, p *testcontainers.DockerProvider, dir, name, tag string) (string, error) {
	req := &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		Context:    dir,
		Dockerfile: name + ".Dockerfile",
		Repo:       imageRepo + "-" + name,
		Tag:        tag,
		// testcontainers would otherwise add its labels as four more layer
		// commits (about a second each on vfs) and remove the image with
		// the first container; Remove does that here.
		KeepImage: true,
	}}
	// Not cancelled with ctx: the classic builder leaves the layers it has
	// committed as untagged images when its client goes away, and nothing
	// could tell them from anyone else's. A build takes seconds; the
	// caller removes the finished image.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	ref, err := p.BuildImage(bctx, req)
	if err != nil {
		return "", fmt.Errorf("building image %s failed: %v", name, oneLine(err))
	}
	return ref, nil
}

// goArch maps the engine's architecture to GOARCH.
func goArch(engineArch string) string {
	switch engineArch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return engineArch
}

// buildBinaries compiles the three static binaries into dir in one go
// build, which links them in parallel.
func buildBinaries(ctx context.Context, src, dir, arch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", dir+string(filepath.Separator),
		"./cmd/refserver", "./cmd/fakebackend", "./build/healthcheck")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goArch(arch))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("compiling the images' binaries failed (go build in %s): %s", src, msg)
	}
	return nil
}

// sourceDir finds the mcpauthspec module the images are built from (see
// ModuleSource).
func sourceDir(dir string) (string, error) {
	if dir == "" {
		d, err := ModuleSource(context.Background())
		if err != nil {
			return "", fmt.Errorf("the container target: %w", err)
		}
		return d, nil
	}
	if _, err := checkSource(dir); err != nil {
		return "", fmt.Errorf("%s is not the mcpauthspec source tree the container target builds its images from", dir)
	}
	return dir, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// StartContainers builds the refserver and fakebackend images (unless
// WithImages gives them), starts the fake backend and then refserver with
// the target contract's environment on 127.0.0.1 ports, and waits for each
// /healthz. Refserver's logs reach the hygiene scenarios through
// testcontainers' Logs. Close removes the containers, and the images it
// built.
//
// The target comes back even with an error, like a testcontainers module's
// container: the caller closes it either way (it has already been closed,
// and a second Close does nothing).
func StartContainers(ctx context.Context, opts ...ContainerOption) (t *Target, err error) {
	c, err := newContainerConfig(opts)
	if err != nil {
		return nil, err
	}
	is, err := NewIssuer(DefaultIssuer, DefaultAudience)
	if err != nil {
		return nil, err
	}
	t = &Target{Kind: "container", Issuer: is, Fixtures: SeedFixtures(), BackendTimeout: BackendTimeout}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	// Fixed ports are checked before the slow part.
	for _, p := range []int{c.mcpPort, c.backendPort} {
		if err := portFree(p); err != nil {
			return t, err
		}
	}
	p, err := newProvider(ctx, &c)
	if err != nil {
		return t, err
	}
	if c.network == NetworkBridge {
		if _, err := p.Client().NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{}); err != nil {
			return t, errors.New("network mode bridge needs Docker's default bridge network, which this engine lacks (started with --bridge=none?); use host networking")
		}
	}
	images := c.images
	if images == nil {
		images, err = buildImages(ctx, c, p)
		if err != nil {
			return t, err
		}
		t.onClose(func() error { return images.Remove(context.Background()) })
	}
	// Runs after the containers' own Terminate: testcontainers drops a
	// container it created when a later step of its creation fails (the
	// reaper, say), and only the run's label still finds it.
	t.onClose(func() error { return sweep(p, c.runID) })

	clientSecret := randomSecret()
	t.ClientSecret = clientSecret
	secrets := [][]byte{is.Secret, []byte(clientSecret)}
	s := &stack{c: c, p: p, images: images, is: is, clientSecret: clientSecret, secrets: secrets}
	if err := s.ports(); err != nil {
		return t, err
	}
	// JWT_ISSUER is the core app's URL (contract §0) as both containers
	// reach it; on the bridge the suite reaches it at t.BackendURL instead.
	is.Issuer = s.backendHostURL
	if c.network == NetworkBridge {
		is.Issuer = "http://127.0.0.1:" + strconv.Itoa(bridgeBackendPort)
	}
	t.AllowedOrigin = TestOrigin

	c.progress("starting fakebackend")
	backend, err := s.run(ctx, "fakebackend", s.backendRequest())
	if backend != nil {
		t.onClose(terminate(backend))
	}
	if err != nil {
		return t, err
	}
	if err := s.resolveBridgePorts(ctx, backend); err != nil {
		return t, err
	}
	t.BackendURL = s.backendHostURL
	t.Backend = &fakebackend.AdminClient{BaseURL: s.backendHostURL}

	c.progress("starting refserver")
	ref, err := s.run(ctx, "refserver", s.refserverRequest(backend.GetContainerID(), backend))
	if ref != nil {
		t.onClose(terminate(ref))
		t.Logs = containerLogs(ref)
	}
	if err != nil {
		return t, err
	}
	t.BaseURL = s.mcpBaseURL
	t.MCPURL = t.BaseURL + "/mcp"
	return t, nil
}

// stack is one StartContainers call's state.
type stack struct {
	c            containerConfig
	p            *testcontainers.DockerProvider
	images       *ContainerImages
	is           *Issuer
	clientSecret string
	secrets      [][]byte

	// Host mode: the ports both listen on. Bridge mode: the published
	// ports, known once the fake backend (which owns the network
	// namespace) runs.
	mcpPort, backendPort int
	mcpBaseURL           string // as the suite sees refserver
	backendHostURL       string // as the suite sees the fake backend
}

func (s *stack) ports() error {
	if s.c.network == NetworkBridge {
		return nil
	}
	s.mcpPort, s.backendPort = s.c.mcpPort, s.c.backendPort
	for _, p := range []*int{&s.mcpPort, &s.backendPort} {
		for *p == 0 || s.mcpPort == s.backendPort {
			free, err := freeLoopbackPort()
			if err != nil {
				return fmt.Errorf("no free loopback port: %w", err)
			}
			*p = free
		}
	}
	s.mcpBaseURL = "http://127.0.0.1:" + strconv.Itoa(s.mcpPort)
	s.backendHostURL = "http://127.0.0.1:" + strconv.Itoa(s.backendPort)
	return nil
}

// resolveBridgePorts reads the ports the engine published for the fake
// backend's network namespace, which refserver shares.
func (s *stack) resolveBridgePorts(ctx context.Context, backend testcontainers.Container) error {
	if s.c.network != NetworkBridge {
		return nil
	}
	for _, p := range []struct {
		inside int
		host   *int
	}{{bridgeMCPPort, &s.mcpPort}, {bridgeBackendPort, &s.backendPort}} {
		mp, err := backend.MappedPort(ctx, strconv.Itoa(p.inside)+"/tcp")
		if err != nil {
			return fmt.Errorf("fakebackend container: published port of %d: %v", p.inside, oneLine(err))
		}
		*p.host = int(mp.Num())
	}
	s.mcpBaseURL = "http://127.0.0.1:" + strconv.Itoa(s.mcpPort)
	s.backendHostURL = "http://127.0.0.1:" + strconv.Itoa(s.backendPort)
	return nil
}

// backendRequest is the fake backend's container. On the bridge it owns
// the network namespace and so publishes refserver's port too.
func (s *stack) backendRequest() testcontainers.ContainerRequest {
	listen := "127.0.0.1:" + strconv.Itoa(s.backendPort)
	var exposed []string
	hostConfig := func(hc *container.HostConfig) { hc.NetworkMode = NetworkHost }
	if s.c.network == NetworkBridge {
		// Inside its own namespace it must listen on every interface to
		// receive the published ports; the host side stays on 127.0.0.1.
		listen = "0.0.0.0:" + strconv.Itoa(bridgeBackendPort)
		exposed = []string{strconv.Itoa(bridgeMCPPort) + "/tcp", strconv.Itoa(bridgeBackendPort) + "/tcp"}
		hostConfig = func(hc *container.HostConfig) {
			hc.NetworkMode = NetworkBridge
			hc.PortBindings = network.PortMap{
				network.MustParsePort(exposed[0]): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: portString(s.c.mcpPort)}},
				network.MustParsePort(exposed[1]): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: portString(s.c.backendPort)}},
			}
		}
	}
	return testcontainers.ContainerRequest{
		Image:              s.images.Fakebackend,
		Name:               "mcpauthspec-fakebackend-" + s.c.runID,
		Env:                envMap(fakebackendEnv(listen, s.is, s.clientSecret)),
		ExposedPorts:       exposed,
		Labels:             map[string]string{runLabel: s.c.runID},
		HostConfigModifier: hostConfig,
		WaitingFor:         healthz{port: portOf(listen), timeout: s.c.startTimeout},
	}
}

// refserverRequest is refserver's container. On the bridge it joins the
// fake backend's network namespace: it reaches the backend on loopback,
// and its port is published by the fake backend's container.
func (s *stack) refserverRequest(backendID string, backend wait.StrategyTarget) testcontainers.ContainerRequest {
	listen := "127.0.0.1:" + strconv.Itoa(s.mcpPort)
	backendURL := s.backendHostURL
	hostConfig := func(hc *container.HostConfig) { hc.NetworkMode = NetworkHost }
	var owner wait.StrategyTarget
	if s.c.network == NetworkBridge {
		listen = "0.0.0.0:" + strconv.Itoa(bridgeMCPPort)
		backendURL = "http://127.0.0.1:" + strconv.Itoa(bridgeBackendPort)
		hostConfig = func(hc *container.HostConfig) { hc.NetworkMode = container.NetworkMode("container:" + backendID) }
		owner = backend
	}
	env := envMap(contractEnv(listen, s.mcpBaseURL+"/mcp", backendURL, s.is, s.clientSecret))
	for k, v := range s.c.env {
		env[k] = v
	}
	return testcontainers.ContainerRequest{
		Image:              s.images.Refserver,
		Name:               "mcpauthspec-refserver-" + s.c.runID,
		Env:                env,
		Labels:             map[string]string{runLabel: s.c.runID},
		HostConfigModifier: hostConfig,
		WaitingFor:         healthz{port: portOf(listen), owner: owner, timeout: s.c.startTimeout},
	}
}

// run starts one container and turns a failure into one line, with the
// container's last log lines when it got as far as running.
func (s *stack) run(ctx context.Context, name string, req testcontainers.ContainerRequest) (testcontainers.Container, error) {
	// Creating is not cancelled with ctx: the engine may finish creating a
	// container whose client has gone, and the caller must hold every
	// container that exists to remove it. Starting and waiting are.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	ctr, err := s.p.CreateContainer(cctx, req)
	cancel()
	if err != nil {
		// testcontainers can return a container along with the error.
		return ctr, fmt.Errorf("%s container could not be created: %v", name, oneLine(err))
	}
	if err = ctr.Start(ctx); err == nil {
		return ctr, nil
	}
	if ctx.Err() != nil {
		return ctr, fmt.Errorf("starting the %s container interrupted: %w", name, ctx.Err())
	}
	// The container may be gone already; its logs still tell why.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var what string
	var exitErr *exitedError
	var slow *notHealthyError
	switch {
	case errors.As(err, &exitErr):
		what = fmt.Sprintf("%s container exited with code %d before it became healthy", name, exitErr.code)
	case errors.As(err, &slow):
		what = fmt.Sprintf("%s container never became healthy within %s: %s", name, s.c.startTimeout, slow.detail)
	default:
		what = fmt.Sprintf("%s container failed to start: %v", name, oneLine(err))
	}
	logs := readLogs(lctx, ctr)
	if out := lastLines(redact(logs, s.secrets[1:]), 10, s.secrets[0]); strings.TrimSpace(out) != "" {
		return ctr, fmt.Errorf("%s; its last log lines:\n%s", what, indent(out))
	}
	return ctr, fmt.Errorf("%s (it logged nothing)", what)
}

// healthz is the containers' wait strategy: GET /healthz on 127.0.0.1 until
// it answers 200, failing early when the container exits. Unlike
// wait.ForHTTP it never asks testcontainers for the daemon's host, which on
// a machine with /.dockerenv is guessed to be the default gateway: the
// suite only ever talks to loopback.
type healthz struct {
	port    string              // the port inside the container, "8080"
	owner   wait.StrategyTarget // the container publishing port; nil: the target
	timeout time.Duration
}

// exitedError is a container that stopped before it was healthy.
type exitedError struct{ code int }

func (e *exitedError) Error() string { return fmt.Sprintf("container exited with code %d", e.code) }

// notHealthyError is a container still running, but not healthy in time.
type notHealthyError struct{ detail string }

func (e *notHealthyError) Error() string { return "not healthy in time: " + e.detail }

func (h healthz) String() string { return "GET /healthz on 127.0.0.1, port " + h.port + " inside" }

func (h healthz) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	owner := h.owner
	if owner == nil {
		owner = target
	}
	var hostPort string
	for hostPort == "" {
		mp, err := owner.MappedPort(ctx, h.port+"/tcp")
		if err == nil && mp.Num() != 0 {
			hostPort = mp.Port()
			break
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &notHealthyError{detail: "port " + h.port + " was never published"}
			}
			return ctx.Err()
		case <-time.After(healthPollInterval):
		}
	}
	exited := make(chan struct{})
	var exit *exitedError
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			st, err := target.State(watchCtx)
			if err == nil && !st.Running && st.Status != container.StateCreated {
				exit = &exitedError{code: st.ExitCode}
				close(exited)
				return
			}
			select {
			case <-watchCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	err := WaitHealthy(ctx, "http://127.0.0.1:"+hostPort, exited)
	if err == nil {
		return nil
	}
	select {
	case <-exited:
		return exit
	default:
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &notHealthyError{detail: err.Error()}
	}
	return err
}

// sweep removes every container of the run that is still there.
func sweep(p *testcontainers.DockerProvider, runID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.Client().ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", runLabel+"="+runID),
	})
	if err != nil {
		return fmt.Errorf("list the run's containers: %w", err)
	}
	var errs []error
	for _, ctr := range res.Items {
		if _, err := p.Client().ContainerRemove(ctx, ctr.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", ctr.ID, err))
		}
	}
	return errors.Join(errs...)
}

// terminate stops and removes a container; Close calls it.
func terminate(ctr testcontainers.Container) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return ctr.Terminate(ctx, testcontainers.StopTimeout(5*time.Second))
	}
}

// containerLogs reads a container's whole log through testcontainers on
// each call. Once the container is gone it keeps answering with the last
// log it read.
func containerLogs(ctr testcontainers.Container) func() []byte {
	var mu sync.Mutex
	var last []byte
	return func() []byte {
		mu.Lock()
		defer mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if b := readLogs(ctx, ctr); b != nil {
			last = b
		}
		return bytes.Clone(last)
	}
}

func readLogs(ctx context.Context, ctr testcontainers.Container) []byte {
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil && len(b) == 0 {
		return nil
	}
	return b
}

// fakebackendEnv is cmd/fakebackend's environment for the given issuer.
func fakebackendEnv(listenAddr string, is *Issuer, clientSecret string) []string {
	return []string{
		"FAKEBACKEND_LISTEN_ADDR=" + listenAddr,
		"JWT_SECRET_KEY=" + string(is.Secret),
		"JWT_ISSUER=" + is.Issuer,
		"JWT_AUDIENCE=" + is.Audience,
		"MCP_CLIENT_ID=" + DefaultClientID,
		"MCP_CLIENT_SECRET=" + clientSecret,
	}
}

func envMap(kv []string) map[string]string {
	m := make(map[string]string, len(kv))
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return m
}

// portFree fails when a fixed port is taken (0 is never checked).
func portFree(port int) error {
	if port == 0 {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("port 127.0.0.1:%d is in use", port)
	}
	return ln.Close()
}

func portString(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

func portOf(hostport string) string {
	_, port, _ := net.SplitHostPort(hostport)
	return port
}

// oneLine folds a multi-line error (Docker's build output, wrapped
// causes) into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func redact(b []byte, secrets [][]byte) []byte {
	for _, s := range secrets {
		if len(s) > 0 {
			b = bytes.ReplaceAll(b, s, []byte("[secret]"))
		}
	}
	return b
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
