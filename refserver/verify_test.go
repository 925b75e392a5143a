package refserver

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const (
	testIssuer   = "https://issuer.example.test"
	testAudience = "https://mcp.example.test/mcp"
)

// testNow is the verifier's clock in these tests.
var testNow = time.Unix(1_750_000_000, 0).UTC()

// sentinels are every error a verifier may wrap; a rejection wraps exactly one.
var sentinels = []error{
	ErrMalformed, ErrSignature, ErrAlgorithm, ErrExpired, ErrNotYetValid,
	ErrIssuer, ErrAudience, ErrMissingClaim, ErrInvalidClaim, ErrUnsupported,
}

// newSecret returns a fresh random HS256 key of n bytes.
func newSecret(t testing.TB, n int) []byte {
	t.Helper()
	k := make([]byte, n)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func newTestVerifier(t testing.TB, secret []byte) *Verifier {
	t.Helper()
	v, err := NewVerifier(VerifierConfig{
		Secret:   secret,
		Issuer:   testIssuer,
		Audience: testAudience,
		Leeway:   DefaultLeeway,
		Now:      func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// enc is base64url without padding (RFC 7515 §2).
func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// mac signs input with h and key, returning the encoded signature.
func mac(h func() hash.Hash, key []byte, input string) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// jws builds header.payload.signature from hand-written JSON, signed with
// HMAC h under key.
func jws(h func() hash.Hash, key []byte, header, payload string) string {
	input := enc(header) + "." + enc(payload)
	return input + "." + mac(h, key, input)
}

// unsigned builds header.payload.sig with sig given verbatim.
func unsigned(header, payload, sig string) string {
	return enc(header) + "." + enc(payload) + "." + sig
}

// kv is one member of a hand-written JSON object; v is raw JSON.
type kv struct{ k, v string }

// mod edits the members of the default payload.
type mod func([]kv) []kv

// set replaces the value of k, or appends k when it is absent.
func set(k, v string) mod {
	return func(m []kv) []kv {
		for i := range m {
			if m[i].k == k {
				m[i].v = v
				return m
			}
		}
		return append(m, kv{k, v})
	}
}

// del removes k.
func del(k string) mod {
	return func(m []kv) []kv {
		out := m[:0]
		for _, e := range m {
			if e.k != k {
				out = append(out, e)
			}
		}
		return out
	}
}

// add appends k even when it is already present: a duplicate.
func add(k, v string) mod { return func(m []kv) []kv { return append(m, kv{k, v}) } }

func unix(d time.Duration) string { return fmt.Sprint(testNow.Add(d).Unix()) }

// payload is the JSON of a good claims set, edited by mods, in member order.
func payload(mods ...mod) string {
	m := []kv{
		{"iss", `"` + testIssuer + `"`},
		{"aud", `"` + testAudience + `"`},
		{"sub", `"user-alice"`},
		{"org_id", `"org-acme"`},
		{"scope", `"read write"`},
		{"email", `"alice@acme.example"`},
		{"name", `"Alice"`},
		{"iat", unix(-time.Minute)},
		{"exp", unix(time.Hour)},
	}
	for _, f := range mods {
		m = f(m)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s":%s`, e.k, e.v) // k raw: tests write escapes in names
	}
	b.WriteByte('}')
	return b.String()
}

const hs256 = `{"alg":"HS256","typ":"JWT"}`

// goodClaims are the claims of payload().
func goodClaims() *Claims {
	return &Claims{
		Subject:   "user-alice",
		OrgID:     "org-acme",
		Scopes:    []string{"read", "write"},
		Email:     "alice@acme.example",
		Name:      "Alice",
		Issuer:    testIssuer,
		Audience:  []string{testAudience},
		ExpiresAt: testNow.Add(time.Hour),
	}
}

// withClaims returns goodClaims edited by f.
func withClaims(f func(*Claims)) *Claims {
	c := goodClaims()
	f(c)
	return c
}

// leakValues are claim and configuration values that must never appear in
// an error message.
var leakValues = []string{
	"user-alice", "org-acme", "alice@acme.example", "user-mallory", "org-evil",
	testIssuer, testAudience, "issuer.example", "mcp.example", "evil.example",
}

// checkNoLeak fails if the error message echoes the token, one of its
// segments, its decoded content or the secret.
func checkNoLeak(t *testing.T, err error, token string, secret []byte) {
	t.Helper()
	msg := err.Error()
	if token != "" && strings.Contains(msg, token) {
		t.Errorf("error %q contains the token", msg)
	}
	for _, seg := range strings.Split(token, ".") {
		if len(seg) >= 6 && strings.Contains(msg, seg) {
			t.Errorf("error %q contains a token segment %q", msg, seg)
		}
		if len(seg) >= 6 && len(seg) <= 200 {
			if strings.Contains(msg, seg[:6]) {
				t.Errorf("error %q contains the start of a token segment", msg)
			}
		}
	}
	for _, v := range leakValues {
		if strings.Contains(msg, v) {
			t.Errorf("error %q contains the claim value %q", msg, v)
		}
	}
	for _, s := range []string{string(secret), base64.RawURLEncoding.EncodeToString(secret), fmt.Sprintf("%x", secret)} {
		if len(secret) > 0 && strings.Contains(msg, s) {
			t.Errorf("error %q contains the secret", msg)
		}
	}
}

// checkSentinel fails unless err wraps want and no other sentinel.
func checkSentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %q", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("error %q also wraps %q", err, s)
		}
	}
}

// toStdBase64 rewrites a base64url string in the standard alphabet.
func toStdBase64(s string) string {
	return strings.NewReplacer("-", "+", "_", "/").Replace(s)
}

// headerWithURLChars returns an HS256 header whose base64url form contains
// "-" or "_", so that its standard-alphabet form differs.
func headerWithURLChars(t *testing.T, want string) string {
	t.Helper()
	for pad := ""; len(pad) < 12; pad += "?" {
		h := `{"alg":"HS256","kid":"` + pad + `>>"}`
		if strings.Contains(enc(h), want) {
			return h
		}
	}
	t.Fatalf("no header encodes with %q", want)
	return ""
}

// manyMembers returns n members ,"cI":I, the last a repeat of member dup
// when dup >= 0.
func manyMembers(n, dup int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `,"c%d":%d`, i, i)
	}
	if dup >= 0 {
		fmt.Fprintf(&b, `,"c%d":0`, dup)
	}
	return b.String()
}

