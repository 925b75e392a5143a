// Command gosdk-stock is the target contract's MCP server written on the
// official Go SDK the way its documentation shows, and no further: the
// SDK's auth.RequireBearerToken with a golang-jwt TokenVerifier modelled on
// the SDK's examples/server/auth-middleware, auth.ProtectedResourceMetadataHandler
// for RFC 9728, mcp.NewStreamableHTTPHandler, and http.ListenAndServe.
//
// It is deliberately NOT hardened against the conformance suite: it is the
// suite's second opinion on what a stock server gets wrong, and on where
// the suite is wrong about a stock server (docs/stock-servers.md). Compare
// examples/gosdk-server, which fixes what this one leaves as the SDK does
// it. It imports nothing from this repository.
//
// Configuration (target contract §2): MCP_LISTEN_ADDR, JWT_SECRET_KEY,
// JWT_ISSUER, JWT_AUDIENCE, BACKEND_API_URL, BACKEND_TOKEN_URL,
// MCP_CLIENT_ID, MCP_CLIENT_SECRET; optional MCP_RESOURCE_URL,
// BACKEND_TIMEOUT, and JWT_JWKS_URL (then tokens are verified against that
// JWK Set with github.com/MicahParks/keyfunc, as its README shows).
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

type config struct {
	listenAddr   string
	secret       []byte
	jwksURL      string
	issuer       string
	audience     string
	resourceURL  string
	backendURL   string
	tokenURL     string
	clientID     string
	clientSecret string
	timeout      time.Duration
}

func loadConfig() (config, error) {
	c := config{
		listenAddr:   os.Getenv("MCP_LISTEN_ADDR"),
		secret:       []byte(os.Getenv("JWT_SECRET_KEY")),
		jwksURL:      os.Getenv("JWT_JWKS_URL"),
		issuer:       os.Getenv("JWT_ISSUER"),
		audience:     os.Getenv("JWT_AUDIENCE"),
		resourceURL:  os.Getenv("MCP_RESOURCE_URL"),
		backendURL:   strings.TrimSuffix(os.Getenv("BACKEND_API_URL"), "/"),
		tokenURL:     os.Getenv("BACKEND_TOKEN_URL"),
		clientID:     os.Getenv("MCP_CLIENT_ID"),
		clientSecret: os.Getenv("MCP_CLIENT_SECRET"),
		timeout:      10 * time.Second,
	}
	required := map[string]string{
		"MCP_LISTEN_ADDR": c.listenAddr, "JWT_ISSUER": c.issuer,
		"JWT_AUDIENCE": c.audience, "BACKEND_API_URL": c.backendURL, "BACKEND_TOKEN_URL": c.tokenURL,
		"MCP_CLIENT_ID": c.clientID, "MCP_CLIENT_SECRET": c.clientSecret,
	}
	if c.jwksURL == "" {
		required["JWT_SECRET_KEY"] = string(c.secret)
	}
	for name, v := range required {
		if v == "" {
			return c, fmt.Errorf("%s is required", name)
		}
	}
	if s := os.Getenv("BACKEND_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("BACKEND_TIMEOUT: not a positive duration")
		}
		c.timeout = d
	}
	if c.resourceURL == "" {
		c.resourceURL = "http://" + c.listenAddr + "/mcp"
	}
	return c, nil
}

func main() {
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosdk-stock:", err)
		os.Exit(2)
	}

	verifier, err := newVerifier(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosdk-stock:", err)
		os.Exit(2)
	}

	server := mcp.NewServer(&mcp.Implementation{Name: "gosdk-stock", Version: "0.1.0"}, nil)
	addTools(server, newBackend(cfg))
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)

	// The metadata URL the challenge points to (RFC 9728 §3.1: the
	// well-known segment goes between host and path).
	metadataURL := strings.Replace(cfg.resourceURL, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1)
	authMiddleware := auth.RequireBearerToken(verifier, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: metadataURL,
	})

	metadata := auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:             cfg.resourceURL,
		AuthorizationServers: []string{cfg.issuer},
		ScopesSupported:      []string{"read", "write", "admin"},
	})

	mux := http.NewServeMux()
	mux.Handle("/mcp", authMiddleware(handler))
	mux.Handle("/.well-known/oauth-protected-resource", metadata)
	mux.Handle("/.well-known/oauth-protected-resource/mcp", metadata)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})

	log.Printf("gosdk-stock listening on %s (resource %s)", cfg.listenAddr, cfg.resourceURL)
	log.Fatal(http.ListenAndServe(cfg.listenAddr, mux))
}
