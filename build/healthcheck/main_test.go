package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTarget(t *testing.T) {
	for _, c := range []struct{ configured, fallback, want string }{
		{"", "127.0.0.1:8080", "127.0.0.1:8080"},
		{"127.0.0.1:18080", "127.0.0.1:8080", "127.0.0.1:18080"},
		{"0.0.0.0:8081", "127.0.0.1:8080", "127.0.0.1:8081"},
		{":8081", "127.0.0.1:8080", "127.0.0.1:8081"},
		{"[::]:8081", "127.0.0.1:8080", "[::1]:8081"},
	} {
		got, err := target(c.configured, c.fallback)
		if err != nil || got != c.want {
			t.Errorf("target(%q, %q) = %q, %v; want %q", c.configured, c.fallback, got, err, c.want)
		}
	}
	if _, err := target("nonsense", "127.0.0.1:8080"); err == nil {
		t.Error("target accepted an address without a port")
	}
}

func TestCheck(t *testing.T) {
	status := http.StatusOK
	var host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host = r.Host
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	if err := check(addr, time.Second); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	if host != "127.0.0.1" {
		t.Errorf("Host header %q; refserver only answers loopback names", host)
	}
	status = http.StatusServiceUnavailable
	if err := check(addr, time.Second); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("503 server: err = %v, want one naming 503", err)
	}

	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if err := check(closed, time.Second); err == nil {
		t.Error("check passed against a closed port")
	}

	// Something that is not HTTP.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH\r\n"))
			c.Close()
		}
	}()
	if err := check(ln.Addr().String(), time.Second); err == nil {
		t.Error("check passed against a non-HTTP server")
	}
}
