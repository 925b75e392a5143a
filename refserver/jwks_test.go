package refserver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// Test keys, generated once per run (RSA generation is slow) and never
// written anywhere.
var (
	testKeysOnce sync.Once
	testRSAKeys  [3]*rsa.PrivateKey
	testECKeys   [2]*ecdsa.PrivateKey
	testWeakRSA  *rsa.PrivateKey
	testEC384    *ecdsa.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	testKeysOnce.Do(func() {
		for i := range testRSAKeys {
			testRSAKeys[i] = must(rsa.GenerateKey(rand.Reader, 2048))
		}
		for i := range testECKeys {
			testECKeys[i] = must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
		}
		// crypto/rsa refuses to generate keys under 1024 bits; 1024 is
		// below RFC 7518 §3.3's 2048.
		testWeakRSA = must(rsa.GenerateKey(rand.Reader, 1024))
		testEC384 = must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rsaJWK and ecJWK write public JWKs by hand (RFC 7518 §6.3.1, §6.2.1), so
// that the test does not trust jwkset to describe the keys it then reads.
func rsaJWK(kid string, k *rsa.PublicKey, extra map[string]any) map[string]any {
	m := map[string]any{"kty": "RSA", "kid": kid, "n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes())}
	for n, v := range extra {
		m[n] = v
	}
	return m
}

func ecJWK(kid string, k *ecdsa.PublicKey, extra map[string]any) map[string]any {
	x, y := make([]byte, 32), make([]byte, 32)
	k.X.FillBytes(x)
	k.Y.FillBytes(y)
	m := map[string]any{"kty": "EC", "crv": "P-256", "kid": kid, "x": b64u(x), "y": b64u(y)}
	for n, v := range extra {
		m[n] = v
	}
	return m
}

func ecJWK384(kid string, k *ecdsa.PublicKey) map[string]any {
	x, y := make([]byte, 48), make([]byte, 48)
	k.X.FillBytes(x)
	k.Y.FillBytes(y)
	return map[string]any{"kty": "EC", "crv": "P-384", "kid": kid, "x": b64u(x), "y": b64u(y)}
}

// TestKeyForAlg covers the key checks that the signature checks would hide:
// a short RSA key never yields a 342-character signature.
func TestKeyForAlg(t *testing.T) {
	testKeys(t)
	weak := must(jwkset.NewJWKFromKey(&testWeakRSA.PublicKey, jwkset.JWKOptions{}))
	if _, err := keyForAlg(weak, "RS256"); !errors.Is(err, errKeyWeak) {
		t.Errorf("1024-bit RSA key: %v, want errKeyWeak", err)
	}
	priv := must(jwkset.NewJWKFromKey(testRSAKeys[0], jwkset.JWKOptions{Marshal: jwkset.JWKMarshalOptions{Private: true}}))
	k, err := keyForAlg(priv, "RS256")
	if pub, ok := k.(*rsa.PublicKey); err != nil || !ok || !pub.Equal(&testRSAKeys[0].PublicKey) {
		t.Errorf("published private RSA key: %T, %v; want its public key", k, err)
	}
	ec := must(jwkset.NewJWKFromKey(&testECKeys[0].PublicKey, jwkset.JWKOptions{}))
	for _, alg := range []string{"RS256", "ES384", "HS256", "none"} {
		if _, err := keyForAlg(ec, alg); !errors.Is(err, errKeyAlg) {
			t.Errorf("P-256 key for %s: %v, want errKeyAlg", alg, err)
		}
	}
}

// keyServer is the issuer's JWKS endpoint: it counts fetches and can be
// taken down.
type keyServer struct {
	srv    *httptest.Server
	hits   atomic.Int64
	status atomic.Int64 // 0: 200 with the set
	mu     sync.Mutex
	keys   []map[string]any
	body   []byte // when set, served instead of the set
}

func newKeyServer(t *testing.T, keys ...map[string]any) *keyServer {
	t.Helper()
	ks := &keyServer{keys: keys}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		if s := ks.status.Load(); s != 0 {
			http.Error(w, "down", int(s))
			return
		}
		ks.mu.Lock()
		body := ks.body
		if body == nil {
			body = must(json.Marshal(map[string]any{"keys": ks.keys}))
		}
		ks.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(ks.srv.Close)
	if !strings.HasPrefix(ks.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("key server at %s, want 127.0.0.1", ks.srv.URL)
	}
	return ks
}

func (ks *keyServer) set(keys ...map[string]any) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = keys
}

// logSink records log lines for the level and leak checks.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newTestJWKSVerifier(t *testing.T, url string, edit func(*JWKSConfig)) (*JWKSVerifier, *logSink) {
	t.Helper()
	logs := &logSink{}
	cfg := JWKSConfig{
		URL: url, Issuer: testIssuer, Audience: testAudience, Leeway: DefaultLeeway,
		Now:    func() time.Time { return testNow },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Long by default, so that only the test decides when a fetch
		// happens; tests of the limiter and the refresh shorten them.
		RefreshInterval:    time.Hour,
		RefreshMinInterval: time.Hour,
		FetchTimeout:       2 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	v, err := NewJWKSVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v, logs
}

// signAs signs header.payload (hand-written JSON) with method and key.
func signAs(t testing.TB, m jwt.SigningMethod, key any, header, pl string) string {
	t.Helper()
	input := enc(header) + "." + enc(pl)
	sig, err := m.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64u(sig)
}

func rsHeader(kid string) string { return `{"alg":"RS256","typ":"JWT","kid":"` + kid + `"}` }
func esHeader(kid string) string { return `{"alg":"ES256","typ":"JWT","kid":"` + kid + `"}` }

// TestJWKSVerify: tokens signed with a key of the set, by kid, are accepted
// with the same claims the HS256 Verifier returns; every key/alg mismatch is
// refused.
func TestJWKSVerify(t *testing.T) {
	testKeys(t)
	rsaKey, ecKey, other := testRSAKeys[0], testECKeys[0], testRSAKeys[1]
	oct := newSecret(t, 32)
	ks := newKeyServer(t,
		rsaJWK("rsa", &rsaKey.PublicKey, map[string]any{"alg": "RS256", "use": "sig"}),
		rsaJWK("rsa-bare", &rsaKey.PublicKey, nil),
		ecJWK("ec", &ecKey.PublicKey, map[string]any{"alg": "ES256", "use": "sig"}),
		ecJWK("ec-bare", &ecKey.PublicKey, nil),
		rsaJWK("rsa-enc", &rsaKey.PublicKey, map[string]any{"use": "enc"}),
		rsaJWK("rsa-signonly", &rsaKey.PublicKey, map[string]any{"key_ops": []string{"sign"}}),
		rsaJWK("rsa-verify", &rsaKey.PublicKey, map[string]any{"key_ops": []string{"verify"}}),
		rsaJWK("rsa-as-ps256", &rsaKey.PublicKey, map[string]any{"alg": "PS256"}),
		rsaJWK("weak", &testWeakRSA.PublicKey, map[string]any{"alg": "RS256"}),
		map[string]any{"kty": "oct", "kid": "oct", "alg": "HS256", "k": b64u(oct)},
		ecJWK384("ec384", &testEC384.PublicKey),
	)
	v, logs := newTestJWKSVerifier(t, ks.srv.URL+"/jwks.json", nil)

	pl := payload()
	pkix := must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey))
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	hs := func(header string, key []byte) string { return jws(sha256.New, key, header, pl) }
	psychic := enc(esHeader("ec")) + "." + enc(pl) + "." + b64u(make([]byte, 64))
	derSig := func() string {
		input := enc(esHeader("ec")) + "." + enc(pl)
		sum := sha256.Sum256([]byte(input))
		der := must(ecdsa.SignASN1(rand.Reader, ecKey, sum[:]))
		return input + "." + b64u(der)
	}()
	nSig := func() string {
		n := elliptic.P256().Params().N.Bytes()
		return enc(esHeader("ec")) + "." + enc(pl) + "." + b64u(append(append([]byte{}, n...), n...))
	}()

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"RS256 key with alg", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa"), pl), nil},
		{"RS256 key without alg", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa-bare"), pl), nil},
		{"ES256 key with alg", signAs(t, jwt.SigningMethodES256, ecKey, esHeader("ec"), pl), nil},
		{"ES256 key without alg", signAs(t, jwt.SigningMethodES256, ecKey, esHeader("ec-bare"), pl), nil},
		{"key_ops verify", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa-verify"), pl), nil},
		{"typ at+jwt", signAs(t, jwt.SigningMethodRS256, rsaKey, `{"kid":"rsa","typ":"at+jwt","alg":"RS256"}`, pl), nil},

		// RFC 8725 §3.1: the algorithm comes from the key, not the token.
		{"HS256 with the PEM public key", hs(`{"alg":"HS256","kid":"rsa"}`, pemKey), ErrAlgorithm},
		{"HS256 with the DER public key", hs(`{"alg":"HS256","kid":"rsa"}`, pkix), ErrAlgorithm},
		{"HS256 with the oct key of the set", hs(`{"alg":"HS256","kid":"oct"}`, oct), ErrAlgorithm},
		{"RS256 naming the oct key", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("oct"), pl), ErrAlgorithm},
		{"RS384 with the RS256 key", signAs(t, jwt.SigningMethodRS384, rsaKey, `{"alg":"RS384","kid":"rsa"}`, pl), ErrAlgorithm},
		{"PS256 with the bare RSA key", signAs(t, jwt.SigningMethodPS256, rsaKey, `{"alg":"PS256","kid":"rsa-bare"}`, pl), ErrAlgorithm},
		{"RS256 with a key marked PS256", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa-as-ps256"), pl), ErrAlgorithm},
		{"ES256 signed by the EC key, kid of the RSA key", signAs(t, jwt.SigningMethodES256, ecKey, esHeader("rsa"), pl), ErrAlgorithm},
		{"ES256 naming the bare RSA key", signAs(t, jwt.SigningMethodES256, ecKey, esHeader("rsa-bare"), pl), ErrAlgorithm},
		{"RS256 naming the EC key", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("ec-bare"), pl), ErrAlgorithm},
		{"alg none naming the RSA key", unsigned(`{"alg":"none","kid":"rsa"}`, pl, ""), ErrAlgorithm},
		{"encryption key", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa-enc"), pl), ErrAlgorithm},
		{"key_ops without verify", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("rsa-signonly"), pl), ErrAlgorithm},
		// RFC 7518 §3.3: 2048 bits or more; the key is refused before use.
		{"RSA key of 1024 bits", signAs(t, jwt.SigningMethodRS256, testWeakRSA, rsHeader("weak"), pl), ErrAlgorithm},

		// Signatures.
		{"RS256 by another key", signAs(t, jwt.SigningMethodRS256, other, rsHeader("rsa"), pl), ErrSignature},
		{"psychic signature r=s=0 (CVE-2022-21449)", psychic, ErrSignature},
		{"ES256 r=s=n", nSig, ErrSignature},
		{"ES256 signature in ASN.1 DER", derSig, ErrSignature},
		{"RS256 empty signature", enc(rsHeader("rsa")) + "." + enc(pl) + ".", ErrSignature},
		// A signature of the wrong length never matches (golang-jwt checks
		// R||S is 64 bytes for ES256, and rsa the modulus length).
		{"RS256 short signature", enc(rsHeader("rsa")) + "." + enc(pl) + "." + b64u(make([]byte, 128)), ErrSignature},
		{"ES256 short signature", enc(esHeader("ec")) + "." + enc(pl) + "." + b64u(make([]byte, 63)), ErrSignature},
		{"ES256 long signature", enc(esHeader("ec")) + "." + enc(pl) + "." + b64u(make([]byte, 65)), ErrSignature},
		// The payload is read before the signature.
		{"RS256 payload not JSON", enc(rsHeader("rsa")) + "." + enc("x") + "." + b64u(make([]byte, 256)), ErrMalformed},
		{"ES256 naming a P-384 key", signAs(t, jwt.SigningMethodES256, ecKey, esHeader("ec384"), pl), ErrAlgorithm},
		{"ES256 empty signature", enc(esHeader("ec")) + "." + enc(pl) + ".", ErrSignature},

		// kid: a string naming a key of the set; nothing else picks a key.
		{"kid missing", signAs(t, jwt.SigningMethodRS256, rsaKey, `{"alg":"RS256"}`, pl), ErrMalformed},
		{"kid empty", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader(""), pl), ErrMalformed},
		{"kid number", signAs(t, jwt.SigningMethodRS256, rsaKey, `{"alg":"RS256","kid":1}`, pl), ErrMalformed},
		{"kid too long", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader(strings.Repeat("k", 257)), pl), ErrMalformed},
		{"kid of another case", signAs(t, jwt.SigningMethodRS256, rsaKey, rsHeader("RSA"), pl), ErrSignature},
		{"duplicate kid", signAs(t, jwt.SigningMethodRS256, rsaKey, `{"alg":"RS256","kid":"nope","kid":"rsa"}`, pl), ErrMalformed},
		{"jwk of the attacker", signAs(t, jwt.SigningMethodRS256, other,
			`{"alg":"RS256","kid":"rsa","jwk":`+string(must(json.Marshal(rsaJWK("rsa", &other.PublicKey, nil))))+`}`, pl), ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if diff := cmp.Diff(goodClaims(), got); diff != "" {
					t.Errorf("claims (-want +got):\n%s", diff)
				}
				return
			}
			if got != nil || err == nil {
				t.Fatalf("Verify accepted the token (%+v), want %q", got, tc.want)
			}
			checkSentinel(t, err, tc.want)
			checkNoLeak(t, err, tc.token, oct)
		})
	}
	// One fetch at start; "kid of another case" and the attacker's kid ask
	// for one more, which the limiter (RefreshMinInterval 1 h) allows once.
	if n := ks.hits.Load(); n != 2 {
		t.Errorf("the key server got %d requests, want 2 (start, one unknown kid)", n)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("error-level log lines:\n%s", logs)
	}
}

