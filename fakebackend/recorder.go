package fakebackend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Token kinds of a recorded request.
const (
	kindExchanged   = "exchanged"   // aud core-api: the target exchanged the client's token
	kindPassthrough = "passthrough" // aud has the MCP server's audience: the client's own token
	kindInvalid     = "invalid"     // a credential that failed verification
	kindNone        = "none"        // no Authorization header
	kindExchange    = "exchange"    // a call to /oauth/token
)

// Request is one recorded request to /api/ or /oauth/token.
//
// For /oauth/token, Subject, OrgID and Audience are the subject token's,
// Scopes are the scopes granted, Actor is the authenticated client and
// TokenSHA256 hashes the subject token. Status 0 means no answer was sent:
// a "down" fault, or a client gone during a "slow" one.
type Request struct {
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Query       string   `json:"query"` // values of token-like parameters are redacted
	Status      int      `json:"status"`
	Subject     string   `json:"sub"`
	OrgID       string   `json:"org_id"`
	Scopes      []string `json:"scopes"`
	Audience    []string `json:"aud"`
	Actor       string   `json:"act,omitempty"`
	TokenKind   string   `json:"token_kind"`
	TokenSHA256 string   `json:"token_sha256"`
}

// maxRecorded bounds the recording of a long-running container; the oldest
// requests go first.
const maxRecorded = 10_000

// recorder keeps the last maxRecorded requests in a ring, so that adding one
// costs the same however long the backend has run (a slice shifted on every
// request slowed a long benchmark by a quarter).
type recorder struct {
	mu   sync.Mutex
	reqs []Request // the ring; len(reqs) <= maxRecorded
	next int       // where the next request goes once the ring is full
}

// Requests returns a copy of the recording, oldest first.
func (b *Backend) Requests() []Request {
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	n := len(b.rec.reqs)
	out := make([]Request, 0, n)
	for i := range n {
		r := b.rec.reqs[(b.rec.next+i)%n]
		r.Scopes = slices.Clone(r.Scopes)
		r.Audience = slices.Clone(r.Audience)
		out = append(out, r)
	}
	return out
}

// ResetRecording forgets every recorded request.
func (b *Backend) ResetRecording() {
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	b.rec.reqs, b.rec.next = nil, 0
}

func (rec *recorder) add(r Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) < maxRecorded {
		rec.reqs = append(rec.reqs, r)
		return
	}
	rec.reqs[rec.next] = r
	rec.next = (rec.next + 1) % maxRecorded
}

// entry is the recording of the request in flight. Only the request's own
// goroutine touches it.
type entry struct {
	rec  *recorder
	req  Request
	done bool
}

func (e *entry) setClaims(c *claims) {
	e.req.Subject = c.Subject
	e.req.OrgID = c.OrgID
	e.req.Scopes = c.scopes()
	e.req.Audience = slices.Clone([]string(c.Audience))
	if c.Act != nil {
		e.req.Actor = c.Act.Sub
	}
}

// commit adds the entry to the recording once, with the status the client
// will see.
func (e *entry) commit(status int) {
	if e.done {
		return
	}
	e.done = true
	e.req.Status = status
	e.rec.add(e.req)
}

type entryKey struct{}

// entryFrom returns the entry of the request, or a detached one, so that
// handlers need not care whether they are recorded.
func entryFrom(ctx context.Context) *entry {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		return e
	}
	return &entry{rec: &recorder{}}
}

// record records the request. The entry is committed when the header is
// written, before any byte of the answer leaves, so a client that has its
// answer always finds its request in the recording.
func (b *Backend) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := &entry{rec: &b.rec, req: Request{
			Method: r.Method,
			Path:   r.URL.Path,
			Query:  redactQuery(r.URL.RawQuery),
		}}
		sw := &statusWriter{ResponseWriter: w, onHeader: e.commit}
		defer func() { e.commit(sw.status) }()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), entryKey{}, e)))
	})
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sensitiveParams are query parameters whose values are credentials. A
// token in the query is never accepted, but a faulty target may send one,
// and the recording must not keep it.
var sensitiveParams = []string{"access_token", "token", "id_token", "refresh_token", "subject_token", "client_secret", "code"}

// redactQuery keeps the query as sent, in order, with the value of every
// sensitive parameter, and of anything shaped like a JWT, replaced.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			value = v
		}
		switch {
		case looksLikeJWT(key):
			parts[i] = "REDACTED"
		case slices.Contains(sensitiveParams, strings.ToLower(key)) || looksLikeJWT(value):
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// looksLikeJWT matches a JWS compact serialization: its header is
// base64url JSON, so it starts with "eyJ" (`{"`).
func looksLikeJWT(s string) bool {
	return strings.Contains(s, "eyJ") && strings.Count(s, ".") >= 2
}
