package harness

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"
)

// keyHolder gives the in-process fake backend the issuer's key set once the
// target has one (JWKS mode), so that it can verify the subject tokens the
// target exchanges.
type keyHolder struct{ ks atomic.Pointer[KeySet] }

func (h *keyHolder) keyfunc(t *jwt.Token) (any, error) {
	ks := h.ks.Load()
	if ks == nil {
		return nil, errors.New("the issuer has no asymmetric keys")
	}
	return ks.Keyfunc(t)
}

// Keyfunc is a golang-jwt key function over the published set: the public
// key of the token's kid, when that key is in the set and its algorithm is
// the token's (RFC 8725 §3.1).
func (ks *KeySet) Keyfunc(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, ok := ks.keys[kid]
	if !ok || k.withdraw || !slices.Contains(ks.published, kid) {
		return nil, fmt.Errorf("no published key %q", kid)
	}
	if t.Method.Alg() != k.alg {
		return nil, fmt.Errorf("key %q is for %s, not %s", kid, k.alg, t.Method.Alg())
	}
	return k.signer.Public(), nil
}