// manyClaims adds n unknown claims, the last a repeat of claim dup when
// dup >= 0.
func manyClaims(n, dup int) []mod {
	var m []mod
	for i := range n {
		m = append(m, add(fmt.Sprintf("c%d", i), fmt.Sprint(i)))
	}
	if dup >= 0 {
		m = append(m, add(fmt.Sprintf("c%d", dup), "0"))
	}
	return m
}

func TestVerify(t *testing.T) {
	secret := newSecret(t, 32)
	// HMAC pads a short key with zero bytes (RFC 2104 §2): a secret ending
	// in 0x00 is the same key as its 31-byte prefix, which "secret prefix"
	// must not be.
	secret[31] |= 1
	v := newTestVerifier(t, secret)

	sign := func(header, pl string) string { return jws(sha256.New, secret, header, pl) }
	good := sign(hs256, payload())
	goodSig := good[strings.LastIndexByte(good, '.')+1:]
	attacker := newSecret(t, 32)

	// The standard-alphabet forms are signed over exactly what is sent, so a
	// verifier that accepted them would return claims instead of an error.
	stdHeader := func(ch string) string {
		h := headerWithURLChars(t, ch)
		input := toStdBase64(enc(h)) + "." + enc(payload())
		return input + "." + mac(sha256.New, secret, input)
	}
	padded := func(i int) string {
		parts := strings.Split(good, ".")
		parts[i] += "="
		return strings.Join(parts, ".")
	}
	// A token whose payload differs from the one that was signed.
	tampered := func() string {
		parts := strings.Split(good, ".")
		parts[1] = enc(payload(set("sub", `"user-mallory"`)))
		return strings.Join(parts, ".")
	}()
	tamperedHeader := func() string {
		parts := strings.Split(good, ".")
		parts[0] = enc(`{"alg":"HS256","typ":"JWT","kid":"k2"}`)
		return strings.Join(parts, ".")
	}()
	jwk := fmt.Sprintf(`{"alg":"HS256","jwk":{"kty":"oct","k":%q}}`, base64.RawURLEncoding.EncodeToString(attacker))

	tests := []struct {
		name  string
		token string
		want  error   // nil: accepted
		claim *Claims // the claims when accepted
	}{
		{"good", good, nil, goodClaims()},
		{"aud array", sign(hs256, payload(set("aud", `["https://other.example.test","`+testAudience+`"]`))), nil,
			withClaims(func(c *Claims) { c.Audience = []string{"https://other.example.test", testAudience} })},
		{"aud array of one", sign(hs256, payload(set("aud", `["`+testAudience+`"]`))), nil, goodClaims()},
		{"no typ", sign(`{"alg":"HS256"}`, payload()), nil, goodClaims()},
		{"typ at+jwt", sign(`{"alg":"HS256","typ":"at+jwt"}`, payload()), nil, goodClaims()},
		{"typ AT+JWT", sign(`{"typ":"AT+JWT","alg":"HS256"}`, payload()), nil, goodClaims()},
		{"typ jwt", sign(`{"alg":"HS256","typ":"jwt"}`, payload()), nil, goodClaims()},
		{"typ application/at+jwt", sign(`{"alg":"HS256","typ":"application/at+jwt"}`, payload()), nil, goodClaims()},
		{"kid jku x5u x5c ignored", sign(`{"alg":"HS256","kid":"k1","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","x5c":["AAAA"]}`, payload()), nil, goodClaims()},
		{"unknown claims ignored", sign(hs256, payload(add("jti", `"j1"`), add("extra", `{"a":[1,2,{"b":null}]}`), add("big", `1e400`))), nil, goodClaims()},
		{"scope missing", sign(hs256, payload(del("scope"), del("email"), del("name"))), nil,
			withClaims(func(c *Claims) { c.Scopes, c.Email, c.Name = []string{}, "", "" })},
		{"scope extra spaces", sign(hs256, payload(set("scope", `" read  admin "`))), nil,
			withClaims(func(c *Claims) { c.Scopes = []string{"read", "admin"} })},
		{"whitespace around JSON", sign(" \n"+hs256+"\t", " "+payload()+"\r\n"), nil, goodClaims()},
		// As golang-jwt reads a NumericDate: to the second (jwt.TimePrecision).
		{"fractional exp", sign(hs256, payload(set("exp", unix(time.Hour)+".5"))), nil,
			withClaims(func(c *Claims) { c.ExpiresAt = testNow.Add(time.Hour) })},

		// RFC 7519 §4.1.4, §4.1.5, §4.1.6 with 60 s of leeway.
		{"exp 30s ago inside leeway", sign(hs256, payload(set("exp", unix(-30*time.Second)))), nil,
			withClaims(func(c *Claims) { c.ExpiresAt = testNow.Add(-30 * time.Second) })},
		{"exp 60s ago at leeway edge", sign(hs256, payload(set("exp", unix(-60*time.Second)))), ErrExpired, nil},
		{"exp 61s ago outside leeway", sign(hs256, payload(set("exp", unix(-61*time.Second)))), ErrExpired, nil},
		{"exp long ago", sign(hs256, payload(set("exp", unix(-24*time.Hour)))), ErrExpired, nil},
		{"exp 0", sign(hs256, payload(set("exp", `0`))), ErrExpired, nil},
		{"nbf 30s ahead inside leeway", sign(hs256, payload(set("nbf", unix(30*time.Second)))), nil, goodClaims()},
		{"nbf 61s ahead outside leeway", sign(hs256, payload(set("nbf", unix(61*time.Second)))), ErrNotYetValid, nil},
		{"nbf past", sign(hs256, payload(set("nbf", unix(-time.Hour)))), nil, goodClaims()},
		{"iat 30s ahead inside leeway", sign(hs256, payload(set("iat", unix(30*time.Second)))), nil, goodClaims()},
		{"iat 61s ahead outside leeway", sign(hs256, payload(set("iat", unix(61*time.Second)))), ErrNotYetValid, nil},
		{"iat missing", sign(hs256, payload(del("iat"))), nil, goodClaims()},

		// RFC 8725 §3.1: one algorithm, compared exactly.
		{"alg none no signature", unsigned(`{"alg":"none","typ":"JWT"}`, payload(), ""), ErrAlgorithm, nil},
		{"alg None no signature", unsigned(`{"alg":"None"}`, payload(), ""), ErrAlgorithm, nil},
		{"alg NONE no signature", unsigned(`{"alg":"NONE"}`, payload(), ""), ErrAlgorithm, nil},
		{"alg nOnE no signature", unsigned(`{"alg":"nOnE"}`, payload(), ""), ErrAlgorithm, nil},
		{"alg none with HS256 signature", sign(`{"alg":"none"}`, payload()), ErrAlgorithm, nil},
		{"alg NONE with HS256 signature", sign(`{"alg":"NONE"}`, payload()), ErrAlgorithm, nil},
		{"alg none with good token's signature", unsigned(`{"alg":"none"}`, payload(), goodSig), ErrAlgorithm, nil},
		{"alg missing", sign(`{"typ":"JWT"}`, payload()), ErrAlgorithm, nil},
		{"alg empty", sign(`{"alg":""}`, payload()), ErrAlgorithm, nil},
		{"alg null", sign(`{"alg":null}`, payload()), ErrAlgorithm, nil},
		{"alg number", sign(`{"alg":256}`, payload()), ErrAlgorithm, nil},
		{"alg array", sign(`{"alg":["HS256"]}`, payload()), ErrAlgorithm, nil},
		{"alg hs256", sign(`{"alg":"hs256"}`, payload()), ErrAlgorithm, nil},
		{"alg HS256 with space", sign(`{"alg":"HS256 "}`, payload()), ErrAlgorithm, nil},
		{"alg HS384 same secret", jws(sha512.New384, secret, `{"alg":"HS384"}`, payload()), ErrAlgorithm, nil},
		{"alg HS512 same secret", jws(sha512.New, secret, `{"alg":"HS512"}`, payload()), ErrAlgorithm, nil},
		{"alg RS256", unsigned(`{"alg":"RS256"}`, payload(), goodSig), ErrAlgorithm, nil},
		{"alg ES256", unsigned(`{"alg":"ES256"}`, payload(), goodSig), ErrAlgorithm, nil},
		{"alg EdDSA", unsigned(`{"alg":"EdDSA"}`, payload(), goodSig), ErrAlgorithm, nil},

		// Signature, checked before any claim is trusted.
		{"tampered payload", tampered, ErrSignature, nil},
		{"tampered header", tamperedHeader, ErrSignature, nil},
		// Cut mid-character: malformed when the cut leaves non-zero trailing
		// bits (RFC 4648 §3.5), else a signature that does not match.
		{"truncated signature 42", good[:len(good)-1], cutSig(goodSig, 42), nil},
		{"truncated signature 41", good[:len(good)-2], cutSig(goodSig, 41), nil},
		{"truncated signature 20", good[:len(good)-23], ErrSignature, nil},
		{"empty signature", good[:len(good)-len(goodSig)], ErrSignature, nil},
		{"signature too long", good + "AAAA", ErrSignature, nil},
		{"wrong secret", jws(sha256.New, attacker, hs256, payload()), ErrSignature, nil},
		{"wrong secret expired", jws(sha256.New, attacker, hs256, payload(set("exp", `0`))), ErrSignature, nil},
		{"wrong secret no sub", jws(sha256.New, attacker, hs256, payload(del("sub"))), ErrSignature, nil},
		{"secret prefix", jws(sha256.New, secret[:31], hs256, payload()), ErrSignature, nil},
		{"embedded jwk signed with its key", jws(sha256.New, attacker, jwk, payload()), ErrSignature, nil},
		{"signature of HS384 truncated", func() string {
			input := enc(hs256) + "." + enc(payload())
			sig, _ := base64.RawURLEncoding.DecodeString(mac(sha512.New384, secret, input))
			return input + "." + base64.RawURLEncoding.EncodeToString(sig[:32])
		}(), ErrSignature, nil},

		// RFC 7515 §4.1.11: no extension is understood.
		{"crit exp", sign(`{"alg":"HS256","crit":["exp"],"exp":1}`, payload()), ErrUnsupported, nil},
		{"crit b64", sign(`{"alg":"HS256","b64":false,"crit":["b64"]}`, payload()), ErrUnsupported, nil},
		{"crit empty", sign(`{"alg":"HS256","crit":[]}`, payload()), ErrUnsupported, nil},
		{"crit null", sign(`{"crit":null,"alg":"HS256"}`, payload()), ErrUnsupported, nil},

		// Header structure.
		{"duplicate alg none first", sign(`{"alg":"none","alg":"HS256"}`, payload()), ErrMalformed, nil},
		{"duplicate alg HS256 first", sign(`{"alg":"HS256","alg":"none"}`, payload()), ErrMalformed, nil},
		{"duplicate alg same", sign(`{"alg":"HS256","alg":"HS256"}`, payload()), ErrMalformed, nil},
		{"duplicate typ", sign(`{"alg":"HS256","typ":"JWT","typ":"JWT"}`, payload()), ErrMalformed, nil},
		{"duplicate key nested", sign(`{"alg":"HS256","jwk":{"k":"a","k":"b"}}`, payload()), ErrMalformed, nil},
		{"typ JOSE", sign(`{"alg":"HS256","typ":"JOSE"}`, payload()), ErrMalformed, nil},
		{"typ secevent+jwt", sign(`{"alg":"HS256","typ":"secevent+jwt"}`, payload()), ErrMalformed, nil},
		{"typ number", sign(`{"alg":"HS256","typ":1}`, payload()), ErrMalformed, nil},
		{"typ empty", sign(`{"alg":"HS256","typ":""}`, payload()), ErrMalformed, nil},
		{"header not JSON", sign(`alg=HS256`, payload()), ErrMalformed, nil},
		{"header array", sign(`[{"alg":"HS256"}]`, payload()), ErrMalformed, nil},
		{"header null", sign(`null`, payload()), ErrMalformed, nil},
		{"header string", sign(`"HS256"`, payload()), ErrMalformed, nil},
		{"header trailing data", sign(hs256+`{}`, payload()), ErrMalformed, nil},
		{"header truncated JSON", sign(`{"alg":"HS256"`, payload()), ErrMalformed, nil},
		{"header trailing comma", sign(`{"alg":"HS256",}`, payload()), ErrMalformed, nil},
		{"header invalid UTF-8", sign("{\"alg\":\"HS256\",\"kid\":\"\xff\"}", payload()), ErrMalformed, nil},
		{"empty header", "." + enc(payload()) + "." + goodSig, ErrMalformed, nil},

		// Shape and encoding (RFC 7515 §2, §7.1).
		{"empty token", "", ErrMalformed, nil},
		{"one segment", enc(hs256), ErrMalformed, nil},
		{"two segments", enc(hs256) + "." + enc(payload()), ErrMalformed, nil},
		{"two segments trailing dot", enc(hs256) + "." + enc(payload()) + ".", ErrSignature, nil},
		{"four segments", good + "." + goodSig, ErrMalformed, nil},
		{"four segments empty", good + ".", ErrMalformed, nil},
		{"JWE five segments", enc(`{"alg":"dir","enc":"A256GCM"}`) + "..AAAAAAAAAAAAAAAA." + enc("ciphertext") + ".AAAAAAAAAAAAAAAAAAAAAA", ErrMalformed, nil},
		{"JSON serialization", fmt.Sprintf(`{"payload":%q,"protected":%q,"signature":%q}`, enc(payload()), enc(hs256), goodSig), ErrMalformed, nil},
		{"dots only", "..", ErrMalformed, nil},
		{"padding in header", padded(0), ErrMalformed, nil},
		{"padding in payload", padded(1), ErrMalformed, nil},
		{"padding in signature", padded(2), ErrMalformed, nil},
		{"std alphabet plus", stdHeader("-"), ErrMalformed, nil},
		{"std alphabet slash", stdHeader("_"), ErrMalformed, nil},
		{"std alphabet in signature", func() string {
			for i := 0; ; i++ {
				tok := sign(hs256, payload(set("jti", fmt.Sprintf(`"%d"`, i))))
				s := tok[strings.LastIndexByte(tok, '.')+1:]
				if strings.ContainsAny(s, "-_") {
					return tok[:len(tok)-len(s)] + toStdBase64(s)
				}
			}
		}(), ErrMalformed, nil},
		{"space in token", strings.Replace(good, ".", " .", 1), ErrMalformed, nil},
		{"newline at end", good + "\n", ErrMalformed, nil},
		{"non-ASCII in token", "é" + good, ErrMalformed, nil},
		{"header length 1 mod 4", enc(hs256) + "A." + enc(payload()) + "." + goodSig, ErrMalformed, nil},
		{"non-zero trailing bits", func() string {
			// "{}" encodes as "e30"; "e31" decodes the same bytes leniently.
			tok := sign(hs256, "{}")
			parts := strings.Split(tok, ".")
			parts[1] = "e31"
			return strings.Join(parts, ".")
		}(), ErrMalformed, nil},

		// Payload structure.
		{"payload not JSON", sign(hs256, `sub=user-alice`), ErrMalformed, nil},
		{"payload JSON array", sign(hs256, `[`+payload()+`]`), ErrMalformed, nil},
		{"payload null", sign(hs256, `null`), ErrMalformed, nil},
		{"payload string", sign(hs256, `"`+payload()+`"`), ErrMalformed, nil},
		{"payload number", sign(hs256, `1`), ErrMalformed, nil},
		{"payload empty", enc(hs256) + ".." + goodSig, ErrMalformed, nil},
		{"payload trailing data", sign(hs256, payload()+`{"sub":"user-mallory"}`), ErrMalformed, nil},
		{"payload truncated", sign(hs256, strings.TrimSuffix(payload(), "}")), ErrMalformed, nil},
		{"payload invalid UTF-8", sign(hs256, payload(set("name", "\"\xc3\x28\""))), ErrMalformed, nil},
		{"payload nested JWT", sign(`{"alg":"HS256","cty":"JWT"}`, `"`+good+`"`), ErrMalformed, nil},

		// exp: required, a NumericDate.
		{"exp missing", sign(hs256, payload(del("exp"))), ErrMissingClaim, nil},
		{"exp null", sign(hs256, payload(set("exp", `null`))), ErrInvalidClaim, nil},
		{"exp string", sign(hs256, payload(set("exp", `"`+unix(time.Hour)+`"`))), ErrInvalidClaim, nil},
		{"exp bool", sign(hs256, payload(set("exp", `true`))), ErrInvalidClaim, nil},
		{"exp object", sign(hs256, payload(set("exp", `{"$date":1}`))), ErrInvalidClaim, nil},
		{"exp array", sign(hs256, payload(set("exp", `[`+unix(time.Hour)+`]`))), ErrInvalidClaim, nil},
		{"exp negative", sign(hs256, payload(set("exp", `-1`))), ErrInvalidClaim, nil},
		{"exp huge", sign(hs256, payload(set("exp", `1e400`))), ErrInvalidClaim, nil},
		{"exp year 10000", sign(hs256, payload(set("exp", `253402300800`))), ErrInvalidClaim, nil},
		{"EXP beside exp", sign(hs256, payload(add("EXP", unix(-time.Hour)))), ErrInvalidClaim, nil},
		{"EXP before exp", sign(hs256, payload(del("exp"), add("EXP", unix(time.Hour)), add("exp", unix(time.Hour)))), ErrInvalidClaim, nil},
		{"EXP alone", sign(hs256, payload(del("exp"), add("EXP", unix(time.Hour)))), ErrInvalidClaim, nil},
		{"Exp beside exp", sign(hs256, payload(add("Exp", unix(time.Hour)))), ErrInvalidClaim, nil},
		{"exp duplicate", sign(hs256, payload(add("exp", unix(2*time.Hour)))), ErrInvalidClaim, nil},
		{"nbf string", sign(hs256, payload(set("nbf", `"0"`))), ErrInvalidClaim, nil},
		{"nbf null", sign(hs256, payload(set("nbf", `null`))), ErrInvalidClaim, nil},
		{"iat string", sign(hs256, payload(set("iat", `"now"`))), ErrInvalidClaim, nil},
		{"iat bool", sign(hs256, payload(set("iat", `false`))), ErrInvalidClaim, nil},

		// Case variants and duplicates of the other known claims.
		{"Sub beside sub", sign(hs256, payload(add("Sub", `"user-mallory"`))), ErrInvalidClaim, nil},
		{"SUB alone", sign(hs256, payload(del("sub"), add("SUB", `"user-alice"`))), ErrInvalidClaim, nil},
		{"long s sub", sign(hs256, payload(add("ſub", `"user-mallory"`))), ErrInvalidClaim, nil},
		{"sub duplicate", sign(hs256, payload(add("sub", `"user-mallory"`))), ErrInvalidClaim, nil},
		{"ORG_ID beside org_id", sign(hs256, payload(add("ORG_ID", `"org-evil"`))), ErrInvalidClaim, nil},
		{"org_id duplicate", sign(hs256, payload(add("org_id", `"org-evil"`))), ErrInvalidClaim, nil},
		{"Aud beside aud", sign(hs256, payload(add("Aud", `"`+testAudience+`"`))), ErrInvalidClaim, nil},
		{"Scope beside scope", sign(hs256, payload(add("Scope", `"admin"`))), ErrInvalidClaim, nil},
		{"ISS beside iss", sign(hs256, payload(add("ISS", `"https://evil.example"`))), ErrInvalidClaim, nil},
		{"Jti", sign(hs256, payload(add("Jti", `"x"`))), ErrInvalidClaim, nil},
		{"unknown claim duplicate", sign(hs256, payload(add("x", `1`), add("x", `2`))), ErrInvalidClaim, nil},

		// iss (RFC 7519 §4.1.1).
		{"iss wrong", sign(hs256, payload(set("iss", `"https://evil.example"`))), ErrIssuer, nil},
		{"iss trailing slash", sign(hs256, payload(set("iss", `"`+testIssuer+`/"`))), ErrIssuer, nil},
		{"iss wrong case", sign(hs256, payload(set("iss", `"`+strings.ToUpper(testIssuer)+`"`))), ErrIssuer, nil},
		{"iss missing", sign(hs256, payload(del("iss"))), ErrIssuer, nil},
		{"iss empty", sign(hs256, payload(set("iss", `""`))), ErrIssuer, nil},
		{"iss number", sign(hs256, payload(set("iss", `1`))), ErrIssuer, nil},
		{"iss null", sign(hs256, payload(set("iss", `null`))), ErrIssuer, nil},
		{"iss array", sign(hs256, payload(set("iss", `["`+testIssuer+`"]`))), ErrIssuer, nil},

		// aud (RFC 7519 §4.1.3, RFC 8707): this resource, exactly.
		{"aud missing", sign(hs256, payload(del("aud"))), ErrAudience, nil},
		{"aud other", sign(hs256, payload(set("aud", `"https://other.example.test"`))), ErrAudience, nil},
		{"aud wrong case", sign(hs256, payload(set("aud", `"`+strings.ToUpper(testAudience)+`"`))), ErrAudience, nil},
		{"aud prefix", sign(hs256, payload(set("aud", `"`+testAudience[:len(testAudience)-1]+`"`))), ErrAudience, nil},
		{"aud empty string", sign(hs256, payload(set("aud", `""`))), ErrAudience, nil},
		{"aud empty array", sign(hs256, payload(set("aud", `[]`))), ErrAudience, nil},
		{"aud array of others", sign(hs256, payload(set("aud", `["a","b"]`))), ErrAudience, nil},
		{"aud number", sign(hs256, payload(set("aud", `1`))), ErrAudience, nil},
		{"aud null", sign(hs256, payload(set("aud", `null`))), ErrAudience, nil},
		{"aud object", sign(hs256, payload(set("aud", `{"aud":"`+testAudience+`"}`))), ErrAudience, nil},
		{"aud array with number", sign(hs256, payload(set("aud", `["`+testAudience+`",1]`))), ErrAudience, nil},
		{"aud array with null", sign(hs256, payload(set("aud", `[null,"`+testAudience+`"]`))), ErrAudience, nil},
		{"aud nested array", sign(hs256, payload(set("aud", `[["`+testAudience+`"]]`))), ErrAudience, nil},

		// sub and org_id: the identity the server acts for.
		{"sub missing", sign(hs256, payload(del("sub"))), ErrMissingClaim, nil},
		{"sub empty", sign(hs256, payload(set("sub", `""`))), ErrMissingClaim, nil},
		{"sub number", sign(hs256, payload(set("sub", `42`))), ErrMissingClaim, nil},
		{"sub null", sign(hs256, payload(set("sub", `null`))), ErrMissingClaim, nil},
		{"org_id missing", sign(hs256, payload(del("org_id"))), ErrMissingClaim, nil},
		{"org_id empty", sign(hs256, payload(set("org_id", `""`))), ErrMissingClaim, nil},
		{"org_id array", sign(hs256, payload(set("org_id", `["org-acme"]`))), ErrMissingClaim, nil},

		// JSON escapes are decoded before names are compared (encoding/json,
		// and so any other reader, decodes them too).
		{"escaped values", sign(hs256, payload(set("sub", `"user-\u0061lice"`), set("name", `"A\"l\\i\/c\u00e9 \ud83d\ude00\n"`))), nil,
			withClaims(func(c *Claims) { c.Name = "A\"l\\i/cé 😀\n" })},
		{"escaped alg", sign(`{"\u0061lg":"HS\u0032\u00356"}`, payload()), nil, goodClaims()},
		{"escaped duplicate alg", sign(`{"alg":"HS256","\u0061lg":"none"}`, payload()), ErrMalformed, nil},
		{"escaped duplicate exp", sign(hs256, payload(add(`\u0065xp`, unix(2*time.Hour)))), ErrInvalidClaim, nil},
		{"escaped case variant", sign(hs256, payload(add(`\u0045XP`, unix(2*time.Hour)))), ErrInvalidClaim, nil},
		{"lone high surrogate", sign(hs256, payload(set("name", `"\ud800"`))), ErrMalformed, nil},
		{"lone low surrogate", sign(hs256, payload(set("name", `"\udc00x"`))), ErrMalformed, nil},
		{"two low surrogates", sign(hs256, payload(set("name", `"\udc00\udc00"`))), ErrMalformed, nil},
		{"reversed surrogates", sign(hs256, payload(set("name", `"\ude00\ud83d"`))), ErrMalformed, nil},
		{"bad escape", sign(hs256, payload(set("name", `"\x41"`))), ErrMalformed, nil},
		{"short unicode escape", sign(hs256, payload(set("name", `"\u00e"`))), ErrMalformed, nil},
		{"raw control character", sign(hs256, payload(set("name", "\"a\tb\""))), ErrMalformed, nil},
		{"exp leading zero", sign(hs256, payload(set("exp", `0`+unix(time.Hour)))), ErrMalformed, nil},
		{"exp trailing dot", sign(hs256, payload(set("exp", unix(time.Hour)+`.`))), ErrMalformed, nil},
		{"exp plus sign", sign(hs256, payload(set("exp", `+`+unix(time.Hour)))), ErrMalformed, nil},
		{"exp bare exponent", sign(hs256, payload(set("exp", unix(time.Hour)+`e`))), ErrMalformed, nil},
		{"exp exponent form", sign(hs256, payload(set("exp", fmt.Sprintf("%.9e", float64(testNow.Add(time.Hour).Unix()))))), nil, goodClaims()},
		{"literal misspelt", sign(hs256, payload(add("x", `nul`))), ErrMalformed, nil},
		{"missing colon", sign(hs256, `{"sub" "user-alice"}`), ErrMalformed, nil},
		{"unquoted name", sign(hs256, `{sub:"user-alice"}`), ErrMalformed, nil},
		{"trailing comma", sign(hs256, strings.TrimSuffix(payload(), "}")+`,}`), ErrMalformed, nil},
		{"array trailing comma", sign(hs256, payload(set("aud", `["`+testAudience+`",]`))), ErrMalformed, nil},
		{"many claims", sign(hs256, payload(manyClaims(40, -1)...)), nil, goodClaims()},
		{"many claims duplicate", sign(hs256, payload(manyClaims(40, 30)...)), ErrInvalidClaim, nil},
		{"many header parameters duplicate", sign(`{"alg":"HS256"`+manyMembers(40, 30)+`}`, payload()), ErrMalformed, nil},
		{"nested duplicate after many", sign(hs256, payload(add("x", `{"a":1`+manyMembers(40, 20)+`}`))), ErrInvalidClaim, nil},

		// Optional strings.
		{"scope array", sign(hs256, payload(set("scope", `["read","write"]`))), ErrInvalidClaim, nil},
		{"scope number", sign(hs256, payload(set("scope", `1`))), ErrInvalidClaim, nil},
		// The strict decoder reads null as no value, for an optional string.
		{"scope null", sign(hs256, payload(set("scope", `null`))), nil, withClaims(func(c *Claims) { c.Scopes = []string{} })},
		{"email number", sign(hs256, payload(set("email", `1`))), ErrInvalidClaim, nil},
		{"name object", sign(hs256, payload(set("name", `{}`))), ErrInvalidClaim, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tc.token)
			checkPlainAgrees(t, tc.token, secret, got, err)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if diff := cmp.Diff(tc.claim, got); diff != "" {
					t.Errorf("claims (-want +got):\n%s", diff)
				}
				return
			}
			if got != nil {
				t.Errorf("Verify returned claims %+v with error %v", got, err)
			}
			if err == nil {
				t.Fatalf("Verify accepted the token, want %q", tc.want)
			}
			checkSentinel(t, err, tc.want)
			checkNoLeak(t, err, tc.token, secret)
		})
	}
}

