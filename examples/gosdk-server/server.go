package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

const version = "0.1.0"

const wellKnownPRM = "/.well-known/oauth-protected-resource"

// newHandler builds the whole target: /mcp behind the auth middleware,
// the RFC 9728 metadata and /healthz without it.
func newHandler(cfg config, log *slog.Logger) http.Handler {
	httpClient := newHTTPClient(cfg.backendTimeout)
	b := &backend{base: cfg.backendURL, http: httpClient, exchange: newExchanger(cfg, httpClient).token}

	server := mcp.NewServer(&mcp.Implementation{Name: "mcpauthspec-gosdk-example", Version: version},
		&mcp.ServerOptions{Logger: log})
	addTools(server, b)
	// One endpoint, both eras: go-sdk serves MCP 2026-07-28 (no session,
	// per-request _meta, server/discover) only on a stateless handler, and
	// the session revisions (2025-06-18, 2025-11-25) on a stateful one. A
	// request is modern when its MCP-Protocol-Version header or its body's
	// _meta says so (modernRequest); the stateless handler then checks the
	// two against each other (-32020 when they differ). Authorization
	// (below) reads the body, never the header.
	legacy := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Logger: log, SessionTimeout: time.Hour, MaxRequestBodyBytes: maxBodyBytes})
	modern := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Logger: log, Stateless: true, MaxRequestBodyBytes: maxBodyBytes})
	mcpHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if modernRequest(r) {
			// A subscriptions/listen stream is authorized by the token that
			// opened it: it ends at that token's exp. Mcp-Method is checked
			// against the body by the SDK, so a lie gets no stream at all.
			if info := auth.TokenInfoFromContext(r.Context()); info != nil && !info.Expiration.IsZero() &&
				r.Header.Get("Mcp-Method") == "subscriptions/listen" {
				ctx, cancel := context.WithDeadline(r.Context(), info.Expiration)
				defer cancel()
				r = r.WithContext(ctx)
			}
			modern.ServeHTTP(w, r)
			return
		}
		legacy.ServeHTTP(w, r)
	})

	metadataURL := metadataURL(cfg.resourceURL)
	// MCP 2025-06-18 "Authorization Server Location": servers MUST publish
	// RFC 9728 metadata. authorization_servers is JWT_ISSUER, the core app's
	// issuer identifier: RFC 9728 §2 makes each entry an RFC 8414 issuer URL,
	// under which clients fetch the authorization server's own metadata.
	metadata := auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:               cfg.resourceURL,
		AuthorizationServers:   []string{cfg.issuer},
		ScopesSupported:        supportedScopes,
		BearerMethodsSupported: []string{"header"}, // RFC 6750 §2.1 only
		ResourceName:           "mcpauthspec go-sdk example",
	})

	mux := http.NewServeMux()
	v := newVerifier(cfg.secret, cfg.issuer, cfg.audience, nil)
	mux.Handle("/mcp", checkOrigin(cfg.origins, requireBearer(v, metadataURL, streamUntilExpiry(requireToolScope(metadataURL, mcpHandler)))))
	mux.Handle(wellKnownPRM, metadata)
	mux.Handle(wellKnownPRM+"/mcp", metadata)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return accessLog(log, mux)
}

// modernProtocol is the first stateless MCP revision; revisions are dates,
// so they compare as strings.
const modernProtocol = "2026-07-28"

// modernRequest reports whether r belongs to the stateless era: an
// MCP-Protocol-Version header of 2026-07-28 or later, or a POST body whose
// params._meta names a protocol version (only modern requests carry one).
// The body is in memory by now (requireToolScope read it) and is put back.
func modernRequest(r *http.Request) bool {
	if r.Header.Get("MCP-Protocol-Version") >= modernProtocol {
		return true
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var msg struct {
		Params struct {
			Meta map[string]json.RawMessage `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return false
	}
	_, ok := msg.Params.Meta["io.modelcontextprotocol/protocolVersion"]
	return ok
}

// metadataURL is where the metadata of resource lives: RFC 9728 §3.1 puts
// the well-known segment between host and path, so http://h/mcp becomes
// http://h/.well-known/oauth-protected-resource/mcp.
func metadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return resource
	}
	u.Path = wellKnownPRM + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// accessLog writes one line per request: method, path, status, latency,
// and the user and refusal reason the auth middleware found. Never a header
// or the query string, where a client may have put a token. Refusals are
// Warn and server errors Error, so a valid flow logs no error line.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		st := &authState{}
		next.ServeHTTP(rec, r.WithContext(withAuthState(r.Context(), st)))
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case rec.status >= 400:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("latency", time.Since(start)),
		}
		if st.claims != nil {
			attrs = append(attrs, slog.String("user", st.claims.Subject), slog.String("org", st.claims.OrgID))
		}
		if st.reason != "" {
			attrs = append(attrs, slog.String("reason", st.reason))
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.written {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Flush on the real writer: the
// SDK flushes every server-sent event through it.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
