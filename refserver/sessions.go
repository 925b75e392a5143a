package refserver

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// sessionStore issues MCP session ids and remembers who created each one.
//
// The MCP transport (2025-06-18 "Session Management") lets any holder of an
// Mcp-Session-Id continue a session, and the security best practices
// ("Session Hijacking") require that servers bind session ids to user
// information and never use sessions for authentication. So every request is
// authenticated on its own, and a session created by one user is refused to
// any other (see owns), answered like an unknown session so that a session
// id cannot be probed.
//
// It implements mcp-go's server.SessionIdManager.
type sessionStore struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]*sessionEntry
	swept   time.Time
	match   SessionOwnerMatch
}

type sessionEntry struct {
	owner    *Claims // nil until the initialize response is written
	lastSeen time.Time
}

// SessionOwnerMatch reports whether caller may use a session that owner's
// token opened. It is a seam of the server (WithSessionOwnerMatch); the
// default is SameUser.
type SessionOwnerMatch func(owner, caller *Claims) bool

// SameUser identifies a user across tokens: the same user with a fresh token
// keeps the session, another user or organization does not (MCP 2025-06-18
// Security Best Practices, Session Hijacking: bind session ids to
// user-specific information derived from the token).
func SameUser(owner, caller *Claims) bool { return ownerOf(owner) == ownerOf(caller) }

type sessionOwner struct{ issuer, subject, orgID string }

func ownerOf(c *Claims) sessionOwner { return sessionOwner{c.Issuer, c.Subject, c.OrgID} }

var errUnknownSession = errors.New("unknown session")

// defaultSessionTTL bounds how long an idle session is remembered.
const defaultSessionTTL = time.Hour

func newSessionStore() *sessionStore {
	return &sessionStore{ttl: defaultSessionTTL, now: time.Now, entries: map[string]*sessionEntry{}, match: SameUser}
}

// Generate returns a fresh unguessable id (128 random bits).
func (s *sessionStore) Generate() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.entries[id] = &sessionEntry{lastSeen: s.now()}
	return id
}

// Validate reports whether id was issued and is still alive.
func (s *sessionStore) Validate(id string) (isTerminated bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[id]; !ok {
		return false, errUnknownSession
	}
	return false, nil
}

// Terminate forgets id (DELETE /mcp).
func (s *sessionStore) Terminate(id string) (isNotAllowed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, id)
	return false, nil
}

// bind records c's user as the owner of a session that has none yet. The
// middleware calls it when the initialize response carries the new id, before
// the client can learn it.
func (s *sessionStore) bind(id string, c *Claims) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok && e.owner == nil {
		e.owner = c
	}
}

// owns reports whether c's user may use session id: it exists, is bound,
// and is bound to that user.
func (s *sessionStore) owns(id string, c *Claims) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.owner == nil || !s.match(e.owner, c) {
		return false
	}
	e.lastSeen = s.now()
	return true
}

// sweep drops idle sessions, at most once a minute so that Generate stays
// cheap; the caller holds mu.
func (s *sessionStore) sweep() {
	now := s.now()
	if now.Sub(s.swept) < time.Minute {
		return
	}
	s.swept = now
	cutoff := now.Add(-s.ttl)
	for id, e := range s.entries {
		if e.lastSeen.Before(cutoff) {
			delete(s.entries, id)
		}
	}
}
