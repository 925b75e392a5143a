package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// CommandOptions adjust a target started as a subprocess.
type CommandOptions struct {
	// StartTimeout bounds the wait for /healthz (default 30 s).
	StartTimeout time.Duration
	// Env is added to the contract's environment (e.g. BACKEND_AUTH).
	Env []string
	// JWKS starts the suite's JWKS endpoint (Target.Keys) and adds
	// JWT_JWKS_URL to the environment: the target must then verify RS256
	// and ES256 tokens against it (contract §2, §3).
	JWKS bool
}

// StartCommand starts the fake backend in this process, then runs command
// (through /bin/sh -c, so that "go run ./cmd/refserver" works) with the
// target contract's environment on a free loopback port, and waits for its
// /healthz. The command's stdout and stderr are captured for the hygiene
// scenarios; Close stops its whole process group.
func StartCommand(ctx context.Context, command string, opts CommandOptions) (t *Target, err error) {
	if command == "" {
		return nil, errors.New("--target-cmd: empty command")
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	t, clientSecret, err := newLocalTarget("command")
	if err != nil {
		return t, err
	}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	is, backendURL := t.Issuer, t.BackendURL
	t.AllowedOrigin = TestOrigin

	port, err := freeLoopbackPort()
	if err != nil {
		return t, fmt.Errorf("no free loopback port: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	t.BaseURL = "http://" + addr
	t.MCPURL = t.BaseURL + "/mcp"

	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(), contractEnv(addr, t.MCPURL, backendURL, is, clientSecret)...)
	if opts.JWKS {
		if t.Keys, err = StartKeySet(); err != nil {
			return t, err
		}
		t.backendKeys.ks.Store(t.Keys)
		t.onClose(t.Keys.Close)
		cmd.Env = append(cmd.Env, t.Keys.Env()...)
		t.fake.SetJWKSURL(t.Keys.URL())
	}
	cmd.Env = append(cmd.Env, opts.Env...)
	logs := &logBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	// Its own process group, so that Close also stops what the shell (or
	// go run) started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return t, fmt.Errorf("--target-cmd: %w", err)
	}
	t.Logs = logs.Bytes
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.onClose(func() error {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		return nil
	})

	waitCtx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := WaitHealthy(waitCtx, t.BaseURL, exited); err != nil {
		if out := lastLines(logs.Bytes(), 10, is.Secret); out != "" {
			return t, fmt.Errorf("--target-cmd: %w; its last output:\n%s", err, out)
		}
		return t, fmt.Errorf("--target-cmd: %w (it printed nothing)", err)
	}
	return t, nil
}

// contractEnv is the target contract's environment (section 2) for a target
// listening on listenAddr, announcing resourceURL, with the fake backend at
// backendURL, plus the harness's short timeouts: what every target the
// harness starts (command, container) gets.
func contractEnv(listenAddr, resourceURL, backendURL string, is *Issuer, clientSecret string) []string {
	return []string{
		"MCP_LISTEN_ADDR=" + listenAddr,
		"JWT_SECRET_KEY=" + string(is.Secret),
		"JWT_ISSUER=" + is.Issuer,
		"JWT_AUDIENCE=" + is.Audience,
		"BACKEND_API_URL=" + backendURL,
		"MCP_RESOURCE_URL=" + resourceURL,
		"BACKEND_TOKEN_URL=" + backendURL + "/oauth/token",
		"MCP_CLIENT_ID=" + DefaultClientID,
		"MCP_CLIENT_SECRET=" + clientSecret,
		"BACKEND_TIMEOUT=" + BackendTimeout.String(),
		"MCP_READ_HEADER_TIMEOUT=" + ReadHeaderTimeout.String(),
		"MCP_ALLOWED_ORIGINS=" + TestOrigin,
	}
}
