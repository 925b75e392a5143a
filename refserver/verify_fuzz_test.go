package refserver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fuzz targets of the token verifier. Their seeds live in
// testdata/fuzz/<FuzzName>/ (and every input a fuzzing run finds failing is
// written there, where it stays as a regression input of `go test`); .ci/run
// fuzzes each target for a short fixed time.
//
// The signing key is generated per run (keys are never committed), so a
// seed cannot carry a valid signature: FuzzVerify re-signs its input when
// its sign flag is set, and FuzzVerifyClaims always signs the header and
// payload it is given. Either way the verdict depends on the input alone,
// so a failing input replays under any key.

// FuzzVerify feeds arbitrary token text to Verify. Whatever the input, Verify
// must not panic, must never accept a token whose signature is not the HMAC
// of its first two segments under the key (RFC 7515 §5.2), must return
// claims that a plain decoder of the payload agrees with (checkAccepted), and
// must refuse with exactly one sentinel and a message that quotes nothing of
// the token. It must also agree with plain golang-jwt configured the same
// way (checkPlainAgrees) wherever both should accept.
func FuzzVerify(f *testing.F) {
	secret := newSecret(f, 32)
	other := newSecret(f, 32)
	v := newTestVerifier(f, secret)
	w := newTestVerifier(f, other)
	f.Fuzz(func(t *testing.T, token string, sign bool) {
		if sign {
			token = resign(token, secret)
		}
		c, err := v.Verify(context.Background(), token)
		checkPlainAgrees(t, token, secret, c, err)
		if err != nil {
			checkRefusal(t, err, token)
			return
		}
		if !signedWith(token, secret) {
			t.Fatalf("accepted a token not signed with the key: %q", token)
		}
		checkAccepted(t, token, c)
		// The same bytes under another key: a forgery, always refused.
		if _, err := w.Verify(context.Background(), token); !errors.Is(err, ErrSignature) {
			t.Fatalf("a verifier with another key answered %v, want a signature error: %q", err, token)
		}
	})
}

// FuzzVerifyClaims signs an arbitrary JOSE header and payload with the key
// and verifies the result: the fuzzer mutates the claims' JSON directly
// (names, types, duplicates, escapes, numbers, nesting), every input is
// correctly signed, and only the claim checks stand between it and
// acceptance. An accepted token must satisfy every rule of the target
// contract §3 as encoding/json reads it (checkAccepted).
func FuzzVerifyClaims(f *testing.F) {
	secret := newSecret(f, 32)
	v := newTestVerifier(f, secret)
	f.Fuzz(func(t *testing.T, header, payload string) {
		token := jws(sha256.New, secret, header, payload)
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			checkRefusal(t, err, token)
			return
		}
		checkAccepted(t, token, c)
		// One bit of the signature flipped: refused.
		sig := []byte(token[strings.LastIndexByte(token, '.')+1:])
		sig[0] ^= 0x01
		if strings.IndexByte(b64urlAlphabet, sig[0]) >= 0 {
			forged := token[:strings.LastIndexByte(token, '.')+1] + string(sig)
			if _, err := v.Verify(context.Background(), forged); err == nil {
				t.Fatalf("accepted a token with a changed signature: %q", forged)
			}
		}
	})
}

// resign replaces what follows the last period of token with the HMAC-SHA-256
// of what precedes it; a token without a period gets one.
func resign(token string, key []byte) string {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		token, i = token+".", len(token)
	}
	return token[:i+1] + mac(sha256.New, key, token[:i])
}

// signedWith reports whether token is three segments whose signature is the
// HMAC-SHA-256 under key of the first two, computed here independently of
// the verifier and golang-jwt.
func signedWith(token string, key []byte) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, m.Sum(nil))
}

// checkRefusal: exactly one sentinel (the middleware picks the answer by it),
// and no piece of the token in the message, which reaches logs and the
// WWW-Authenticate header.
func checkRefusal(t *testing.T, err error, token string) {
	t.Helper()
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want 1", err, n)
	}
	msg := err.Error()
	for _, seg := range strings.Split(token, ".") {
		if len(seg) >= 8 && strings.Contains(msg, seg) {
			t.Fatalf("error %q quotes a token segment", msg)
		}
	}
}

