package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is the target contract's environment (docs/target-contract.md §2).
type config struct {
	listenAddr     string        // MCP_LISTEN_ADDR
	secret         []byte        // JWT_SECRET_KEY
	issuer         string        // JWT_ISSUER
	audience       string        // JWT_AUDIENCE
	backendURL     string        // BACKEND_API_URL
	resourceURL    string        // MCP_RESOURCE_URL; default http://<listen addr>/mcp
	tokenURL       string        // BACKEND_TOKEN_URL
	clientID       string        // MCP_CLIENT_ID
	clientSecret   string        // MCP_CLIENT_SECRET
	backendTimeout time.Duration // BACKEND_TIMEOUT, default 10s
	// readHeaderTimeout is MCP_READ_HEADER_TIMEOUT (optional): how long a
	// client may take to send its request headers (slowloris).
	readHeaderTimeout time.Duration
	// origins are the origins allowed in the Origin header: that of
	// resourceURL and those of MCP_ALLOWED_ORIGINS (optional).
	origins map[string]bool
}

// minSecretBytes: RFC 7518 §3.2 wants an HS256 key at least as long as the
// hash output.
const minSecretBytes = 32

const (
	defaultBackendTimeout    = 10 * time.Second
	defaultReadHeaderTimeout = 5 * time.Second
	maxReadHeaderTimeout     = time.Minute
)

// configError names the variable that is wrong, never its value (which may
// be a secret).
type configError struct{ name, reason string }

func (e *configError) Error() string { return e.name + ": " + e.reason }

// configFromEnv reads the contract's variables through getenv so that tests
// need not touch the process environment.
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		listenAddr:        getenv("MCP_LISTEN_ADDR"),
		secret:            []byte(getenv("JWT_SECRET_KEY")),
		issuer:            getenv("JWT_ISSUER"),
		audience:          getenv("JWT_AUDIENCE"),
		backendURL:        getenv("BACKEND_API_URL"),
		resourceURL:       getenv("MCP_RESOURCE_URL"),
		tokenURL:          getenv("BACKEND_TOKEN_URL"),
		clientID:          getenv("MCP_CLIENT_ID"),
		clientSecret:      getenv("MCP_CLIENT_SECRET"),
		backendTimeout:    defaultBackendTimeout,
		readHeaderTimeout: defaultReadHeaderTimeout,
	}
	if c.listenAddr == "" {
		c.listenAddr = "127.0.0.1:8080"
	}
	if _, port, err := net.SplitHostPort(c.listenAddr); err != nil || !isPort(port) {
		return c, &configError{"MCP_LISTEN_ADDR", "must be host:port"}
	}
	if v := getenv("BACKEND_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, &configError{"BACKEND_TIMEOUT", "must be a positive duration (e.g. 10s)"}
		}
		c.backendTimeout = d
	}
	if v := getenv("MCP_READ_HEADER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxReadHeaderTimeout {
			return c, &configError{"MCP_READ_HEADER_TIMEOUT", "must be a duration between 0s and 1m (e.g. 5s)"}
		}
		c.readHeaderTimeout = d
	}
	if getenv("JWT_JWKS_URL") != "" {
		// Optional in the contract; refusing it beats silently verifying
		// with the secret instead of the keys the operator asked for.
		return c, &configError{"JWT_JWKS_URL", "not supported by this example (HS256 only)"}
	}
	if c.resourceURL == "" {
		c.resourceURL = "http://" + c.listenAddr + "/mcp"
	}
	origins, err := parseOrigins(getenv("MCP_ALLOWED_ORIGINS"), c.resourceURL)
	if err != nil {
		return c, &configError{"MCP_ALLOWED_ORIGINS", err.Error()}
	}
	c.origins = origins
	switch {
	case len(c.secret) == 0:
		return c, &configError{"JWT_SECRET_KEY", "required"}
	case len(c.secret) < minSecretBytes:
		return c, &configError{"JWT_SECRET_KEY", fmt.Sprintf("must be at least %d bytes (RFC 7518 §3.2)", minSecretBytes)}
	case c.issuer == "":
		return c, &configError{"JWT_ISSUER", "required"}
	case c.audience == "":
		return c, &configError{"JWT_AUDIENCE", "required"}
	case c.clientID == "":
		return c, &configError{"MCP_CLIENT_ID", "required for token exchange"}
	case c.clientSecret == "":
		return c, &configError{"MCP_CLIENT_SECRET", "required for token exchange"}
	}
	for _, u := range []struct{ name, value string }{
		{"BACKEND_API_URL", c.backendURL},
		{"BACKEND_TOKEN_URL", c.tokenURL},
		{"MCP_RESOURCE_URL", c.resourceURL},
	} {
		if err := checkURL(u.value); err != nil {
			return c, &configError{u.name, err.Error()}
		}
	}
	return c, nil
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}

func checkURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/") {
		return errors.New("must be an absolute http(s) URL without credentials, query, fragment or trailing slash")
	}
	return nil
}