// TestVerifyHugeToken: CVE-2025-30204. A token of 100k dots is refused by
// its length, before it is split: no allocation, and quickly.
func TestVerifyHugeToken(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	for _, token := range []string{
		strings.Repeat(".", 100_000),
		strings.Repeat("A", MaxTokenBytes+1),
		strings.Repeat("AAAA.", 20_000),
	} {
		_, err := v.Verify(context.Background(), token)
		checkSentinel(t, err, ErrMalformed)
		checkNoLeak(t, err, token[:64], secret)
		if allocs := testing.AllocsPerRun(100, func() { _, _ = v.Verify(context.Background(), token) }); allocs != 0 {
			t.Errorf("%d allocations refusing a %d-byte token, want 0", int(allocs), len(token))
		}
		start := time.Now()
		for range 1000 {
			_, _ = v.Verify(context.Background(), token)
		}
		// A few nanoseconds each; the bound is loose for -race and slow CI.
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("1000 refusals of a %d-byte token took %v", len(token), d)
		}
	}
}

// TestVerifyMaxTokenBytes: the limit is exactly MaxTokenBytes.
func TestVerifyMaxTokenBytes(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	// tokenOfLen finds a good token of exactly n bytes by padding an unknown
	// claim and the header's kid.
	tokenOfLen := func(n int) string {
		for kid := 0; kid < 4; kid++ {
			for pad := 0; pad < MaxTokenBytes; pad++ {
				h := `{"alg":"HS256","kid":"` + strings.Repeat("k", kid) + `"}`
				tok := jws(sha256.New, secret, h, payload(add("pad", `"`+strings.Repeat("p", pad)+`"`)))
				if len(tok) == n {
					return tok
				}
				if len(tok) > n {
					break
				}
			}
		}
		t.Fatalf("no token of %d bytes", n)
		return ""
	}
	if _, err := v.Verify(context.Background(), tokenOfLen(MaxTokenBytes)); err != nil {
		t.Errorf("token of MaxTokenBytes: %v", err)
	}
	_, err := v.Verify(context.Background(), tokenOfLen(MaxTokenBytes+1))
	checkSentinel(t, err, ErrMalformed)
}

