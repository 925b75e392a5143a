package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Claims is the verified identity of a caller (target contract §3).
type Claims struct {
	Subject string   // sub
	OrgID   string   // org_id: the only organization the caller may see
	Scopes  []string // scope, split on spaces
	Email   string   // optional
	Name    string   // optional
	Issuer  string   // iss
	Expiry  time.Time
}

// HasScope compares whole, case-sensitive scope tokens (RFC 6749 §3.3):
// "readonly" or "READ" do not grant "read", and no scope implies another.
func (c *Claims) HasScope(scope string) bool {
	for _, s := range c.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

const (
	// leeway is the clock skew allowed on exp, nbf and iat (RFC 7519 §4.1.4
	// "some small leeway").
	leeway = 60 * time.Second
	// maxTokenBytes bounds what is parsed at all: a token of a megabyte of
	// dots must cost nothing (CVE-2025-30204), and a correctly signed token
	// padded to 16 KiB is not one the core app issues.
	maxTokenBytes = 8 << 10
)

// Every refusal wraps auth.ErrInvalidToken, which RequireBearerToken turns
// into a 401 (any other error becomes a 500). The text after the colon is
// fixed: the SDK writes err.Error() into the response body, so no part of
// the token may ever be in it.
var (
	errTooLong      = invalid("token too long")
	errMalformed    = invalid("malformed token")
	errDuplicate    = invalid("duplicate member name")
	errCaseVariant  = invalid("claim name differs from a registered one only in case")
	errCrit         = invalid("unsupported critical header")
	errAlgorithm    = invalid("algorithm not allowed")
	errSignature    = invalid("invalid signature")
	errExpired      = invalid("token expired")
	errNotYetValid  = invalid("token not yet valid")
	errIssuer       = invalid("wrong issuer")
	errAudience     = invalid("wrong audience")
	errMissingClaim = invalid("missing or empty required claim")
	errClaimType    = invalid("claim of the wrong type")
)

func invalid(reason string) error { return fmt.Errorf("%w: %s", auth.ErrInvalidToken, reason) }

// registeredClaims are the names a look-alike ("EXP", "Sub") must not
// shadow: encoding/json matches struct fields case-insensitively, so
// another reader of the same token could take the look-alike for the claim.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "org_id", "scope", "email", "name"}

// strictB64 is the JWS segment encoding (RFC 7515 §2), refusing padding,
// the standard alphabet and non-zero trailing bits.
var strictB64 = base64.RawURLEncoding.Strict()

// verifier checks the core app's HS256 tokens with golang-jwt.
type verifier struct {
	secret []byte
	parser *jwt.Parser
}

func newVerifier(secret []byte, issuer, audience string, now func() time.Time) *verifier {
	if now == nil {
		now = time.Now
	}
	return &verifier{
		secret: bytes.Clone(secret),
		parser: jwt.NewParser(
			// RFC 8725 §3.1: an allow-list of exactly one algorithm.
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(), // contract §3: exp is required
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithIssuedAt(), // contract §3: iat honoured when present
			jwt.WithLeeway(leeway),
			jwt.WithStrictDecoding(),
			jwt.WithTimeFunc(now),
		),
	}
}

// verify checks token and returns its claims. Every error wraps
// auth.ErrInvalidToken and carries fixed text.
func (v *verifier) verify(token string) (*Claims, error) {
	if len(token) > maxTokenBytes {
		return nil, errTooLong
	}
	// golang-jwt decodes the header and payload with encoding/json, which
	// keeps the last of two members with the same name. Look at the JSON
	// first, so that {"exp":1,"exp":9999999999} is refused rather than read
	// one way here and another way elsewhere (RFC 7515 §4, RFC 7519 §4).
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errMalformed // a JWE has five parts, a JWS in JSON serialization none
	}
	for i, known := range [][]string{nil, registeredClaims} {
		raw, err := strictB64.DecodeString(parts[i])
		if err != nil {
			return nil, errMalformed
		}
		if err := checkMemberNames(raw, known); err != nil {
			return nil, err
		}
	}

	claims := jwt.MapClaims{} // exact names: "EXP" is not "exp"
	if _, err := v.parser.ParseWithClaims(token, claims, v.key); err != nil {
		return nil, mapJWTError(err)
	}
	c := &Claims{Expiry: mustTime(claims.GetExpirationTime())}
	var err error
	if c.Issuer, err = claims.GetIssuer(); err != nil {
		return nil, errIssuer
	}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"sub", &c.Subject, true},
		{"org_id", &c.OrgID, true},
		{"email", &c.Email, false},
		{"name", &c.Name, false},
	} {
		if *f.dst, err = stringClaim(claims, f.name, f.required); err != nil {
			return nil, err
		}
	}
	scope, err := stringClaim(claims, "scope", false)
	if err != nil {
		return nil, err
	}
	c.Scopes = strings.Fields(scope) // RFC 6749 §3.3: space-delimited
	return c, nil
}

