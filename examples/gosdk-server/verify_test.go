package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

const (
	testIssuer   = "core-app"
	testAudience = "mcp-server"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testSecret(t *testing.T) []byte {
	t.Helper()
	secret := make([]byte, 32) // generated per run, never committed
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// validClaims is alice's token as the core app issues it.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":    testIssuer,
		"aud":    testAudience,
		"sub":    "user-alice",
		"org_id": "org-acme",
		"scope":  "read write",
		"email":  "alice@example.com",
		"exp":    testNow.Add(time.Hour).Unix(),
		"iat":    testNow.Add(-time.Minute).Unix(),
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signRaw signs header and payload JSON exactly as written, for what
// golang-jwt cannot produce: duplicate member names, escapes.
func signRaw(secret []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

func with(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := validClaims()
	edit(c)
	return c
}

func TestVerifierRefuses(t *testing.T) {
	secret := testSecret(t)
	other := testSecret(t)
	exp := testNow.Add(time.Hour).Unix()
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, secret, c, nil) }
	raw := func(payload string) string { return signRaw(secret, `{"alg":"HS256","typ":"JWT"}`, payload) }
	base := `"iss":"core-app","aud":"mcp-server","sub":"user-alice","org_id":"org-acme"`

	for _, tt := range []struct {
		name  string
		token string
		want  error
	}{
		{"wrong secret", sign(t, jwt.SigningMethodHS256, other, validClaims(), nil), errSignature},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims(), nil), errSignature},
		{"alg HS384 with the right secret", sign(t, jwt.SigningMethodHS384, secret, validClaims(), nil), errSignature},
		{"crit header", sign(t, jwt.SigningMethodHS256, secret, validClaims(), map[string]any{"crit": []string{"exp"}}), errCrit},
		{"jku header does not choose the key", sign(t, jwt.SigningMethodHS256, []byte{}, validClaims(), map[string]any{"jku": "http://127.0.0.1:1/jwks"}), errSignature},
		{"tampered payload", func() string {
			p := strings.Split(hs(validClaims()), ".")
			p[1] = base64.RawURLEncoding.EncodeToString([]byte(`{` + base + `,"scope":"admin","exp":` + fmt.Sprint(exp) + `}`))
			return strings.Join(p, ".")
		}(), errSignature},
		{"expired beyond the leeway", hs(with(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-leeway - time.Second).Unix() })), errExpired},
		{"exp missing", hs(with(func(c jwt.MapClaims) { delete(c, "exp") })), errMissingClaim},
		{"exp as a string", hs(with(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(exp) })), errClaimType},
		{"nbf in the future", hs(with(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(10 * time.Minute).Unix() })), errNotYetValid},
		{"iat in the future", hs(with(func(c jwt.MapClaims) { c["iat"] = testNow.Add(time.Hour).Unix() })), errNotYetValid},
		{"wrong issuer", hs(with(func(c jwt.MapClaims) { c["iss"] = "other-app" })), errIssuer},
		{"issuer in another case", hs(with(func(c jwt.MapClaims) { c["iss"] = "Core-App" })), errIssuer},
		{"issuer missing", hs(with(func(c jwt.MapClaims) { delete(c, "iss") })), errMissingClaim},
		{"issuer a number", hs(with(func(c jwt.MapClaims) { c["iss"] = 7 })), errClaimType},
		{"audience of the backend", hs(with(func(c jwt.MapClaims) { c["aud"] = "core-api" })), errAudience},
		{"audience missing", hs(with(func(c jwt.MapClaims) { delete(c, "aud") })), errMissingClaim},
		{"audience empty array", hs(with(func(c jwt.MapClaims) { c["aud"] = []string{} })), errMissingClaim},
		{"sub missing", hs(with(func(c jwt.MapClaims) { delete(c, "sub") })), errMissingClaim},
		{"sub empty", hs(with(func(c jwt.MapClaims) { c["sub"] = "" })), errMissingClaim},
		{"org_id missing", hs(with(func(c jwt.MapClaims) { delete(c, "org_id") })), errMissingClaim},
		{"org_id empty", hs(with(func(c jwt.MapClaims) { c["org_id"] = "" })), errMissingClaim},
		{"org_id null", hs(with(func(c jwt.MapClaims) { c["org_id"] = nil })), errClaimType},
		{"two organizations", hs(with(func(c jwt.MapClaims) { c["org_id"] = []string{"org-acme", "org-globex"} })), errClaimType},
		{"scope an array", hs(with(func(c jwt.MapClaims) { c["scope"] = []string{"read"} })), errClaimType},
		{"duplicate exp, the last one valid", raw(fmt.Sprintf(`{%s,"exp":1,"exp":%d}`, base, exp)), errDuplicate},
		{"duplicate exp through an escape", raw(fmt.Sprintf(`{%s,"exp":1,"e\u0078p":%d}`, base, exp)), errDuplicate},
		{"EXP beside exp", raw(fmt.Sprintf(`{%s,"exp":%d,"EXP":%d}`, base, exp, exp)), errCaseVariant},
		{"duplicate alg", signRaw(secret, `{"alg":"none","alg":"HS256"}`, fmt.Sprintf(`{%s,"exp":%d}`, base, exp)), errDuplicate},
		{"payload an array", raw(`[1]`), errMalformed},
		{"trailing data after the payload", raw(fmt.Sprintf(`{%s,"exp":%d} {}`, base, exp)), errMalformed},
		{"two segments", strings.Join(strings.Split(hs(validClaims()), ".")[:2], "."), errMalformed},
		{"four segments", hs(validClaims()) + ".e30", errMalformed},
		{"padded base64", func() string {
			p := strings.Split(hs(validClaims()), ".")
			return p[0] + "=." + p[1] + "." + p[2]
		}(), errMalformed},
		{"too long", hs(with(func(c jwt.MapClaims) { c["padding"] = strings.Repeat("x", maxTokenBytes) })), errTooLong},
		{"a megabyte of dots", "eyJhbGciOiJIUzI1NiJ9" + strings.Repeat(".", 1<<20), errTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(secret, testIssuer, testAudience, func() time.Time { return testNow })
			c, err := v.verify(tt.token)
			if c != nil || !errors.Is(err, tt.want) {
				t.Fatalf("verify = %+v, %v; want %v", c, err, tt.want)
			}
			// RequireBearerToken answers 401 only for auth.ErrInvalidToken
			// (anything else is a 500), and writes err.Error() to the client.
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("%v does not wrap auth.ErrInvalidToken", err)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) > 8 && strings.Contains(err.Error(), part) {
					t.Errorf("the error %q quotes the token", err)
				}
			}
		})
	}
}

