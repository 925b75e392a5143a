package refserver

import "errors"

// Sentinel errors of token verification. A TokenVerifier wraps one of them
// with %w; the middleware maps every one of them to 401 invalid_token
// (RFC 6750 §3.1) and uses the sentinel only to pick a short, token-free
// error_description.
var (
	ErrMalformed    = errors.New("malformed token")
	ErrSignature    = errors.New("invalid signature")
	ErrAlgorithm    = errors.New("algorithm not allowed")
	ErrExpired      = errors.New("token expired")
	ErrNotYetValid  = errors.New("token not yet valid")
	ErrIssuer       = errors.New("wrong issuer")
	ErrAudience     = errors.New("wrong audience")
	ErrMissingClaim = errors.New("missing required claim")
	ErrInvalidClaim = errors.New("invalid claim")
	ErrUnsupported  = errors.New("unsupported token header")
)