// key is the jwt.Keyfunc. It returns the secret for HS256 only and never
// follows kid, jku, jwk, x5u or x5c (RFC 8725 §3.10): they come from an
// unverified header.
func (v *verifier) key(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 §4.1.11: a recipient MUST reject extensions it does not
		// understand; golang-jwt ignores crit.
		return nil, errCrit
	}
	if t.Method != jwt.SigningMethodHS256 {
		return nil, errAlgorithm
	}
	return v.secret, nil
}

// mapJWTError turns golang-jwt's error into one of ours: golang-jwt's own
// messages may quote input bytes.
func mapJWTError(err error) error {
	for _, m := range []struct {
		jwtErr, ours error
	}{
		{errCrit, errCrit},
		{errAlgorithm, errAlgorithm},
		{jwt.ErrTokenSignatureInvalid, errSignature},
		{jwt.ErrTokenUnverifiable, errAlgorithm},
		{jwt.ErrTokenExpired, errExpired},
		{jwt.ErrTokenNotValidYet, errNotYetValid},
		{jwt.ErrTokenUsedBeforeIssued, errNotYetValid},
		{jwt.ErrTokenInvalidIssuer, errIssuer},
		{jwt.ErrTokenInvalidAudience, errAudience},
		{jwt.ErrTokenRequiredClaimMissing, errMissingClaim},
		{jwt.ErrInvalidType, errClaimType},
	} {
		if errors.Is(err, m.jwtErr) {
			return m.ours
		}
	}
	return errMalformed
}

// stringClaim returns claim name as a string. A required claim must be a
// non-empty string (contract §3: sub and org_id); an optional one may be
// absent, but never of another JSON type (null, a number, an array).
func stringClaim(claims jwt.MapClaims, name string, required bool) (string, error) {
	v, ok := claims[name]
	if !ok {
		if required {
			return "", errMissingClaim
		}
		return "", nil
	}
	s, ok := v.(string)
	switch {
	case !ok:
		return "", errClaimType
	case required && s == "":
		return "", errMissingClaim
	}
	return s, nil
}

func mustTime(d *jwt.NumericDate, _ error) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// checkMemberNames reports a JSON object whose top-level member names repeat,
// or, when known is given, that has a member equal to a known name under
// Unicode case folding but not identical to it. Escapes are decoded first,
// so "e\u0078p" is "exp".
func checkMemberNames(data []byte, known []string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errMalformed
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errMalformed
		}
		name, _ := t.(string)
		if seen[name] {
			return errDuplicate
		}
		seen[name] = true
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				return errCaseVariant
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return errMalformed
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return errMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return errMalformed // trailing data after the object
	}
	return nil
}

// tokenInfo is what RequireBearerToken keeps in the request context and
// the SDK hands to tool handlers as req.Extra.TokenInfo.
//
// UserID is what the SDK binds a session to (mcp/streamable.go,
// lookupSession): it names issuer, organization and subject together, so
// that the same sub in another organization is another user.
func tokenInfo(c *Claims) *auth.TokenInfo {
	return &auth.TokenInfo{
		Scopes:     c.Scopes,
		Expiration: c.Expiry,
		UserID:     strconv.Quote(c.Issuer) + " " + strconv.Quote(c.OrgID) + " " + strconv.Quote(c.Subject),
		Extra:      map[string]any{claimsKey: c},
	}
}

const claimsKey = "claims"

// claimsFrom returns the verified claims of a request, or nil.
func claimsFrom(info *auth.TokenInfo) *Claims {
	if info == nil {
		return nil
	}
	c, _ := info.Extra[claimsKey].(*Claims)
	return c
}