// checkAccepted decodes the accepted token again with encoding/json and
// requires every rule an accepted token must meet, whatever the verifier's
// own parser made of it: a header of alg HS256 without crit, unique member
// names, iss and aud as configured, exp present and not past (with the
// leeway), nbf and iat not ahead, sub and org_id non-empty strings, and
// returned claims equal to the decoded ones (no identity read from one copy
// of a claim and checked on another).
func checkAccepted(t *testing.T, token string, c *Claims) {
	t.Helper()
	if len(token) > MaxTokenBytes {
		t.Fatalf("accepted a token of %d bytes, over MaxTokenBytes", len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted a token of %d segments", len(parts))
	}
	hb, err1 := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("accepted a token whose segments are not base64url: %q", token)
	}
	header, ok := members(hb)
	if !ok || !utf8.Valid(hb) {
		t.Fatalf("accepted a header that is not one JSON object with unique names: %q", hb)
	}
	if string(header["alg"]) != `"HS256"` {
		t.Fatalf("accepted alg %s", header["alg"])
	}
	if _, crit := header["crit"]; crit {
		t.Fatalf("accepted a crit header: %q", hb)
	}
	claims, ok := members(pb)
	if !ok || !utf8.Valid(pb) {
		t.Fatalf("accepted a payload that is not one JSON object of valid UTF-8 with unique names: %q", pb)
	}
	for name := range claims {
		for _, k := range knownClaims {
			if name != k && strings.EqualFold(name, k) {
				t.Fatalf("accepted the case variant %q of %q", name, k)
			}
		}
	}
	str := func(name string) (string, bool) {
		raw, present := claims[name]
		var s string
		if !present || json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	if iss, ok := str("iss"); !ok || iss != testIssuer || c.Issuer != iss {
		t.Fatalf("accepted iss %s (claims: %q)", claims["iss"], c.Issuer)
	}
	var aud []string
	if a, ok := str("aud"); ok {
		aud = []string{a}
	} else if json.Unmarshal(claims["aud"], &aud) != nil {
		t.Fatalf("accepted aud %s", claims["aud"])
	}
	if !slices.Contains(aud, testAudience) || !slices.Equal(aud, c.Audience) {
		t.Fatalf("accepted aud %q (claims: %q)", aud, c.Audience)
	}
	sub, okSub := str("sub")
	org, okOrg := str("org_id")
	if !okSub || !okOrg || sub == "" || org == "" || c.Subject != sub || c.OrgID != org {
		t.Fatalf("accepted sub %s org_id %s as %q in %q", claims["sub"], claims["org_id"], c.Subject, c.OrgID)
	}
	var scope, email, name string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"scope", &scope}, {"email", &email}, {"name", &name}} {
		if raw, present := claims[f.name]; present && json.Unmarshal(raw, f.dst) != nil {
			t.Fatalf("accepted %s %s, not a string", f.name, raw)
		}
	}
	if !slices.Equal(c.Scopes, strings.Fields(scope)) || c.Email != email || c.Name != name {
		t.Fatalf("claims %+v differ from the payload %q", c, pb)
	}
	now := float64(testNow.Unix())
	leeway := DefaultLeeway.Seconds()
	date := func(name string) (float64, bool) {
		raw, present := claims[name]
		if !present {
			return 0, false
		}
		var n float64
		if json.Unmarshal(raw, &n) != nil || math.IsNaN(n) {
			t.Fatalf("accepted %s %s, not a NumericDate", name, raw)
		}
		return n, true
	}
	// RFC 7519 §4.1.4: the current time must be before exp; golang-jwt
	// allows the leeway. A second of slack covers float rounding only.
	exp, ok := date("exp")
	if !ok || now >= exp+leeway+1 {
		t.Fatalf("accepted exp %s at %v", claims["exp"], now)
	}
	// Unix seconds, not Sub: a time.Duration overflows after year 2262,
	// which a valid exp may exceed.
	if got := float64(c.ExpiresAt.Unix()) + float64(c.ExpiresAt.Nanosecond())/1e9; math.Abs(got-exp) > 1 {
		t.Fatalf("ExpiresAt %v, exp %s", c.ExpiresAt, claims["exp"])
	}
	if nbf, ok := date("nbf"); ok && now+1 < nbf-leeway {
		t.Fatalf("accepted nbf %s at %v", claims["nbf"], now)
	}
	if iat, ok := date("iat"); ok && now+1 < iat-leeway {
		t.Fatalf("accepted iat %s at %v", claims["iat"], now)
	}
}

