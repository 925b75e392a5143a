package refserver

import (
	"crypto/sha256"
	"slices"
	"sync"
)

// maxVerifiedTokens bounds the verified-token cache; past it the cache is
// emptied rather than grown, which costs only full verifications.
const maxVerifiedTokens = 10_000

// verifiedCache remembers the tokens an HS256 Verifier accepted, so that a
// client sending the same token on every request (as MCP clients do) pays for
// its signature and JSON once. Its key is the SHA-256 of the token's exact
// bytes: it holds no token, and a token that differs in one byte is verified
// in full. A hit skips only what cannot change for identical bytes under an
// immutable secret; exp, nbf and iat are checked again by the same validator,
// and an entry that fails is dropped. Refusals are never cached. The JWKS
// verifier has no cache: a key withdrawn from the set must stop at once.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[[sha256.Size]byte]*verifiedToken
}

// verifiedToken is immutable once cached: claims is copied on every hit, and
// parsed (the validator's view) is never handed out.
type verifiedToken struct {
	claims *Claims
	parsed *tokenClaims
}

// get returns the claims of the cached token key, checked again against the
// time, or ok false when it is not cached.
func (vc *verifiedCache) get(key [sha256.Size]byte, r *rules) (c *Claims, err error, ok bool) {
	vc.mu.RLock()
	e := vc.entries[key]
	vc.mu.RUnlock()
	if e == nil {
		return nil, nil, false
	}
	if err := r.validator.Validate(e.parsed); err != nil {
		vc.mu.Lock()
		if vc.entries[key] == e {
			delete(vc.entries, key)
		}
		vc.mu.Unlock()
		return nil, r.claimsError(err, e.parsed), true
	}
	return e.claims.clone(), nil, true
}

// put caches the token key just accepted, with a copy of the caller's claims.
func (vc *verifiedCache) put(key [sha256.Size]byte, p *tokenClaims, c *Claims) {
	e := &verifiedToken{claims: c.clone(), parsed: p}
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.entries == nil || len(vc.entries) >= maxVerifiedTokens {
		vc.entries = make(map[[sha256.Size]byte]*verifiedToken)
	}
	vc.entries[key] = e
}

func (vc *verifiedCache) len() int {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	return len(vc.entries)
}

// clone copies c deeply enough that changing the copy never changes c.
func (c *Claims) clone() *Claims {
	d := *c
	d.Scopes = slices.Clone(c.Scopes)
	d.Audience = slices.Clone(c.Audience)
	return &d
}
