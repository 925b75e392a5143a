package refserver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// MinSecretBytes is the shortest HS256 secret accepted: RFC 7518 §3.2 requires
// a key of at least the hash output size (256 bits).
const MinSecretBytes = 32

// Backend authentication modes (BACKEND_AUTH).
const (
	// BackendAuthExchange trades the caller's token for a backend token at
	// BACKEND_TOKEN_URL (RFC 8693). The default, and the only conformant mode.
	BackendAuthExchange = "exchange"
	// BackendAuthPassthrough forwards the caller's token as is. It violates
	// MCP 2025-06-18 "Token Passthrough" (servers MUST NOT pass through the
	// token they received) and exists only for core apps that cannot
	// exchange; the suite reports it as a violation.
	BackendAuthPassthrough = "passthrough"
)

// DefaultBackendTimeout bounds every backend and token-exchange call.
const DefaultBackendTimeout = 10 * time.Second

// Config is everything the server needs; ConfigFromEnv reads it from the
// target contract's environment variables.
type Config struct {
	ListenAddr     string        // MCP_LISTEN_ADDR
	Secret         []byte        // JWT_SECRET_KEY (required unless JWKSURL is set)
	JWKSURL        string        // JWT_JWKS_URL: verify RS256/ES256 against this JWKS instead of Secret
	Issuer         string        // JWT_ISSUER
	Audience       string        // JWT_AUDIENCE
	BackendURL     string        // BACKEND_API_URL, no trailing slash
	ResourceURL    string        // MCP_RESOURCE_URL; defaults to http://<listen addr>/mcp
	TokenURL       string        // BACKEND_TOKEN_URL (required in exchange mode)
	ClientID       string        // MCP_CLIENT_ID
	ClientSecret   string        // MCP_CLIENT_SECRET
	Leeway         time.Duration // JWT_LEEWAY, default 60s, at most 5 min
	BackendAuth    string        // BACKEND_AUTH: exchange (default) or passthrough
	BackendTimeout time.Duration // BACKEND_TIMEOUT, default 10s
	// ReadHeaderTimeout is MCP_READ_HEADER_TIMEOUT (optional, default
	// DefaultReadHeaderTimeout): how long a client may take to send its
	// request headers before the connection is closed. Tests shorten it so
	// that the slow-client scenario finishes in about a second.
	ReadHeaderTimeout time.Duration
	// AllowedOrigins is MCP_ALLOWED_ORIGINS (optional): origins allowed in
	// the Origin header besides the origin of ResourceURL (origin.go).
	AllowedOrigins []string
}

// ConfigError names the environment variable that is wrong. Its message never
// contains the variable's value, which may be a secret.
type ConfigError struct {
	Var    string
	Reason string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Reason }

// ConfigFromEnv reads the target contract's variables (section 2) through
// getenv, so that tests need not touch the process environment.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		ListenAddr:   getenv("MCP_LISTEN_ADDR"),
		Secret:       []byte(getenv("JWT_SECRET_KEY")),
		JWKSURL:      getenv("JWT_JWKS_URL"),
		Issuer:       getenv("JWT_ISSUER"),
		Audience:     getenv("JWT_AUDIENCE"),
		BackendURL:   getenv("BACKEND_API_URL"),
		ResourceURL:  getenv("MCP_RESOURCE_URL"),
		TokenURL:     getenv("BACKEND_TOKEN_URL"),
		ClientID:     getenv("MCP_CLIENT_ID"),
		ClientSecret: getenv("MCP_CLIENT_SECRET"),
		BackendAuth:  getenv("BACKEND_AUTH"),
		Leeway:       DefaultLeeway,
	}
	if c.ListenAddr == "" {
		c.ListenAddr = "127.0.0.1:8080"
	}
	if v := getenv("JWT_LEEWAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, &ConfigError{"JWT_LEEWAY", "not a duration (e.g. 60s)"}
		}
		c.Leeway = d
	}
	if v := getenv("BACKEND_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, &ConfigError{"BACKEND_TIMEOUT", "not a duration (e.g. 10s)"}
		}
		c.BackendTimeout = d
	}
	if v := getenv("MCP_READ_HEADER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, &ConfigError{"MCP_READ_HEADER_TIMEOUT", "not a duration (e.g. 5s)"}
		}
		c.ReadHeaderTimeout = d
	}
	if v := getenv("MCP_ALLOWED_ORIGINS"); v != "" {
		origins, err := parseOrigins(v)
		if err != nil {
			return c, &ConfigError{"MCP_ALLOWED_ORIGINS", "each entry " + err.Error()}
		}
		c.AllowedOrigins = origins
	}
	if c.ResourceURL == "" {
		c.ResourceURL = "http://" + c.ListenAddr + "/mcp"
	}
	return c, c.Validate()
}