// TestVerifyNoNetwork: jku and x5u (and jwk, x5c) are never fetched or used
// (RFC 8725 §3.10). The server counts every request it gets.
func TestVerifyNoNetwork(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "not here", http.StatusTeapot)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}

	secret := newSecret(t, 32)
	attacker := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	refs := fmt.Sprintf(`"jku":%q,"x5u":%q,"kid":"attacker"`, srv.URL+"/jwks.json", srv.URL+"/cert.pem")
	jwk := fmt.Sprintf(`"jwk":{"kty":"oct","k":%q}`, base64.RawURLEncoding.EncodeToString(attacker))

	// Signed with the real secret: accepted, the references ignored.
	good := jws(sha256.New, secret, `{"alg":"HS256",`+refs+`}`, payload())
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Errorf("token with jku/x5u: %v", err)
	}
	// Signed with the attacker's key the references point at: refused.
	for _, h := range []string{`{"alg":"HS256",` + refs + `}`, `{"alg":"HS256",` + refs + `,` + jwk + `}`} {
		tok := jws(sha256.New, attacker, h, payload())
		_, err := v.Verify(context.Background(), tok)
		checkSentinel(t, err, ErrSignature)
		checkNoLeak(t, err, tok, secret)
	}
	// RS256 with a jku: refused for its algorithm, nothing fetched.
	_, err := v.Verify(context.Background(), unsigned(`{"alg":"RS256",`+refs+`}`, payload(), strings.Repeat("A", 342)))
	checkSentinel(t, err, ErrAlgorithm)

	if n := hits.Load(); n != 0 {
		t.Errorf("the key server got %d requests, want 0", n)
	}
}

