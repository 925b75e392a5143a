package harness

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenLifetime is the lifetime of a standard token: exp = iat + 10 min.
const TokenLifetime = 10 * time.Minute

// Issuer plays the core app: it signs every token the suite sends.
//
// An Issuer holds no lock and may be copied; the step layer copies it to
// give each scenario its own AttackerURL.
type Issuer struct {
	Secret   []byte
	Issuer   string           // iss
	Audience string           // the target's JWT_AUDIENCE
	Now      func() time.Time // nil: time.Now

	// AttackerURL is the URL that hostile cases with NeedsURL put in a
	// key-reference header (jku, x5u). The step layer points it at a
	// loopback listener that counts hits: a conforming target never
	// fetches it.
	AttackerURL string
}

// NewIssuer returns an Issuer with a fresh random 256-bit secret
// (crypto/rand): keys are generated at run time, never committed.
func NewIssuer(issuer, audience string) (*Issuer, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generating the issuer secret: %w", err)
	}
	// Hex, so that the secret survives being passed as JWT_SECRET_KEY in an
	// environment (no NUL bytes) while keeping 256 bits of entropy.
	secret := []byte(hex.EncodeToString(raw))
	return &Issuer{Secret: secret, Issuer: issuer, Audience: audience}, nil
}

func (is *Issuer) now() time.Time {
	if is.Now != nil {
		return is.Now()
	}
	return time.Now()
}

// User is a test identity.
type User struct {
	Name    string // the cast name used in feature files, e.g. "alice"
	Subject string // sub
	OrgID   string // org_id
	Scopes  []string
	Email   string
}

// DisplayName is the user's "name" claim: the cast name, capitalised
// ("Alice").
func (u User) DisplayName() string {
	if u.Name == "" {
		return ""
	}
	return strings.ToUpper(u.Name[:1]) + u.Name[1:]
}

// Users is the fixed cast used by the features (features/GRAMMAR.md).
// Treat it as read-only.
var Users = map[string]User{
	"alice": castMember("alice", "org-acme", "read", "write", "admin"),
	"bob":   castMember("bob", "org-acme", "read"),
	"carol": castMember("carol", "org-globex", "read", "write", "admin"),
	"dave":  castMember("dave", "org-globex", "read"),
	"erin":  castMember("erin", "org-acme", "write"),    // write without read
	"frank": castMember("frank", "org-globex", "admin"), // admin only
	"gina":  castMember("gina", "org-acme"),             // no scope: scope is ""
	"henry": castMember("henry", "org-globex", "read", "write"),
}

func castMember(name, org string, scopes ...string) User {
	if scopes == nil {
		scopes = []string{}
	}
	return User{
		Name:    name,
		Subject: "user-" + name,
		OrgID:   org,
		Scopes:  scopes,
		Email:   name + "@" + strings.TrimPrefix(org, "org-") + ".example",
	}
}

// LookupUser returns the cast member called name. The error lists the
// known names.
func LookupUser(name string) (User, error) {
	u, ok := Users[name]
	if !ok {
		return User{}, fmt.Errorf("unknown user %q (known users: %s)", name, strings.Join(slices.Sorted(maps.Keys(Users)), ", "))
	}
	u.Scopes = slices.Clone(u.Scopes)
	return u, nil
}

// Claims builds the standard claim set for u: iss, aud (a string), sub,
// org_id, scope (space-joined; "" for no scope), email, name, iat = now,
// exp = now + TokenLifetime, and a random jti. NumericDates are int64
// seconds. The map is fresh: callers may change it.
func (is *Issuer) Claims(u User) map[string]any {
	now := is.now().Unix()
	return map[string]any{
		"iss":    is.Issuer,
		"aud":    is.Audience,
		"sub":    u.Subject,
		"org_id": u.OrgID,
		"scope":  strings.Join(u.Scopes, " "),
		"email":  u.Email,
		"name":   u.DisplayName(),
		"iat":    now,
		"exp":    now + int64(TokenLifetime/time.Second),
		"jti":    randomHex(16),
	}
}

// Sign signs an arbitrary claim map with HS256 and the issuer's secret
// (golang-jwt). The header is {"alg":"HS256","typ":"JWT"}.
func (is *Issuer) Sign(claims map[string]any) (string, error) {
	return signJWT(jwt.SigningMethodHS256, is.Secret, nil, claims)
}

// Token returns a valid token of u: Sign(Claims(u)).
func (is *Issuer) Token(u User) (string, error) {
	return is.Sign(is.Claims(u))
}

// SignRaw assembles a token from header and payload JSON bytes exactly as
// given (base64url without padding) and an HMAC-SHA256 signature over them
// with key. A nil key means the issuer's secret; a non-nil empty key
// ([]byte{}) is the empty key. It is for hostile tokens whose JSON
// golang-jwt cannot produce (duplicate names, odd types, non-JSON).
func (is *Issuer) SignRaw(header, payload []byte, key []byte) string {
	if key == nil {
		key = is.Secret
	}
	input := b64(header) + "." + b64(payload)
	return input + "." + b64(hmacSum(sha256.New, key, input))
}

// TokenWith returns a token of u whose standard claims are changed: each
// entry of set replaces (or adds) a claim with the value decoded from its
// JSON text (so "null", "\"soon\"", "0" and "[\"a\",\"b\"]" work; numbers
// keep their exact text), then each name in del is removed. It is signed
// like Sign.
func (is *Issuer) TokenWith(u User, set map[string]json.RawMessage, del []string) (string, error) {
	claims, err := is.claimsWith(u, set, del)
	if err != nil {
		return "", err
	}
	return is.Sign(claims)
}

func (is *Issuer) claimsWith(u User, set map[string]json.RawMessage, del []string) (map[string]any, error) {
	claims := is.Claims(u)
	for _, name := range slices.Sorted(maps.Keys(set)) {
		v, err := decodeJSONValue(set[name])
		if err != nil {
			return nil, fmt.Errorf("claim %q: %w", name, err)
		}
		claims[name] = v
	}
	for _, name := range del {
		delete(claims, name)
	}
	return claims, nil
}

// decodeJSONValue decodes exactly one JSON value, keeping numbers as
// json.Number so that they are re-encoded as written.
func decodeJSONValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%q is not JSON: %w", string(raw), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%q is not a single JSON value", string(raw))
	}
	return v, nil
}

// Fingerprint is a secret-free name for a token in messages and logs: the
// first 8 hex characters of its SHA-256. Never print a token itself.
func Fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:4])
}

// signJWT signs claims with golang-jwt: method and key, the header
// {"alg":…,"typ":"JWT"} changed by header (a nil value deletes the
// parameter).
func signJWT(method jwt.SigningMethod, key []byte, header map[string]any, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(method, jwt.MapClaims(claims))
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
		} else {
			t.Header[k] = v
		}
	}
	if key == nil {
		key = []byte{} // golang-jwt wants a []byte, even an empty one
	}
	return t.SignedString(key)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func hmacSum(h func() hash.Hash, key []byte, input string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return m.Sum(nil)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("harness: crypto/rand failed: " + err.Error())
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
