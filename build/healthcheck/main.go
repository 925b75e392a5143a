// Command healthcheck is the HEALTHCHECK of the refserver and fakebackend
// images. They are FROM scratch, with no shell and no curl, so the check is
// this small static binary: it asks GET /healthz of the server in its own
// container and exits 0 on a 200, 1 otherwise.
//
//	healthcheck VAR DEFAULT
//
// VAR names the environment variable that holds the server's listen address
// (MCP_LISTEN_ADDR, FAKEBACKEND_LISTEN_ADDR); DEFAULT is the server's own
// default when VAR is unset. An unspecified host (0.0.0.0, ::) is asked on
// loopback, where such a server also listens.
//
// It speaks HTTP/1.0 over a bare TCP connection instead of using net/http,
// which would triple its size in both images.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

const timeout = 2 * time.Second

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: healthcheck VAR DEFAULT_ADDR")
		os.Exit(2)
	}
	addr, err := target(os.Getenv(os.Args[1]), os.Args[2])
	if err == nil {
		err = check(addr, timeout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck: "+err.Error())
		os.Exit(1)
	}
}

// target is the address to ask: the configured listen address, or the
// default, with an unspecified host replaced by loopback.
func target(configured, fallback string) (string, error) {
	addr := configured
	if addr == "" {
		addr = fallback
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen address %q is not host:port", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// check asks addr for /healthz and wants a 200 status line.
func check(addr string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	// Host must be a loopback name: refserver's MCP transport refuses other
	// Host headers on loopback connections (DNS-rebinding guard).
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return err
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && status == "" {
		return fmt.Errorf("no answer from %s: %w", addr, err)
	}
	// "HTTP/1.1 200 OK": the version may be 1.0 or 1.1.
	fields := strings.Fields(status)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/1.") {
		return errors.New("not an HTTP answer from " + addr)
	}
	if fields[1] != "200" {
		return fmt.Errorf("%s/healthz answered %s", addr, fields[1])
	}
	return nil
}