// TestJWKSSameRules: the JWKS verifier applies exactly the HS256 Verifier's
// structure and claim rules. Each payload and header variant is signed three
// ways (HS256, RS256, ES256); all three verifiers must agree, claims or
// sentinel.
func TestJWKSSameRules(t *testing.T) {
	testKeys(t)
	secret := newSecret(t, 32)
	hsV := newTestVerifier(t, secret)
	ks := newKeyServer(t,
		rsaJWK("rsa", &testRSAKeys[0].PublicKey, map[string]any{"alg": "RS256"}),
		ecJWK("ec", &testECKeys[0].PublicKey, map[string]any{"alg": "ES256"}))
	jwksV, _ := newTestJWKSVerifier(t, ks.srv.URL, nil)

	payloads := map[string]string{
		"good":                payload(),
		"aud array":           payload(set("aud", `["x","`+testAudience+`"]`)),
		"no scope":            payload(del("scope")),
		"exp past":            payload(set("exp", unix(-time.Hour))),
		"exp inside leeway":   payload(set("exp", unix(-30*time.Second))),
		"exp missing":         payload(del("exp")),
		"exp string":          payload(set("exp", `"`+unix(time.Hour)+`"`)),
		"exp duplicate":       payload(add("exp", unix(2*time.Hour))),
		"EXP beside exp":      payload(add("EXP", unix(-time.Hour))),
		"escaped exp dup":     payload(add(`\u0065xp`, unix(2*time.Hour))),
		"nbf future":          payload(set("nbf", unix(time.Hour))),
		"iat future":          payload(set("iat", unix(time.Hour))),
		"iss wrong":           payload(set("iss", `"https://evil.example"`)),
		"iss missing":         payload(del("iss")),
		"iss number":          payload(set("iss", `1`)),
		"aud other":           payload(set("aud", `"https://other.example.test"`)),
		"aud missing":         payload(del("aud")),
		"aud array number":    payload(set("aud", `["`+testAudience+`",1]`)),
		"sub missing":         payload(del("sub")),
		"sub number":          payload(set("sub", `42`)),
		"Sub beside sub":      payload(add("Sub", `"user-mallory"`)),
		"long s sub":          payload(add("ſub", `"user-mallory"`)),
		"org_id missing":      payload(del("org_id")),
		"org_id duplicate":    payload(add("org_id", `"org-evil"`)),
		"scope array":         payload(set("scope", `["read"]`)),
		"unknown duplicate":   payload(add("x", `1`), add("x", `2`)),
		"lone surrogate":      payload(set("name", `"\ud800"`)),
		"not JSON":            `sub=user-alice`,
		"array":               `[` + payload() + `]`,
		"trailing data":       payload() + `{}`,
		"too deep":            payload(add("x", strings.Repeat("[", 40)+strings.Repeat("]", 40))),
		"many claims dup":     payload(manyClaims(40, 30)...),
		"oversized (8 KiB+)":  payload(add("pad", `"`+strings.Repeat("a", MaxTokenBytes)+`"`)),
		"escaped values":      payload(set("name", `"A\u00e9 \ud83d\ude00"`)),
		"fractional exp":      payload(set("exp", unix(time.Hour)+".5")),
		"exp year 10000":      payload(set("exp", `253402300800`)),
		"whitespace":          " " + payload() + "\n",
		"exp exponent form":   payload(set("exp", fmt.Sprintf("%.9e", float64(testNow.Add(time.Hour).Unix())))),
		"email number":        payload(set("email", `1`)),
		"jti object accepted": payload(add("jti", `{"a":1}`)),
	}
	// Header members added after alg and kid; %s is the alg.
	headers := map[string]string{
		"plain":           ``,
		"typ JWT":         `,"typ":"JWT"`,
		"typ at+jwt":      `,"typ":"application/at+jwt"`,
		"typ JOSE":        `,"typ":"JOSE"`,
		"typ number":      `,"typ":1`,
		"crit":            `,"crit":["exp"],"exp":1`,
		"crit empty":      `,"crit":[]`,
		"duplicate alg":   `,"alg":"%s"`,
		"duplicate typ":   `,"typ":"JWT","typ":"JWT"`,
		"nested dup":      `,"x":{"a":1,"a":2}`,
		"jku and x5u":     `,"jku":"http://127.0.0.1:1/jwks","x5u":"http://127.0.0.1:1/c"`,
		"too deep":        `,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40),
		"escaped dup alg": `,"\u0061lg":"none"`,
	}
	type outcome struct {
		Claims *Claims
		Err    string // the sentinel's text
	}
	result := func(c *Claims, err error) outcome {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return outcome{Err: s.Error()}
			}
		}
		if err != nil {
			return outcome{Err: "unexpected: " + err.Error()}
		}
		return outcome{Claims: c}
	}
	hsHeader := func(extra string) string { return `{"alg":"HS256"` + strings.ReplaceAll(extra, "%s", "HS256") + `}` }
	for pn, pl := range payloads {
		for hn, extra := range headers {
			t.Run(pn+"/"+hn, func(t *testing.T) {
				want := result(hsV.Verify(context.Background(), jws(sha256.New, secret, hsHeader(extra), pl)))
				for _, s := range []struct {
					alg string
					m   jwt.SigningMethod
					key crypto.Signer
					kid string
				}{
					{"RS256", jwt.SigningMethodRS256, testRSAKeys[0], "rsa"},
					{"ES256", jwt.SigningMethodES256, testECKeys[0], "ec"},
				} {
					h := `{"alg":"` + s.alg + `","kid":"` + s.kid + `"` + strings.ReplaceAll(extra, "%s", s.alg) + `}`
					got := result(jwksV.Verify(context.Background(), signAs(t, s.m, s.key, h, pl)))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s differs from HS256 (-HS256 +%s):\n%s", s.alg, s.alg, diff)
					}
				}
			})
		}
	}
	if n := ks.hits.Load(); n != 1 {
		t.Errorf("the key server got %d requests, want 1: every kid was known", n)
	}
}

// TestJWKSUnknownKIDRefresh: an unknown kid fetches the set again, so a key
// the issuer has just published works at once; a key the issuer withdrew
// stops working after that fetch (OIDC Core 1.0 §10.1.1).
func TestJWKSUnknownKIDRefresh(t *testing.T) {
	testKeys(t)
	k1, k2 := testRSAKeys[0], testRSAKeys[1]
	ks := newKeyServer(t, rsaJWK("k1", &k1.PublicKey, nil))
	v, _ := newTestJWKSVerifier(t, ks.srv.URL, func(c *JWKSConfig) { c.RefreshMinInterval = time.Millisecond })
	pl := payload()
	tok1 := signAs(t, jwt.SigningMethodRS256, k1, rsHeader("k1"), pl)
	tok2 := signAs(t, jwt.SigningMethodRS256, k2, rsHeader("k2"), pl)

	if _, err := v.Verify(context.Background(), tok1); err != nil {
		t.Fatalf("k1 before rotation: %v", err)
	}
	_, err := v.Verify(context.Background(), tok2)
	checkSentinel(t, err, ErrSignature) // k2 unpublished: refused after a fetch
	if n := ks.hits.Load(); n != 2 {
		t.Errorf("%d fetches after one unknown kid, want 2", n)
	}

	ks.set(rsaJWK("k2", &k2.PublicKey, nil)) // rotation: k2 in, k1 out
	if _, err := v.Verify(context.Background(), tok1); err != nil {
		t.Errorf("k1 before the target saw the rotation: %v (the cache should still hold it)", err)
	}
	time.Sleep(2 * time.Millisecond) // past RefreshMinInterval
	if _, err := v.Verify(context.Background(), tok2); err != nil {
		t.Fatalf("k2 after rotation: %v", err)
	}
	_, err = v.Verify(context.Background(), tok1)
	checkSentinel(t, err, ErrSignature)
}

// TestJWKSRefreshLimit: invented kids cost the issuer at most one fetch per
// RefreshMinInterval, and no request waits for the limiter.
func TestJWKSRefreshLimit(t *testing.T) {
	testKeys(t)
	ks := newKeyServer(t, rsaJWK("k1", &testRSAKeys[0].PublicKey, nil))
	v, _ := newTestJWKSVerifier(t, ks.srv.URL, func(c *JWKSConfig) { c.RefreshMinInterval = time.Hour })
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := signAs(t, jwt.SigningMethodRS256, testRSAKeys[1], rsHeader(fmt.Sprintf("invented-%d", i)), payload())
			_, err := v.Verify(context.Background(), tok)
			if !errors.Is(err, ErrSignature) {
				t.Errorf("invented kid: %v, want ErrSignature", err)
			}
		}()
	}
	wg.Wait()
	if n := ks.hits.Load(); n != 2 {
		t.Errorf("%d fetches for 200 invented kids, want 2 (start, one refresh)", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("200 refusals took %v: requests waited", d)
	}
}

// TestJWKSOutage: while the endpoint fails, the cached keys keep working and
// unknown kids are refused promptly; failures are logged at warn level,
// without the token.
func TestJWKSOutage(t *testing.T) {
	testKeys(t)
	k1, k2 := testRSAKeys[0], testRSAKeys[1]
	ks := newKeyServer(t, rsaJWK("k1", &k1.PublicKey, nil))
	v, logs := newTestJWKSVerifier(t, ks.srv.URL, func(c *JWKSConfig) {
		c.RefreshMinInterval = time.Millisecond
		c.RefreshInterval = 5 * time.Millisecond // the background refresh fails too
	})
	tok1 := signAs(t, jwt.SigningMethodRS256, k1, rsHeader("k1"), payload())
	tok2 := signAs(t, jwt.SigningMethodRS256, k2, rsHeader("k2"), payload())

	for _, status := range []int{http.StatusServiceUnavailable, http.StatusNotFound, http.StatusOK} {
		if status == http.StatusOK {
			ks.mu.Lock()
			ks.body = []byte(`{"keys":[{"kty":"RSA","kid":"k2","n":"broken"}]}`) // a set that does not parse
			ks.mu.Unlock()
		} else {
			ks.status.Store(int64(status))
		}
		ks.set(rsaJWK("k2", &k2.PublicKey, nil))
		before := ks.hits.Load()
		time.Sleep(20 * time.Millisecond) // a few background refreshes fail
		start := time.Now()
		_, err := v.Verify(context.Background(), tok2)
		checkSentinel(t, err, ErrSignature)
		if d := time.Since(start); d > time.Second {
			t.Errorf("status %d: refusal took %v", status, d)
		}
		if _, err := v.Verify(context.Background(), tok1); err != nil {
			t.Errorf("status %d: cached key refused: %v", status, err)
		}
		if ks.hits.Load() == before {
			t.Errorf("status %d: no fetch was attempted", status)
		}
		ks.status.Store(0)
		ks.mu.Lock()
		ks.body = nil
		ks.mu.Unlock()
		ks.set(rsaJWK("k1", &k1.PublicKey, nil))
	}
	out := logs.String()
	if !strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") {
		t.Errorf("want warn-level lines and no error-level line:\n%s", out)
	}
	for _, tok := range []string{tok1, tok2} {
		if strings.Contains(out, tok[strings.LastIndexByte(tok, '.')+1:]) || strings.Contains(out, tok[:strings.IndexByte(tok, '.')]) {
			t.Error("a token reached the log")
		}
	}
}

// TestJWKSBackgroundRefresh: without any unknown kid, a withdrawn key stops
// working within RefreshInterval; Close stops the refresh.
func TestJWKSBackgroundRefresh(t *testing.T) {
	testKeys(t)
	k1, k2 := testRSAKeys[0], testRSAKeys[1]
	ks := newKeyServer(t, rsaJWK("k1", &k1.PublicKey, nil))
	v, _ := newTestJWKSVerifier(t, ks.srv.URL, func(c *JWKSConfig) { c.RefreshInterval = 10 * time.Millisecond })
	tok1 := signAs(t, jwt.SigningMethodRS256, k1, rsHeader("k1"), payload())
	if _, err := v.Verify(context.Background(), tok1); err != nil {
		t.Fatal(err)
	}
	ks.set(rsaJWK("k2", &k2.PublicKey, nil))
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, err := v.Verify(context.Background(), tok1); err != nil {
			checkSentinel(t, err, ErrSignature)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the withdrawn key still works after 3 s of 10 ms refreshes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	v.Close()
	time.Sleep(50 * time.Millisecond) // a refresh in flight may still arrive
	n := ks.hits.Load()
	time.Sleep(200 * time.Millisecond) // twenty ticks of a refresh still running
	if m := ks.hits.Load(); m-n > 1 {
		t.Errorf("%d fetches in the 200 ms after Close", m-n)
	}
}

// TestJWKSFetchesOnlyTheConfiguredURL: no redirect is followed, no jku or
// x5u (in a token or in a JWK) is fetched, and an oversized set is refused.
func TestJWKSFetchesOnlyTheConfiguredURL(t *testing.T) {
	testKeys(t)
	attacker := newKeyServer(t, rsaJWK("k1", &testRSAKeys[1].PublicKey, nil))
	forged := signAs(t, jwt.SigningMethodRS256, testRSAKeys[1],
		fmt.Sprintf(`{"alg":"RS256","kid":"k1","jku":%q,"x5u":%q}`, attacker.srv.URL+"/jwks", attacker.srv.URL+"/cert"), payload())

	t.Run("redirect", func(t *testing.T) {
		redirector := httptest.NewServer(http.RedirectHandler(attacker.srv.URL+"/jwks", http.StatusFound))
		defer redirector.Close()
		v, logs := newTestJWKSVerifier(t, redirector.URL+"/jwks", nil)
		_, err := v.Verify(context.Background(), forged)
		checkSentinel(t, err, ErrSignature)
		if !strings.Contains(logs.String(), "redirects are not followed") {
			t.Errorf("no log line about the refused redirect:\n%s", logs)
		}
	})
	t.Run("jku, x5u in the token and in the set", func(t *testing.T) {
		ks := newKeyServer(t, rsaJWK("k1", &testRSAKeys[0].PublicKey, map[string]any{"x5u": "https://127.0.0.1:1/x"}))
		ks.set(rsaJWK("k0", &testRSAKeys[0].PublicKey, nil),
			rsaJWK("k2", &testRSAKeys[2].PublicKey, map[string]any{"x5u": attacker.srv.URL + "/cert"}))
		v, _ := newTestJWKSVerifier(t, ks.srv.URL, nil)
		_, err := v.Verify(context.Background(), forged)
		checkSentinel(t, err, ErrSignature)
	})
	t.Run("oversized set", func(t *testing.T) {
		big := rsaJWK("k1", &testRSAKeys[0].PublicKey, nil)
		big["x-pad"] = strings.Repeat("a", MaxJWKSBytes)
		ks := newKeyServer(t, big)
		v, logs := newTestJWKSVerifier(t, ks.srv.URL, nil)
		_, err := v.Verify(context.Background(), signAs(t, jwt.SigningMethodRS256, testRSAKeys[0], rsHeader("k1"), payload()))
		checkSentinel(t, err, ErrSignature)
		if !strings.Contains(logs.String(), "too large") { // http.MaxBytesError
			t.Errorf("no log line about the oversized set:\n%s", logs)
		}
	})
	if n := attacker.hits.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests", n)
	}
}

func TestJWKSTransportRefusesOtherURLs(t *testing.T) {
	ks := newKeyServer(t)
	u := must(http.NewRequest(http.MethodGet, ks.srv.URL+"/jwks", nil)).URL
	c := oneURLClient(u, time.Second, MaxJWKSBytes)
	if _, err := c.Get(ks.srv.URL + "/other"); !errors.Is(err, errOtherURL) {
		t.Errorf("GET of another URL: %v, want errOtherURL", err)
	}
	resp, err := c.Get(ks.srv.URL + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := ks.hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestNewJWKSVerifierConfig(t *testing.T) {
	ok := JWKSConfig{URL: "http://127.0.0.1:1/jwks", Issuer: testIssuer, Audience: testAudience, FetchTimeout: 100 * time.Millisecond}
	tests := []struct {
		name string
		edit func(*JWKSConfig)
	}{
		{"no URL", func(c *JWKSConfig) { c.URL = "" }},
		{"relative URL", func(c *JWKSConfig) { c.URL = "/jwks" }},
		{"ftp URL", func(c *JWKSConfig) { c.URL = "ftp://127.0.0.1/jwks" }},
		{"credentials in URL", func(c *JWKSConfig) { c.URL = "http://u:p@127.0.0.1/jwks" }},
		{"no issuer", func(c *JWKSConfig) { c.Issuer = "" }},
		{"no audience", func(c *JWKSConfig) { c.Audience = "" }},
		{"leeway too long", func(c *JWKSConfig) { c.Leeway = time.Hour }},
		{"negative interval", func(c *JWKSConfig) { c.RefreshMinInterval = -time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			if v, err := NewJWKSVerifier(cfg); err == nil {
				v.Close()
				t.Error("accepted")
			} else if strings.Contains(err.Error(), "u:p") {
				t.Errorf("error %q contains the URL's credentials", err)
			}
		})
	}
	// Nothing listens at port 1: the verifier starts anyway and refuses.
	v, err := NewJWKSVerifier(ok)
	if err != nil {
		t.Fatalf("an unreachable issuer must not stop the start: %v", err)
	}
	defer v.Close()
	testKeys(t)
	_, err = v.Verify(context.Background(), signAs(t, jwt.SigningMethodRS256, testRSAKeys[0], rsHeader("k1"), payload()))
	checkSentinel(t, err, ErrSignature)
}

func TestConfigJWKS(t *testing.T) {
	env := map[string]string{
		"JWT_ISSUER": "core-app", "JWT_AUDIENCE": "mcp-server", "JWT_JWKS_URL": "http://127.0.0.1:9/keys?tenant=a",
		"BACKEND_API_URL": "http://127.0.0.1:18081", "BACKEND_AUTH": "passthrough",
	}
	getenv := func(k string) string { return env[k] }
	c, err := ConfigFromEnv(getenv)
	if err != nil {
		t.Fatalf("JWT_JWKS_URL without JWT_SECRET_KEY: %v", err)
	}
	if c.JWKSURL != env["JWT_JWKS_URL"] {
		t.Errorf("JWKSURL = %q", c.JWKSURL)
	}
	for _, bad := range []string{"keys.json", "ftp://127.0.0.1/k", "http://u:p@127.0.0.1/k", "http://127.0.0.1/k#x"} {
		env["JWT_JWKS_URL"] = bad
		var ce *ConfigError
		if _, err := ConfigFromEnv(getenv); !errors.As(err, &ce) || ce.Var != "JWT_JWKS_URL" {
			t.Errorf("JWT_JWKS_URL=%q: %v, want a ConfigError naming JWT_JWKS_URL", bad, err)
		}
	}
	env["JWT_JWKS_URL"] = "http://127.0.0.1:9/keys"
	env["JWT_ISSUER"] = ""
	if _, err := ConfigFromEnv(getenv); err == nil {
		t.Error("JWT_ISSUER is still required with a JWKS")
	}
	delete(env, "JWT_JWKS_URL")
	env["JWT_ISSUER"] = "core-app"
	var ce *ConfigError
	if _, err := ConfigFromEnv(getenv); !errors.As(err, &ce) || ce.Var != "JWT_SECRET_KEY" {
		t.Errorf("neither secret nor JWKS: %v, want JWT_SECRET_KEY", err)
	}
}

// TestServerJWKSMode: New picks the JWKS verifier when JWKSURL is set, an
// HS256 token is then refused, and Close stops the refresh.
func TestServerJWKSMode(t *testing.T) {
	testKeys(t)
	ks := newKeyServer(t, rsaJWK("k1", &testRSAKeys[0].PublicKey, nil))
	srv, err := New(Config{
		ListenAddr: "127.0.0.1:0", JWKSURL: ks.srv.URL, Issuer: testIssuer, Audience: testAudience,
		BackendURL: "http://127.0.0.1:9", ResourceURL: "http://127.0.0.1:9/mcp", BackendAuth: BackendAuthPassthrough,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Now()
	pl := payload(set("iat", fmt.Sprint(now.Unix())), set("exp", fmt.Sprint(now.Add(time.Hour).Unix())))
	if _, err := srv.verify(context.Background(), signAs(t, jwt.SigningMethodRS256, testRSAKeys[0], rsHeader("k1"), pl)); err != nil {
		t.Errorf("RS256 token: %v", err)
	}
	_, err = srv.verify(context.Background(), jws(sha256.New, newSecret(t, 32), hs256, pl))
	checkSentinel(t, err, ErrAlgorithm)
	if ks.hits.Load() != 1 {
		t.Errorf("%d fetches, want 1", ks.hits.Load())
	}
}