// TestVerifyLeewayZero: with no leeway, exp must be strictly in the future
// (RFC 7519 §4.1.4) and nbf not in the future (§4.1.5).
func TestVerifyLeewayZero(t *testing.T) {
	secret := newSecret(t, 32)
	v, err := NewVerifier(VerifierConfig{Secret: secret, Issuer: testIssuer, Audience: testAudience,
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pl   string
		want error
	}{
		{"exp 1s ahead", payload(set("exp", unix(time.Second))), nil},
		{"exp now", payload(set("exp", unix(0))), ErrExpired},
		{"exp 1s ago", payload(set("exp", unix(-time.Second))), ErrExpired},
		{"nbf now", payload(set("nbf", unix(0))), nil},
		{"nbf 1s ahead", payload(set("nbf", unix(time.Second))), ErrNotYetValid},
		{"iat 1s ahead", payload(set("iat", unix(time.Second))), ErrNotYetValid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), jws(sha256.New, secret, hs256, tc.pl))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			checkSentinel(t, err, tc.want)
		})
	}
}

// TestVerifyRealClock: a nil Now means time.Now.
func TestVerifyRealClock(t *testing.T) {
	secret := newSecret(t, 32)
	v, err := NewVerifier(VerifierConfig{Secret: secret, Issuer: testIssuer, Audience: testAudience, Leeway: DefaultLeeway})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	fresh := payload(set("iat", fmt.Sprint(now.Unix())), set("exp", fmt.Sprint(now.Add(time.Hour).Unix())))
	if _, err := v.Verify(context.Background(), jws(sha256.New, secret, hs256, fresh)); err != nil {
		t.Errorf("fresh token: %v", err)
	}
	// payload() expires at testNow+1h, long before the real now.
	_, err = v.Verify(context.Background(), jws(sha256.New, secret, hs256, payload()))
	checkSentinel(t, err, ErrExpired)
}

