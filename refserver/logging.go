package refserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// requestInfo collects what the access log line reports. The auth middleware
// fills user, org and reason; nothing in it can hold a token.
type requestInfo struct {
	user, org, reason string
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// accessLog writes one line per request: method, path, status, user,
// organization, latency and, for a refusal, its reason. Refusals are Warn,
// server errors Error, everything else Info, so that a valid flow never
// writes an error-level line. The query string is left out: a client may
// have put a token there.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))

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
		if info.user != "" {
			attrs = append(attrs, slog.String("user", info.user), slog.String("org", info.org))
		}
		if info.reason != "" {
			attrs = append(attrs, slog.String("reason", info.reason))
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

func (s *statusRecorder) Flush() {
	s.written = true
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
