package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// ExternalOptions are the choices of a run against a running deployment.
type ExternalOptions struct {
	// AllowRemote lets the suite test a target that is not on this machine
	// (--allow-remote). Without it such a target is refused: the suite sends
	// hostile traffic (forged tokens, oversized requests, load).
	AllowRemote bool
	// Warn receives the one-line warning when a remote target is allowed.
	Warn func(string)
	// Resolver resolves the target's host (nil: net.DefaultResolver).
	Resolver Resolver
	// DialContext connects the health check (nil: a net.Dialer).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrRemote is the error for a remote target without AllowRemote.
type ErrRemote struct{ Host, Addr string }

func (e *ErrRemote) Error() string {
	return fmt.Sprintf("--target-url: %s (%s) is not on this machine; the suite sends hostile traffic (forged tokens, oversized requests, load), so a remote target needs --allow-remote", e.Host, e.Addr)
}

// remoteAddr returns the first address of host that is not a loopback
// address, or "" when every address is loopback.
func remoteAddr(ctx context.Context, host string, r Resolver) (string, error) {
	if host == "localhost" {
		return "", nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return "", nil
		}
		return ip.String(), nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "", fmt.Errorf("--target-url: cannot resolve %q", host)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return a.IP.String(), nil
		}
	}
	return "", nil
}

// gateRemote refuses a remote host unless opts allow it, and then warns.
func gateRemote(ctx context.Context, host string, opts ExternalOptions) error {
	addr, err := remoteAddr(ctx, host, opts.Resolver)
	if err != nil || addr == "" {
		return err
	}
	if !opts.AllowRemote {
		return &ErrRemote{host, addr}
	}
	if opts.Warn != nil {
		opts.Warn(fmt.Sprintf("warning: --allow-remote: the suite will send hostile traffic (forged tokens, oversized requests, load) to %s (%s)", host, addr))
	}
	return nil
}

// healthClient is the HTTP client of the health check.
func (o ExternalOptions) healthClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if o.DialContext != nil {
		tr.DialContext = o.DialContext
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
