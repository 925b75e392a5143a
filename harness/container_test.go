package harness

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
	"go.yaml.in/yaml/v3"
)

func TestContainerOptions(t *testing.T) {
	c, err := newContainerConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.network != "" || c.startTimeout != DefaultStartTimeout || c.runID == "" {
		t.Errorf("defaults: %+v; the network mode is left to the engine", c)
	}
	// The environment's choice comes before the caller's options.
	t.Setenv(networkEnv, NetworkBridge)
	if c, err := newContainerConfig(nil); err != nil || c.network != NetworkBridge {
		t.Errorf("%s=bridge: network %q, %v", networkEnv, c.network, err)
	}
	if c, err := newContainerConfig([]ContainerOption{WithNetworkMode(NetworkHost)}); err != nil || c.network != NetworkHost {
		t.Errorf("%s=bridge, then WithNetworkMode(host): network %q, %v", networkEnv, c.network, err)
	}
	t.Setenv(networkEnv, "hostt")
	if _, err := newContainerConfig(nil); err == nil || !strings.Contains(err.Error(), networkEnv) {
		t.Errorf("%s=hostt: err = %v, want one naming the variable", networkEnv, err)
	}
	t.Setenv(networkEnv, "")
	// The caller's options come after the defaults, in order.
	c, err = newContainerConfig([]ContainerOption{
		WithNetworkMode(NetworkBridge), WithNetworkMode(NetworkHost),
		WithStartTimeout(3 * time.Second), WithPorts(18080, 18081),
		WithEnv("BACKEND_AUTH=passthrough", "JWT_LEEWAY=0s"), WithEnv("JWT_LEEWAY=5s"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.network != NetworkHost || c.startTimeout != 3*time.Second || c.mcpPort != 18080 || c.backendPort != 18081 ||
		c.env["BACKEND_AUTH"] != "passthrough" || c.env["JWT_LEEWAY"] != "5s" {
		t.Errorf("options not applied in order: %+v", c)
	}
	for name, o := range map[string]ContainerOption{
		"unknown network":   WithNetworkMode("overlay"),
		"zero timeout":      WithStartTimeout(0),
		"port out of range": WithPorts(70000, 0),
		"shared port":       WithPorts(18080, 18080),
		"env without =":     WithEnv("BACKEND_AUTH"),
		"env without key":   WithEnv("=x"),
	} {
		if _, err := newContainerConfig([]ContainerOption{o}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckEngineLocal(t *testing.T) {
	for _, c := range []struct {
		host, override string
		ok             bool
	}{
		{"unix:///var/run/docker.sock", "", true},
		{"unix:///Users/me/.docker/run/docker.sock", "", true},
		{"npipe:////./pipe/docker_engine", "", true},
		{"tcp://127.0.0.1:2375", "", true},
		{"tcp://localhost:2375", "", true},
		{"tcp://[::1]:2375", "", true},
		{"unix:///var/run/docker.sock", "127.0.0.1", true},
		{"tcp://10.0.0.5:2376", "", false},
		{"tcp://192.168.1.20:2375", "", false},
		{"ssh://me@build-box", "", false},
		// testcontainers' guess inside a container: the default gateway.
		{"unix:///var/run/docker.sock", "172.17.0.1", false},
	} {
		err := checkEngineLocal(c.host, c.override)
		if (err == nil) != c.ok {
			t.Errorf("checkEngineLocal(%q, %q) = %v, want ok=%v", c.host, c.override, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("checkEngineLocal(%q, %q): not one line: %q", c.host, c.override, err)
		}
	}
}

func TestContractEnv(t *testing.T) {
	is := testIssuer(t)
	env := envMap(contractEnv("127.0.0.1:1", "http://127.0.0.1:1/mcp", "http://127.0.0.1:2", is, "client-secret"))
	// target-contract.md section 2 (JWT_JWKS_URL is optional and unused).
	for k, want := range map[string]string{
		"MCP_LISTEN_ADDR":   "127.0.0.1:1",
		"JWT_SECRET_KEY":    string(is.Secret),
		"JWT_ISSUER":        is.Issuer,
		"JWT_AUDIENCE":      is.Audience,
		"BACKEND_API_URL":   "http://127.0.0.1:2",
		"MCP_RESOURCE_URL":  "http://127.0.0.1:1/mcp",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:2/oauth/token",
		"MCP_CLIENT_ID":     DefaultClientID,
		"MCP_CLIENT_SECRET": "client-secret",
		"BACKEND_TIMEOUT":   "1s",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	fb := envMap(fakebackendEnv("127.0.0.1:2", is, "client-secret"))
	for _, k := range []string{"JWT_SECRET_KEY", "JWT_ISSUER", "JWT_AUDIENCE", "MCP_CLIENT_ID", "MCP_CLIENT_SECRET"} {
		if fb[k] != env[k] {
			t.Errorf("fake backend's %s = %q, refserver's %q: they must agree", k, fb[k], env[k])
		}
	}
	if fb["FAKEBACKEND_LISTEN_ADDR"] != "127.0.0.1:2" {
		t.Errorf("FAKEBACKEND_LISTEN_ADDR = %q", fb["FAKEBACKEND_LISTEN_ADDR"])
	}
}

// testStack is a stack as StartContainers sets it up, without an engine.
func testStack(t *testing.T, opts ...ContainerOption) *stack {
	t.Helper()
	c, err := newContainerConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{c: c, images: &ContainerImages{Refserver: "r:1", Fakebackend: "f:1"}, is: testIssuer(t), clientSecret: "cs"}
	if err := s.ports(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContainerRequestsHost(t *testing.T) {
	s := testStack(t, WithNetworkMode(NetworkHost), WithEnv("BACKEND_AUTH=passthrough"))
	if s.mcpPort == 0 || s.backendPort == 0 || s.mcpPort == s.backendPort {
		t.Fatalf("ports %d, %d", s.mcpPort, s.backendPort)
	}
	fb := s.backendRequest()
	hc := &container.HostConfig{}
	fb.HostConfigModifier(hc)
	if hc.NetworkMode != "host" || len(fb.ExposedPorts) != 0 {
		t.Errorf("fake backend: network %q, exposed %v; want host networking, nothing published", hc.NetworkMode, fb.ExposedPorts)
	}
	if got, want := fb.Env["FAKEBACKEND_LISTEN_ADDR"], "127.0.0.1:"+strconv.Itoa(s.backendPort); got != want {
		t.Errorf("FAKEBACKEND_LISTEN_ADDR = %q, want %q", got, want)
	}
	if fb.Image != "f:1" || fb.Labels[runLabel] != s.c.runID {
		t.Errorf("fake backend image %q labels %v", fb.Image, fb.Labels)
	}

	rs := s.refserverRequest("", nil)
	hc = &container.HostConfig{}
	rs.HostConfigModifier(hc)
	if hc.NetworkMode != "host" {
		t.Errorf("refserver network %q", hc.NetworkMode)
	}
	for k, want := range map[string]string{
		"MCP_LISTEN_ADDR":  "127.0.0.1:" + strconv.Itoa(s.mcpPort),
		"MCP_RESOURCE_URL": "http://127.0.0.1:" + strconv.Itoa(s.mcpPort) + "/mcp",
		"BACKEND_API_URL":  "http://127.0.0.1:" + strconv.Itoa(s.backendPort),
		"BACKEND_AUTH":     "passthrough",
	} {
		if rs.Env[k] != want {
			t.Errorf("refserver %s = %q, want %q", k, rs.Env[k], want)
		}
	}
	if h, ok := rs.WaitingFor.(healthz); !ok || h.port != strconv.Itoa(s.mcpPort) || h.owner != nil {
		t.Errorf("refserver waits with %#v", rs.WaitingFor)
	}
}

func TestContainerRequestsBridge(t *testing.T) {
	s := testStack(t, WithNetworkMode(NetworkBridge), WithPorts(0, 28081))
	fb := s.backendRequest()
	hc := &container.HostConfig{}
	fb.HostConfigModifier(hc)
	if hc.NetworkMode != "bridge" {
		t.Errorf("fake backend network %q", hc.NetworkMode)
	}
	// Both ports are published by the fake backend, which owns the
	// namespace, and only on the host's loopback.
	want := map[string]string{"8080/tcp": "", "18081/tcp": "28081"}
	if len(fb.ExposedPorts) != 2 || len(hc.PortBindings) != 2 {
		t.Fatalf("exposed %v, bindings %v", fb.ExposedPorts, hc.PortBindings)
	}
	for port, hostPort := range want {
		b := hc.PortBindings[network.MustParsePort(port)]
		if len(b) != 1 || b[0].HostIP.String() != "127.0.0.1" || b[0].HostPort != hostPort {
			t.Errorf("%s bound to %+v, want 127.0.0.1:%q", port, b, hostPort)
		}
	}
	if fb.Env["FAKEBACKEND_LISTEN_ADDR"] != "0.0.0.0:18081" {
		t.Errorf("FAKEBACKEND_LISTEN_ADDR = %q: inside its namespace it must take the published traffic", fb.Env["FAKEBACKEND_LISTEN_ADDR"])
	}

	s.mcpBaseURL = "http://127.0.0.1:49153" // as resolveBridgePorts sets it
	owner := &fakeTarget{}
	rs := s.refserverRequest("abc123", owner)
	hc = &container.HostConfig{}
	rs.HostConfigModifier(hc)
	if hc.NetworkMode != "container:abc123" || len(rs.ExposedPorts) != 0 {
		t.Errorf("refserver network %q exposed %v; want the fake backend's namespace", hc.NetworkMode, rs.ExposedPorts)
	}
	for k, want := range map[string]string{
		"MCP_LISTEN_ADDR":  "0.0.0.0:8080",
		"MCP_RESOURCE_URL": "http://127.0.0.1:49153/mcp",
		"BACKEND_API_URL":  "http://127.0.0.1:18081",
	} {
		if rs.Env[k] != want {
			t.Errorf("refserver %s = %q, want %q", k, rs.Env[k], want)
		}
	}
	if h, ok := rs.WaitingFor.(healthz); !ok || h.port != "8080" || h.owner != owner {
		t.Errorf("refserver waits with %#v; want /healthz through the fake backend's published port", rs.WaitingFor)
	}
}

// fakeTarget is a container for the wait strategy: it publishes port (the
// same number as inside) and has exited once exitCode is set.
type fakeTarget struct {
	wait.StrategyTarget
	port     uint16
	exitCode atomic.Int32 // 0: running; n: exited with n-1
}

func (f *fakeTarget) MappedPort(context.Context, string) (network.Port, error) {
	if f.port == 0 {
		return network.Port{}, errors.New("not published yet")
	}
	p, _ := network.PortFrom(f.port, network.TCP)
	return p, nil
}

func (f *fakeTarget) State(context.Context) (*container.State, error) {
	if c := f.exitCode.Load(); c != 0 {
		return &container.State{Status: container.StateExited, ExitCode: int(c - 1)}, nil
	}
	return &container.State{Status: container.StateRunning, Running: true}, nil
}

func TestHealthzStrategy(t *testing.T) {
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && healthy.Load() {
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	port := uint16(srv.Listener.Addr().(*net.TCPAddr).Port)
	ctx := context.Background()

	t.Run("healthy after a while", func(t *testing.T) {
		target := &fakeTarget{port: port}
		time.AfterFunc(200*time.Millisecond, func() { healthy.Store(true) })
		defer healthy.Store(false)
		if err := (healthz{port: "x", timeout: 5 * time.Second}).WaitUntilReady(ctx, target); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("never healthy", func(t *testing.T) {
		target := &fakeTarget{port: port}
		err := healthz{port: "x", timeout: 300 * time.Millisecond}.WaitUntilReady(ctx, target)
		var nh *notHealthyError
		if !errors.As(err, &nh) || !strings.Contains(nh.detail, "never answered 200") {
			t.Fatalf("err = %v, want a notHealthyError", err)
		}
	})
	t.Run("exits", func(t *testing.T) {
		target := &fakeTarget{port: port}
		time.AfterFunc(100*time.Millisecond, func() { target.exitCode.Store(2 + 1) })
		start := time.Now()
		err := healthz{port: "x", timeout: 10 * time.Second}.WaitUntilReady(ctx, target)
		var ex *exitedError
		if !errors.As(err, &ex) || ex.code != 2 {
			t.Fatalf("err = %v, want exit code 2", err)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("took %s: an exited container must not wait out the timeout", time.Since(start))
		}
	})
	t.Run("port never published", func(t *testing.T) {
		err := healthz{port: "x", timeout: 200 * time.Millisecond}.WaitUntilReady(ctx, &fakeTarget{})
		var nh *notHealthyError
		if !errors.As(err, &nh) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("through the namespace owner", func(t *testing.T) {
		healthy.Store(true)
		defer healthy.Store(false)
		// refserver on the bridge publishes nothing itself.
		err := healthz{port: "8080", owner: &fakeTarget{port: port}, timeout: 2 * time.Second}.WaitUntilReady(ctx, &fakeTarget{})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAutoNetwork(t *testing.T) {
	for _, c := range []struct{ goos, engineOS, want string }{
		{"linux", "Debian GNU/Linux 12 (bookworm)", NetworkHost},
		{"linux", "Ubuntu 24.04 LTS", NetworkHost},
		{"linux", "Docker Desktop", NetworkBridge},
		{"darwin", "Docker Desktop", NetworkBridge},
		{"windows", "Docker Desktop", NetworkBridge},
		{"darwin", "Alpine Linux v3.20", NetworkBridge}, // colima and friends: a VM too
	} {
		if got := autoNetwork(c.goos, c.engineOS); got != c.want {
			t.Errorf("autoNetwork(%q, %q) = %q, want %q", c.goos, c.engineOS, got, c.want)
		}
	}
}

func TestGoArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "amd64": "amd64", "arm64": "arm64"} {
		if got := goArch(in); got != want {
			t.Errorf("goArch(%q) = %q, want %q", in, got, want)
		}
	}
}

// needDocker skips without an engine, or fails with
// MCPAUTHSPEC_REQUIRE_DOCKER=1 (as the root package's container suite).
func needDocker(t *testing.T) {
	t.Helper()
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	tclog.SetDefault(tclog.NewNoopLogger())
	err := DockerAvailable(context.Background())
	if err == nil {
		return
	}
	if os.Getenv("MCPAUTHSPEC_REQUIRE_DOCKER") == "1" {
		t.Fatalf("MCPAUTHSPEC_REQUIRE_DOCKER=1, but %v", err)
	}
	t.Skipf("skipped: %v (MCPAUTHSPEC_REQUIRE_DOCKER=1 makes this a failure)", err)
}

// leftovers lists the containers of one run, running or not.
func leftovers(t *testing.T, cli client.APIClient, runID string) []string {
	t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", runLabel+"="+runID),
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Items {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names
}

// TestStartContainersFailures checks that every way a start can fail is one
// clear line (plus the container's last log lines) and leaves nothing
// behind.
func TestStartContainersFailures(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	images, err := BuildContainerImages(ctx, WithLogger(tclog.TestLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	cli := images.provider.Client()
	t.Cleanup(func() {
		if err := images.Remove(context.Background()); err != nil {
			t.Error(err)
		}
		if _, err := cli.ImageInspect(context.Background(), images.Refserver); err == nil {
			t.Errorf("image %s survived Remove", images.Refserver)
		}
	})

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	otherPort, err := freeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name  string
		opts  []ContainerOption
		first string   // the error's first line starts so
		more  []string // and the error contains these
	}{{
		name:  "refserver exits on a configuration error",
		opts:  []ContainerOption{WithEnv("BACKEND_TIMEOUT=soon")},
		first: "refserver container exited with code 2 before it became healthy; its last log lines:",
		more:  []string{"BACKEND_TIMEOUT: not a duration"},
	}, {
		name:  "refserver never becomes healthy",
		opts:  []ContainerOption{WithEnv("MCP_LISTEN_ADDR=127.0.0.1:" + strconv.Itoa(otherPort)), WithStartTimeout(2 * time.Second)},
		first: "refserver container never became healthy within 2s: ",
		more:  []string{"never answered 200", "msg=listening addr=127.0.0.1:" + strconv.Itoa(otherPort)},
	}, {
		name:  "refserver's port is taken after the harness chose it",
		opts:  []ContainerOption{WithEnv("MCP_LISTEN_ADDR=127.0.0.1:" + strconv.Itoa(busyPort))},
		first: "refserver container exited with code 2 before it became healthy",
		more:  []string{"address already in use"},
	}, {
		name:  "a fixed port in use",
		opts:  []ContainerOption{WithPorts(0, busyPort)},
		first: "port 127.0.0.1:" + strconv.Itoa(busyPort) + " is in use",
	}} {
		t.Run(c.name, func(t *testing.T) {
			runID := randomHex(6)
			opts := append([]ContainerOption{WithImages(images), WithLogger(tclog.TestLogger(t)),
				func(cc *containerConfig) error { cc.runID = runID; return nil }}, c.opts...)
			start := time.Now()
			target, err := StartContainers(ctx, opts...)
			if target != nil {
				defer func() {
					if cerr := target.Close(); cerr != nil {
						t.Errorf("Close: %v", cerr)
					}
				}()
			}
			if err == nil {
				t.Fatal("started")
			}
			// StartContainers cleans up after a failure itself, before the
			// caller's Close.
			if left := leftovers(t, cli, runID); len(left) > 0 {
				t.Errorf("containers left behind: %v", left)
			}
			t.Logf("after %s:\n%v", time.Since(start).Round(time.Millisecond), err)
			msg := err.Error()
			if first, _, _ := strings.Cut(msg, "\n"); !strings.HasPrefix(first, c.first) {
				t.Errorf("first line %q, want it to start with %q", first, c.first)
			}
			for _, m := range c.more {
				if !strings.Contains(msg, m) {
					t.Errorf("error lacks %q", m)
				}
			}
			if target != nil && strings.Contains(msg, string(target.Issuer.Secret)) {
				t.Error("the error shows the signing secret")
			}
		})
	}
}

// TestBuildFailures checks the build errors: not the source tree, a
// compile error, a Dockerfile the engine rejects. None leaves an image.
func TestBuildFailures(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	module := "module github.com/mcpauthspec/mcpauthspec\n\ngo 1.21\n"
	hello := "package main\n\nfunc main() {}\n"
	tree := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	mains := map[string]string{
		"go.mod":                       module,
		"cmd/refserver/main.go":        hello,
		"cmd/fakebackend/main.go":      hello,
		"build/healthcheck/main.go":    hello,
		"build/fakebackend.Dockerfile": "FROM scratch\nCOPY fakebackend /\n",
	}
	broken := map[string]string{}
	for k, v := range mains {
		broken[k] = v
	}
	broken["cmd/refserver/main.go"] = "package main\n\nfunc main() { undefinedCall() }\n"
	badDockerfile := map[string]string{"build/refserver.Dockerfile": "FROM scratch\nCOPY no-such-binary /\n"}
	for k, v := range mains {
		badDockerfile[k] = v
	}

	for _, c := range []struct {
		name, dir, first, more string
	}{
		{"not the source tree", t.TempDir(), "", "is not the mcpauthspec source tree"},
		{"compile error", tree(t, broken), "compiling the images' binaries failed", "undefinedCall"},
		{"Dockerfile error", tree(t, badDockerfile), "building image refserver failed", "no-such-binary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			runID := randomHex(6)
			target, err := StartContainers(ctx, WithSourceDir(c.dir), WithLogger(tclog.TestLogger(t)),
				func(cc *containerConfig) error { cc.runID = runID; return nil })
			if target != nil {
				_ = target.Close()
			}
			if err == nil {
				t.Fatal("started")
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), c.first) || !strings.Contains(err.Error(), c.more) {
				t.Errorf("err = %q, want %q … %q", err, c.first, c.more)
			}
			cfg := defaultContainerConfig()
			p, perr := newProvider(ctx, &cfg)
			if perr != nil {
				t.Fatal(perr)
			}
			defer p.Close()
			for _, name := range []string{"refserver", "fakebackend"} {
				ref := imageRepo + "-" + name + ":" + runID
				if _, err := p.Client().ImageInspect(ctx, ref); err == nil {
					t.Errorf("image %s left behind", ref)
				}
			}
		})
	}
}

// TestComposeProfile keeps docker-compose.test.yml, its profile and the
// harness in step: the profile names the stack's URLs, issuer, secret
// variable and the fake backend's seed, and refserver's service gets every
// variable the harness gives the targets it starts.
func TestComposeProfile(t *testing.T) {
	p, err := LoadProfile("../examples/profiles/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Fixtures != SeedFixtures() {
		t.Errorf("profile fixtures %+v, the fake backend's seed is %+v", p.Fixtures, SeedFixtures())
	}
	raw, err := os.ReadFile("../docker-compose.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	ref, fb := file.Services["refserver"].Environment, file.Services["fakebackend"].Environment
	for k := range envMap(contractEnv("a", "b", "c", testIssuer(t), "d")) {
		if _, ok := ref[k]; !ok {
			t.Errorf("refserver's service lacks %s", k)
		}
	}
	secretRef := "${" + p.SecretEnv + ":?"
	for name, env := range map[string]map[string]string{"refserver": ref, "fakebackend": fb} {
		if !strings.HasPrefix(env["JWT_SECRET_KEY"], secretRef) {
			t.Errorf("%s's JWT_SECRET_KEY = %q, want it from the profile's secret_env %s", name, env["JWT_SECRET_KEY"], p.SecretEnv)
		}
		if env["JWT_ISSUER"] != p.Issuer || env["JWT_AUDIENCE"] != p.Audience {
			t.Errorf("%s's issuer/audience %q/%q, the profile's %q/%q", name, env["JWT_ISSUER"], env["JWT_AUDIENCE"], p.Issuer, p.Audience)
		}
	}
	if ref["MCP_RESOURCE_URL"] != p.TargetURL {
		t.Errorf("refserver's MCP_RESOURCE_URL %q, the profile's target_url %q", ref["MCP_RESOURCE_URL"], p.TargetURL)
	}
	if want := strings.TrimPrefix(p.BackendAdminURL, "http://"); fb["FAKEBACKEND_LISTEN_ADDR"] != want || ref["BACKEND_API_URL"] != p.BackendAdminURL {
		t.Errorf("fake backend on %q, refserver's backend %q, the profile's backend_admin_url %q",
			fb["FAKEBACKEND_LISTEN_ADDR"], ref["BACKEND_API_URL"], p.BackendAdminURL)
	}
	if !strings.HasPrefix(p.TargetURL, "http://"+ref["MCP_LISTEN_ADDR"]+"/") {
		t.Errorf("refserver listens on %q, the profile's target_url is %q", ref["MCP_LISTEN_ADDR"], p.TargetURL)
	}
}