// Validate reports the first wrong setting as a *ConfigError. It fills the
// defaults of optional settings.
func (c *Config) Validate() error {
	if c.BackendAuth == "" {
		c.BackendAuth = BackendAuthExchange
	}
	if c.BackendTimeout == 0 {
		c.BackendTimeout = DefaultBackendTimeout
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.JWKSURL != "" {
		// Contract §2: with a JWKS the secret is not used, so it is not
		// checked either.
		if err := checkJWKSURL(c.JWKSURL); err != nil {
			return &ConfigError{"JWT_JWKS_URL", err.Error()}
		}
	}
	switch {
	case c.JWKSURL == "" && len(c.Secret) == 0:
		return &ConfigError{"JWT_SECRET_KEY", "required (or set JWT_JWKS_URL)"}
	case c.JWKSURL == "" && len(c.Secret) < MinSecretBytes:
		return &ConfigError{"JWT_SECRET_KEY", fmt.Sprintf("must be at least %d bytes (RFC 7518 §3.2)", MinSecretBytes)}
	case c.Issuer == "":
		return &ConfigError{"JWT_ISSUER", "required"}
	case c.Audience == "":
		return &ConfigError{"JWT_AUDIENCE", "required"}
	case c.Leeway < 0 || c.Leeway > MaxLeeway:
		return &ConfigError{"JWT_LEEWAY", "must be between 0s and 5m"}
	case c.BackendTimeout < 0:
		return &ConfigError{"BACKEND_TIMEOUT", "must be positive"}
	case c.ReadHeaderTimeout < 0 || c.ReadHeaderTimeout > MaxReadHeaderTimeout:
		// Past a minute a trickling client holds its connection about as
		// long as it likes: the limit is what stops slowloris.
		return &ConfigError{"MCP_READ_HEADER_TIMEOUT", "must be between 0s and 1m"}
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return &ConfigError{"MCP_LISTEN_ADDR", "must be host:port"}
	}
	if err := checkURL(c.BackendURL); err != nil {
		return &ConfigError{"BACKEND_API_URL", err.Error()}
	}
	if err := checkURL(c.ResourceURL); err != nil {
		return &ConfigError{"MCP_RESOURCE_URL", err.Error()}
	}
	for _, o := range c.AllowedOrigins {
		if _, err := canonicalOrigin(o, false); err != nil {
			return &ConfigError{"MCP_ALLOWED_ORIGINS", "each entry " + err.Error()}
		}
	}
	switch c.BackendAuth {
	case BackendAuthExchange:
		if err := checkURL(c.TokenURL); err != nil {
			return &ConfigError{"BACKEND_TOKEN_URL", err.Error()}
		}
		if c.ClientID == "" {
			return &ConfigError{"MCP_CLIENT_ID", "required for token exchange"}
		}
		if c.ClientSecret == "" {
			return &ConfigError{"MCP_CLIENT_SECRET", "required for token exchange"}
		}
	case BackendAuthPassthrough:
	default:
		return &ConfigError{"BACKEND_AUTH", "must be exchange or passthrough"}
	}
	return nil
}

// checkJWKSURL accepts an absolute http(s) URL; unlike the other URLs it may
// have a query (some issuers publish their keys at one).
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || u.User != nil {
		return errors.New("must be an absolute http(s) URL without credentials or fragment")
	}
	return nil
}

var errNotURL = errors.New("must be an absolute http(s) URL without query, fragment or trailing slash")

func checkURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(u.Path, "/") {
		return errNotURL
	}
	return nil
}