// members decodes one JSON object into its members, reporting false for
// anything else, for trailing data, and for a repeated name, which
// encoding/json alone would silently resolve to the last.
func members(b []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		name, isName := tok.(string)
		if err != nil || !isName {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, dup := out[name]; dup {
			return nil, false
		}
		out[name] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return out, true
}

const b64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// plainVerify is golang-jwt as a Go server commonly uses it, configured as
// newTestVerifier configures the verifier: the same parser options, its own
// decoding (encoding/json into jwt.MapClaims, numbers kept as text), and
// the contract's claims
// (sub and org_id non-empty strings; scope, email and name strings, or null,
// which the strict decoder reads as no value).
func plainVerify(token string, secret []byte) (*Claims, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithIssuer(testIssuer),
		jwt.WithAudience(testAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(DefaultLeeway),
		jwt.WithTimeFunc(func() time.Time { return testNow }),
		jwt.WithStrictDecoding(),
		// Numbers as json.Number: an unknown claim of 1e400, which RFC 7519
		// §4 says to ignore, must not fail a float64.
		jwt.WithJSONNumber(),
	)
	mc := jwt.MapClaims{}
	if _, err := p.ParseWithClaims(token, mc, func(*jwt.Token) (any, error) { return secret, nil }); err != nil {
		return nil, err
	}
	str := func(name string) (string, bool) {
		if v, present := mc[name]; present && v != nil {
			s, ok := v.(string)
			return s, ok
		}
		return "", true
	}
	sub, ok1 := str("sub")
	org, ok2 := str("org_id")
	scope, ok3 := str("scope")
	email, ok4 := str("email")
	name, ok5 := str("name")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || sub == "" || org == "" {
		return nil, errors.New("contract claims")
	}
	iss, _ := mc.GetIssuer()
	aud, _ := mc.GetAudience()
	exp, _ := mc.GetExpirationTime()
	return &Claims{
		Subject: sub, OrgID: org, Scopes: strings.Fields(scope), Email: email, Name: name,
		Issuer: iss, Audience: aud, ExpiresAt: exp.Time.UTC(),
	}, nil
}

// checkPlainAgrees: a token the verifier accepts, plain golang-jwt accepts
// with the same claims; and a token plain golang-jwt accepts that breaks
// none of the rules the verifier adds (strictOnly) the verifier accepts.
func checkPlainAgrees(t *testing.T, token string, secret []byte, c *Claims, err error) {
	t.Helper()
	pc, perr := plainVerify(token, secret)
	switch {
	case err == nil && perr != nil:
		t.Fatalf("accepted a token plain golang-jwt refuses (%v): %q", perr, token)
	case err == nil:
		if diff := cmp.Diff(pc, c, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("claims differ from plain golang-jwt's (-plain +verifier):\n%s\ntoken %q", diff, token)
		}
	case perr == nil && strictOnly(token) == "":
		t.Fatalf("refused (%v) a token plain golang-jwt accepts and no added rule refuses: %q", err, token)
	}
}

// strictOnly names a rule the verifier adds to golang-jwt that token
// breaks, or returns "". Each is checked here independently of the
// verifier, except JSON validity, which is jsontext's (RFC 8259 with
// RFC 7493 I-JSON's unique names and valid UTF-8).
func strictOnly(token string) string {
	if len(token) > MaxTokenBytes {
		return "length"
	}
	if strings.ContainsAny(token, "\r\n") {
		return "line break"
	}
	parts := strings.Split(token, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if !jsontext.Value(hb).IsValid() || !jsontext.Value(pb).IsValid() {
		return "strict JSON"
	}
	header, _ := members(hb)
	if _, crit := header["crit"]; crit {
		return "crit"
	}
	if typ, present := header["typ"]; present {
		var s string
		_ = json.Unmarshal(typ, &s)
		s = strings.ToLower(s)
		if s != "jwt" && s != "at+jwt" && s != "application/jwt" && s != "application/at+jwt" {
			return "typ"
		}
	}
	claims, _ := members(pb)
	for name := range claims {
		for _, k := range knownClaims {
			if name != k && strings.EqualFold(name, k) {
				return "case variant"
			}
		}
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if raw, present := claims[name]; present {
			var n float64
			if json.Unmarshal(raw, &n) != nil || n < 0 || n > maxNumericDate {
				return "NumericDate"
			}
		}
	}
	return ""
}