func TestVerifierAccepts(t *testing.T) {
	secret := testSecret(t)
	hs := func(c jwt.MapClaims, header map[string]any) string {
		return sign(t, jwt.SigningMethodHS256, secret, c, header)
	}
	for _, tt := range []struct {
		name   string
		token  string
		scopes []string
	}{
		{"as issued", hs(validClaims(), nil), []string{"read", "write"}},
		{"audience array containing ours", hs(with(func(c jwt.MapClaims) { c["aud"] = []string{"core-api", testAudience} }), nil), []string{"read", "write"}},
		{"expired within the leeway", hs(with(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-20 * time.Second).Unix() }), nil), []string{"read", "write"}},
		{"nbf within the leeway", hs(with(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(20 * time.Second).Unix() }), nil), []string{"read", "write"}},
		{"typ at+jwt", hs(validClaims(), map[string]any{"typ": "at+jwt"}), []string{"read", "write"}},
		{"no scope", hs(with(func(c jwt.MapClaims) { delete(c, "scope") }), nil), nil},
		{"unknown claims and jti", hs(with(func(c jwt.MapClaims) { c["x_trace"] = "a1"; c["jti"] = "j-1" }), nil), []string{"read", "write"}},
		{"without iat, email or name", hs(with(func(c jwt.MapClaims) { delete(c, "iat"); delete(c, "email") }), nil), []string{"read", "write"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(secret, testIssuer, testAudience, func() time.Time { return testNow })
			c, err := v.verify(tt.token)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if c.Subject != "user-alice" || c.OrgID != "org-acme" || c.Issuer != testIssuer || !slices.Equal(c.Scopes, tt.scopes) {
				t.Errorf("claims = %+v; want alice of org-acme with scopes %v", c, tt.scopes)
			}
			if c.Expiry.IsZero() {
				t.Error("no expiry: RequireBearerToken refuses a TokenInfo without Expiration")
			}
		})
	}
}

func TestHasScopeIsExact(t *testing.T) {
	c := &Claims{Scopes: []string{"readonly", "read:all", "READ", "admin"}}
	for scope, want := range map[string]bool{"read": false, "write": false, "admin": true} {
		if got := c.HasScope(scope); got != want {
			t.Errorf("HasScope(%q) = %v, want %v", scope, got, want)
		}
	}
}

// The SDK binds a session to TokenInfo.UserID; the same sub in another
// organization, or from another issuer, must be another user.
func TestTokenInfoUserIDNamesIssuerOrgAndSubject(t *testing.T) {
	alice := &Claims{Issuer: "core-app", OrgID: "org-acme", Subject: "u1", Expiry: testNow}
	seen := map[string]string{}
	for name, c := range map[string]*Claims{
		"alice":              alice,
		"same sub elsewhere": {Issuer: "core-app", OrgID: "org-globex", Subject: "u1"},
		"other issuer":       {Issuer: "other", OrgID: "org-acme", Subject: "u1"},
		"quote in sub":       {Issuer: "core-app", OrgID: `org-acme" "u1`, Subject: ""},
	} {
		id := tokenInfo(c).UserID
		if prev, dup := seen[id]; dup {
			t.Errorf("%s and %s share UserID %q", name, prev, id)
		}
		seen[id] = name
	}
	if got := claimsFrom(tokenInfo(alice)); got != alice {
		t.Errorf("claimsFrom(tokenInfo(alice)) = %v", got)
	}
}