func TestNewVerifier(t *testing.T) {
	secret := newSecret(t, 32)
	ok := VerifierConfig{Secret: secret, Issuer: testIssuer, Audience: testAudience, Leeway: DefaultLeeway}
	tests := []struct {
		name    string
		edit    func(*VerifierConfig)
		wantErr bool
	}{
		{"good", func(*VerifierConfig) {}, false},
		{"leeway 0", func(c *VerifierConfig) { c.Leeway = 0 }, false},
		{"leeway max", func(c *VerifierConfig) { c.Leeway = MaxLeeway }, false},
		{"secret 64 bytes", func(c *VerifierConfig) { c.Secret = newSecret(t, 64) }, false},
		{"secret 31 bytes", func(c *VerifierConfig) { c.Secret = secret[:31] }, true},
		{"secret empty", func(c *VerifierConfig) { c.Secret = nil }, true},
		{"issuer empty", func(c *VerifierConfig) { c.Issuer = "" }, true},
		{"audience empty", func(c *VerifierConfig) { c.Audience = "" }, true},
		{"leeway negative", func(c *VerifierConfig) { c.Leeway = -time.Nanosecond }, true},
		{"leeway over 5 min", func(c *VerifierConfig) { c.Leeway = MaxLeeway + time.Nanosecond }, true},
		{"leeway 1 hour", func(c *VerifierConfig) { c.Leeway = time.Hour }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			v, err := NewVerifier(cfg)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("NewVerifier error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if v != nil {
					t.Error("NewVerifier returned a verifier with its error")
				}
				checkNoLeak(t, err, "", cfg.Secret)
				return
			}
			var tv TokenVerifier = v.Verify // the method value is a TokenVerifier
			if tv == nil {
				t.Fatal("nil TokenVerifier")
			}
		})
	}
	if DefaultLeeway != time.Minute || MaxLeeway != 5*time.Minute || MaxTokenBytes != 8192 {
		t.Errorf("constants: DefaultLeeway %v, MaxLeeway %v, MaxTokenBytes %d", DefaultLeeway, MaxLeeway, MaxTokenBytes)
	}
}

