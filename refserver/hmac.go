package refserver

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// hmacKey is an HS256 secret with keyed HMAC-SHA-256 states ready to use.
//
// jwt.SigningMethodHS256 keys a new HMAC on every Verify: two SHA-256 blocks
// of key schedule and five allocations, about a quarter of a Verify (pprof,
// docs/performance.md "Performance"). A keyed state that is Reset returns to the
// precomputed (K0 xor ipad) state instead (FIPS 198-1 §6 allows this; the
// stored states are as secret as the key, and never leave this type).
type hmacKey struct {
	pool sync.Pool // of *hmacState, all keyed with the same secret
}

type hmacState struct {
	mac hash.Hash
	in  []byte // the signing input, copied: hash.Hash.Write takes bytes
	sum []byte
}

func newHMACKey(secret []byte) *hmacKey {
	secret = bytes.Clone(secret) // the caller may reuse its slice
	k := &hmacKey{}
	k.pool.New = func() any { return &hmacState{mac: hmac.New(sha256.New, secret)} }
	return k
}

// hs256Method is HMAC-SHA-256 (RFC 7518 §3.2) as a jwt.SigningMethod that verifies
// with an *hmacKey. It verifies exactly as jwt.SigningMethodHS256 does: MAC
// over the signing input as received, compared in constant time with
// hmac.Equal.
type hs256Method struct{}

// errVerifyOnly: the reference server never issues tokens.
var errVerifyOnly = errors.New("HS256: this signing method only verifies")

func (hs256Method) Alg() string { return jwt.SigningMethodHS256.Alg() }

func (hs256Method) Verify(signingInput string, sig []byte, key any) error {
	k, ok := key.(*hmacKey)
	if !ok || k == nil {
		return jwt.ErrInvalidKeyType
	}
	st, ok := k.pool.Get().(*hmacState)
	if !ok { // the zero hmacKey: no secret
		return jwt.ErrInvalidKey
	}
	defer k.pool.Put(st)
	st.mac.Reset()
	st.in = append(st.in[:0], signingInput...)
	st.mac.Write(st.in)
	st.sum = st.mac.Sum(st.sum[:0])
	if !hmac.Equal(sig, st.sum) {
		return jwt.ErrSignatureInvalid
	}
	return nil
}

func (hs256Method) Sign(string, any) ([]byte, error) { return nil, errVerifyOnly }