// TestNewVerifierCopiesSecret: changing the caller's slice afterwards changes
// nothing.
func TestNewVerifierCopiesSecret(t *testing.T) {
	secret := newSecret(t, 32)
	orig := append([]byte(nil), secret...)
	v := newTestVerifier(t, secret)
	clear(secret)
	if _, err := v.Verify(context.Background(), jws(sha256.New, orig, hs256, payload())); err != nil {
		t.Errorf("token signed with the original secret: %v", err)
	}
	_, err := v.Verify(context.Background(), jws(sha256.New, secret, hs256, payload()))
	checkSentinel(t, err, ErrSignature)
}

// TestVerifyConcurrent runs under -race: a Verifier is shared by all requests.
func TestVerifyConcurrent(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	good := jws(sha256.New, secret, hs256, payload())
	bad := jws(sha256.New, secret, hs256, payload(set("exp", `0`)))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if c, err := v.Verify(context.Background(), good); err != nil || c.Subject != "user-alice" {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
				if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrExpired) {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestVerifyClaimsIndependent: each Verify returns its own Claims.
func TestVerifyClaimsIndependent(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	tok := jws(sha256.New, secret, hs256, payload(set("aud", `["`+testAudience+`","b"]`)))
	a, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	a.Audience[0], a.Scopes[0] = "x", "admin"
	b, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	want := withClaims(func(c *Claims) { c.Audience = []string{testAudience, "b"} })
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("second Verify (-want +got):\n%s", diff)
	}
}

// BenchmarkVerify is the verification of a valid token: full, as for the
// first request with it, and cached, as for every later one.
func BenchmarkVerify(b *testing.B) {
	secret := newSecret(b, 32)
	v := newTestVerifier(b, secret)
	token := jws(sha256.New, secret, hs256, payload())
	ctx := context.Background()
	for _, bench := range []struct {
		name   string
		verify TokenVerifier
	}{{"full", v.verifyFull}, {"cached", v.Verify}} {
		b.Run(bench.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bench.verify(ctx, token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyRejectAlgNone(b *testing.B) {
	secret := newSecret(b, 32)
	v := newTestVerifier(b, secret)
	token := unsigned(`{"alg":"none","typ":"JWT"}`, payload(), "")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); !errors.Is(err, ErrAlgorithm) {
			b.Fatal(err)
		}
	}
}

// anyMAC is an "HS256" that accepts any signature: what a package that
// replaced golang-jwt's registration of HS256 would hand the parser.
type anyMAC struct{}

func (anyMAC) Alg() string                      { return "HS256" }
func (anyMAC) Verify(string, []byte, any) error { return nil }
func (anyMAC) Sign(string, any) ([]byte, error) { return nil, errors.New("no") }

// TestVerifyIgnoresTheRegistry: golang-jwt finds a token's signing method
// by its alg in a global registry, which any imported package can change;
// the verifier uses only the method values of its own allow-list (RFC 8725
// §3.1), so a replaced HS256 verifies nothing. (Not parallel: it changes
// the registry for its duration.)
func TestVerifyIgnoresTheRegistry(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	forged := jws(sha256.New, newSecret(t, 32), hs256, payload())
	jwt.RegisterSigningMethod("HS256", func() jwt.SigningMethod { return anyMAC{} })
	t.Cleanup(func() {
		jwt.RegisterSigningMethod("HS256", func() jwt.SigningMethod { return jwt.SigningMethodHS256 })
	})
	_, err := v.Verify(context.Background(), forged)
	checkSentinel(t, err, ErrAlgorithm)
}

// cutSig is the refusal of the signature sig cut to n characters:
// ErrMalformed when the cut is not canonical base64url, else ErrSignature.
func cutSig(sig string, n int) error {
	if _, err := base64.RawURLEncoding.Strict().DecodeString(sig[:n]); err != nil {
		return ErrMalformed
	}
	return ErrSignature
}
