package harness

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWKS mode: the suite plays an issuer that signs with asymmetric keys and
// publishes them as a JSON Web Key Set (RFC 7517 §5) on loopback, the way
// most production issuers do. The target is configured with JWT_JWKS_URL
// (contract §2) pointing at KeySet.URL.

// Algorithms of the issuer's keys in JWKS mode (contract §3).
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// Key modes (the CLI's --keys, a profile's keys).
const (
	KeysHS256 = "hs256"
	KeysJWKS  = "jwks"
)

// ErrJWKSExternal refuses JWKS mode for an external target: in that mode the
// suite mints RS256/ES256 tokens with its own keys and serves the JWKS the
// target must trust, which only a target the suite starts can be pointed at.
var ErrJWKSExternal = errors.New("JWKS mode needs a target the suite starts (--target-cmd or the embedded stack), because the target must trust the suite's own JWKS (JWT_JWKS_URL); a deployment that trusts its real issuer cannot be tested in JWKS mode")

// JWKSPath is where the KeySet serves its set.
const JWKSPath = "/.well-known/jwks.json"

// KeySet is the issuer's key management: RSA 2048 and P-256 keys generated
// at run time (never written to disk), the JWKS endpoint that publishes them
// (with a fetch counter and an outage switch), rotation on demand, and the
// attacker's key server for the jku/x5u cases. It is safe for concurrent
// use; scenarios that rotate keys or take the endpoint down run alone
// (@serial).
type KeySet struct {
	mu        sync.Mutex
	keys      map[string]*issuerKey // every key ever made, by kid
	current   map[string]string     // alg → kid of the key tokens are signed with
	published []string              // kids in the set, in order
	bare      string                // kid of the RSA key published without alg and use
	seq       int

	url   string
	hits  atomic.Int64
	down  atomic.Bool
	close []func() error

	attacker *issuerKey // the attacker's own RSA key; its kid is set per token
	attCert  []byte     // a self-signed certificate of it, DER
	attURL   string
	attHits  sync.Map // path → *atomic.Int64
}

// issuerKey is one signing key of the issuer.
type issuerKey struct {
	kid      string
	alg      string // RS256 or ES256
	signer   crypto.Signer
	bare     bool // published without "alg" and "use"
	withdraw bool // removed from the set by a rotation
}

// StartKeySet generates the issuer's first keys (one RS256 key, one ES256
// key, and one RSA key published without "alg", as some issuers do) and
// serves the set on a free loopback port. Close stops its servers.
func StartKeySet() (ks *KeySet, err error) {
	ks = &KeySet{keys: map[string]*issuerKey{}, current: map[string]string{}}
	defer func() {
		if err != nil {
			_ = ks.Close()
		}
	}()
	for _, alg := range []string{AlgRS256, AlgES256} {
		k, err := ks.newKey(alg, false)
		if err != nil {
			return nil, err
		}
		ks.current[alg] = k.kid
		ks.published = append(ks.published, k.kid)
	}
	bare, err := ks.newKey(AlgRS256, true)
	if err != nil {
		return nil, err
	}
	ks.bare = bare.kid
	ks.published = append(ks.published, bare.kid)

	att, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating the attacker's key: %w", err)
	}
	ks.attacker = &issuerKey{kid: AttackerKeyID, alg: AlgRS256, signer: att}
	if ks.attCert, err = selfSigned(att); err != nil {
		return nil, err
	}

	url, stop, err := serveLoopback(http.HandlerFunc(ks.serveJWKS))
	if err != nil {
		return nil, fmt.Errorf("JWKS server: %w", err)
	}
	ks.url, ks.close = url+JWKSPath, append(ks.close, stop)
	if ks.attURL, stop, err = serveLoopback(http.HandlerFunc(ks.serveAttacker)); err != nil {
		return nil, fmt.Errorf("attacker key server: %w", err)
	}
	ks.close = append(ks.close, stop)
	return ks, nil
}

// Close stops the JWKS endpoint and the attacker's key server.
func (ks *KeySet) Close() error {
	var errs []error
	for _, f := range ks.close {
		errs = append(errs, f())
	}
	ks.close = nil
	return errors.Join(errs...)
}

// URL is the JWKS URL the target must be configured with (JWT_JWKS_URL).
func (ks *KeySet) URL() string { return ks.url }

// Env is the environment that points a target at this key set.
func (ks *KeySet) Env() []string { return []string{"JWT_JWKS_URL=" + ks.url} }

// Hits is how many requests the JWKS endpoint has received.
func (ks *KeySet) Hits() int64 { return ks.hits.Load() }

// SetDown switches the outage: while down, the endpoint answers 503.
func (ks *KeySet) SetDown(down bool) { ks.down.Store(down) }

// Current returns the kid tokens of alg are signed with.
func (ks *KeySet) Current(alg string) string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.current[alg]
}

// BareKID is the kid of the RSA key published without "alg" and "use".
func (ks *KeySet) BareKID() string { return ks.bare }

// Publish adds a new key of alg to the set and returns its kid. Tokens are
// still signed with the current key unless a caller names the new one.
func (ks *KeySet) Publish(alg string) (string, error) {
	k, err := ks.newKey(alg, false)
	if err != nil {
		return "", err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.published = append(ks.published, k.kid)
	return k.kid, nil
}

// Rotate replaces the current key of alg: a new key is published and
// becomes current, the old one leaves the set (it can still sign, as a
// token minted before the rotation was). It returns both kids.
func (ks *KeySet) Rotate(alg string) (oldKID, newKID string, err error) {
	k, err := ks.newKey(alg, false)
	if err != nil {
		return "", "", err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	oldKID = ks.current[alg]
	ks.keys[oldKID].withdraw = true
	ks.current[alg] = k.kid
	ks.published = append(ks.published, k.kid)
	return oldKID, k.kid, nil
}

// Unpublished returns a kid for a key of alg that was never in the set: the
// attacker's key for RS256 under a new name, a fresh key for ES256.
func (ks *KeySet) Unpublished(alg string) (string, error) {
	if alg == AlgRS256 {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.seq++
		kid := fmt.Sprintf("unpublished-%d-%s", ks.seq, randomHex(4))
		ks.keys[kid] = &issuerKey{kid: kid, alg: AlgRS256, signer: ks.attacker.signer}
		return kid, nil
	}
	k, err := ks.newKey(alg, false)
	return k.kid, err
}

// JWKS is the set as the endpoint serves it.
func (ks *KeySet) JWKS() []byte {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	var keys []map[string]any
	for _, kid := range ks.published {
		if k := ks.keys[kid]; !k.withdraw {
			keys = append(keys, k.jwk())
		}
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Token returns a valid token of u signed with the current key of alg:
// is.Claims(u), header {"alg","typ":"JWT","kid"}.
func (ks *KeySet) Token(is *Issuer, u User, alg string) (string, error) {
	return ks.TokenFrom(is, u, ks.Current(alg), nil, nil)
}

// TokenFrom returns a token of u signed with the key kid (whatever its
// state) in that key's algorithm, with the standard claims changed as by
// Issuer.TokenWith.
func (ks *KeySet) TokenFrom(is *Issuer, u User, kid string, set map[string]json.RawMessage, del []string) (string, error) {
	claims, err := is.claimsWith(u, set, del)
	if err != nil {
		return "", err
	}
	k, err := ks.key(kid)
	if err != nil {
		return "", err
	}
	return signWith(k.method(), k.signer, map[string]any{"kid": kid}, claims)
}

func (ks *KeySet) key(kid string) (*issuerKey, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, ok := ks.keys[kid]
	if !ok {
		return nil, fmt.Errorf("no issuer key %q", kid)
	}
	return k, nil
}

// newKey generates a key of alg and records it (unpublished).
func (ks *KeySet) newKey(alg string, bare bool) (*issuerKey, error) {
	var (
		signer crypto.Signer
		err    error
	)
	switch alg {
	case AlgRS256:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	case AlgES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("no %q keys in JWKS mode (RS256, ES256)", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generating an %s key: %w", alg, err)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.seq++
	prefix := strings.ToLower(alg)
	if bare {
		prefix = "rsa-noalg"
	}
	// Random as well as numbered, so that two runs never share a kid.
	k := &issuerKey{kid: fmt.Sprintf("%s-%d-%s", prefix, ks.seq, randomHex(4)), alg: alg, signer: signer, bare: bare}
	ks.keys[k.kid] = k
	return k, nil
}

func (k *issuerKey) method() jwt.SigningMethod {
	if k.alg == AlgES256 {
		return jwt.SigningMethodES256
	}
	return jwt.SigningMethodRS256
}

// jwk is the public JWK (RFC 7518 §6.2.1, §6.3.1), written by hand: the
// suite must not depend on the library the reference target uses.
func (k *issuerKey) jwk() map[string]any {
	m := publicJWK(k.signer.Public())
	m["kid"] = k.kid
	if !k.bare {
		m["alg"], m["use"] = k.alg, "sig"
	}
	return m
}

func publicJWK(pub crypto.PublicKey) map[string]any {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": b64(p.N.Bytes()), "e": b64(big.NewInt(int64(p.E)).Bytes())}
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		p.X.FillBytes(x)
		p.Y.FillBytes(y)
		return map[string]any{"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y)}
	}
	panic(fmt.Sprintf("harness: no JWK for %T", pub))
}

func (ks *KeySet) serveJWKS(w http.ResponseWriter, r *http.Request) {
	ks.hits.Add(1)
	switch {
	case ks.down.Load():
		http.Error(w, "issuer down", http.StatusServiceUnavailable)
	case r.URL.Path != JWKSPath:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(ks.JWKS())
	}
}

// AttackerKeyURL is a URL of the attacker's key server under prefix (a
// scenario's own path, so that hits can be told apart): .../jwks serves the
// attacker's key as a JWKS, under the kid of the issuer's current RS256 key,
// and .../x5u a self-signed certificate of it (RFC 7515 §4.1.5).
func (ks *KeySet) AttackerKeyURL(prefix, what string) string {
	return ks.attURL + prefix + "/" + what
}

// AttackerHits is how many requests the attacker's key server received
// under prefix.
func (ks *KeySet) AttackerHits(prefix string) int64 {
	var n int64
	ks.attHits.Range(func(k, v any) bool {
		if p := k.(string); p == prefix || strings.HasPrefix(p, prefix+"/") {
			n += v.(*atomic.Int64).Load()
		}
		return true
	})
	return n
}

func (ks *KeySet) serveAttacker(w http.ResponseWriter, r *http.Request) {
	v, _ := ks.attHits.LoadOrStore(r.URL.Path, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	switch {
	case strings.HasSuffix(r.URL.Path, "/jwks"):
		m := publicJWK(ks.attacker.signer.Public())
		m["kid"], m["alg"], m["use"] = ks.Current(AlgRS256), AlgRS256, "sig"
		b, _ := json.Marshal(map[string]any{"keys": []any{m}})
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(b)
	case strings.HasSuffix(r.URL.Path, "/x5u"):
		_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: ks.attCert})
	default:
		http.NotFound(w, r)
	}
}

// serveLoopback serves h on a free loopback port.
func serveLoopback(h http.Handler) (string, func() error, error) {
	ln, err := listenLoopback()
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv.Close, nil
}

// selfSigned is a certificate of key signed by itself, for x5u and x5c.
func selfSigned(key *rsa.PrivateKey) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mcpauthspec attacker"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
}

// signWith signs claims with golang-jwt: method and key, the header
// {"alg":…,"typ":"JWT"} changed by header (a nil value deletes the
// parameter).
func signWith(m jwt.SigningMethod, key any, header map[string]any, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(m, jwt.MapClaims(claims))
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
		} else {
			t.Header[k] = v
		}
	}
	return t.SignedString(key)
}

// signRawWith assembles header.payload from JSON bytes exactly as given and
// signs it with m and key, for tokens golang-jwt cannot produce.
func signRawWith(m jwt.SigningMethod, key any, header, payload []byte) (string, error) {
	input := b64(header) + "." + b64(payload)
	sig, err := m.Sign(input, key)
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

// JWKSCase is one hostile token of JWKS mode: forged with the issuer's
// public keys, the attacker's key, or an algorithm the key does not allow.
// Build gets the key set, the issuer (for the claims), the user, and a URL
// prefix of the attacker's key server that is the scenario's own.
type JWKSCase struct {
	Name  string // stable, used verbatim in features: Given the hostile JWKS token "<name>"
	Rule  string // the rule the token breaks, with its source
	Build func(ks *KeySet, is *Issuer, u User, attackerPrefix string) (string, error)
}

// JWKSHostile is the catalogue of JWKS-mode tokens a conforming target must
// refuse, in a stable order: key confusion, ECDSA signatures, algorithm and
// key mismatch, key references in the token, hostile kids, the shared
// structure rules.
var JWKSHostile = []JWKSCase{
	// --- RS256 → HS256 key confusion (CVE-2015-9235, CVE-2016-10555) ---
	confusionCase("key confusion: RSA public key as PEM", AlgRS256, func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), err
	}),
	confusionCase("key confusion: RSA public key as PEM without final newline", AlgRS256, func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return []byte(strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "\n")), err
	}),
	confusionCase("key confusion: RSA public key as PKCS#1 PEM", AlgRS256, func(pub crypto.PublicKey) ([]byte, error) {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub.(*rsa.PublicKey))}), nil
	}),
	confusionCase("key confusion: RSA public key as DER", AlgRS256, func(pub crypto.PublicKey) ([]byte, error) {
		return x509.MarshalPKIXPublicKey(pub)
	}),
	confusionCase("key confusion: RSA public key as JWK JSON", AlgRS256, func(pub crypto.PublicKey) ([]byte, error) {
		return json.Marshal(publicJWK(pub))
	}),
	confusionCase("key confusion: EC public key as PEM", AlgES256, func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), err
	}),

	// --- ECDSA ---
	{
		Name: "psychic signature r=s=0",
		Rule: "CVE-2022-21449 and FIPS 186-4 §6.4.2: an ECDSA signature with r = s = 0 must fail; Java 15-18 accepted it for any message and key",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			return ecdsaSig(ks, is, u, func([]byte) []byte { return make([]byte, 64) })
		},
	},
	{
		Name: "ES256 signature r=s=n",
		Rule: "FIPS 186-4 §6.4.2: r and s must lie in [1, n-1]; r = s = n (the curve order, so 0 mod n) must fail",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			return ecdsaSig(ks, is, u, func(n []byte) []byte { return append(append([]byte{}, n...), n...) })
		},
	},

	// --- algorithm not allowed for the key (RFC 8725 §3.1) ---
	keyAlgCase("RS384 signed with the RS256 key", jwt.SigningMethodRS384, AlgRS256, AlgRS256, false),
	keyAlgCase("RS512 signed with the RS256 key", jwt.SigningMethodRS512, AlgRS256, AlgRS256, false),
	keyAlgCase("PS256 signed with the RS256 key", jwt.SigningMethodPS256, AlgRS256, AlgRS256, false),
	keyAlgCase("PS256 signed with the RSA key published without alg", jwt.SigningMethodPS256, AlgRS256, AlgRS256, true),
	keyAlgCase("ES256 signed by the EC key, kid of the RSA key", jwt.SigningMethodES256, AlgES256, AlgRS256, false),
	keyAlgCase("RS256 signed by the RSA key, kid of the EC key", jwt.SigningMethodRS256, AlgRS256, AlgES256, false),
	{
		Name: "alg none, kid of the RSA key",
		Rule: "RFC 8725 §3.1: \"none\" is never an accepted algorithm, whatever key the kid names",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			return signWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": ks.Current(AlgRS256)}, is.Claims(u))
		},
	},

	// --- key material and references in the token (RFC 8725 §3.10) ---
	attackerCase("embedded jwk (RS256)", "CVE-2018-0114: a jwk header holding the attacker's key, which signs the token, is never trusted",
		func(ks *KeySet, _ string) (map[string]any, error) {
			m := publicJWK(ks.attacker.signer.Public())
			m["kid"] = ks.Current(AlgRS256)
			return map[string]any{"jwk": m}, nil
		}),
	attackerCase("jku header (RS256)", "RFC 8725 §3.10: the target fetches keys only from its configured JWKS URL, never from a jku (the attacker serves its key there, under the issuer's kid)",
		func(ks *KeySet, prefix string) (map[string]any, error) {
			return map[string]any{"jku": ks.AttackerKeyURL(prefix, "jwks")}, nil
		}),
	attackerCase("x5u header (RS256)", "RFC 8725 §3.10: an x5u URL (the attacker serves a certificate of its key there) is never fetched",
		func(ks *KeySet, prefix string) (map[string]any, error) {
			return map[string]any{"x5u": ks.AttackerKeyURL(prefix, "x5u")}, nil
		}),
	attackerCase("embedded x5c (RS256)", "RFC 8725 §3.10: a certificate chain carried in the token (a self-signed certificate of the attacker's key) is never trusted",
		func(ks *KeySet, _ string) (map[string]any, error) {
			return map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(ks.attCert)}}, nil
		}),

	// --- hostile kids: looked up as opaque strings, refused promptly ---
	kidCase("kid path traversal (RS256)", "../../../../dev/null"),
	kidCase("kid sql injection (RS256)", "x' UNION SELECT 'secret'--"),
	kidCase("kid command injection (RS256)", "|sleep 5"),
	kidCase("kid of 2000 characters (RS256)", strings.Repeat("k", 2000)),

	// --- the shared structure rules, with a valid RS256 signature ---
	{
		Name: "crit header (RS256)",
		Rule: "RFC 7515 §4.1.11: a crit extension the target does not understand invalidates the JWS, whatever the key",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			k, err := ks.key(ks.Current(AlgRS256))
			if err != nil {
				return "", err
			}
			return signWith(jwt.SigningMethodRS256, k.signer, map[string]any{"kid": k.kid, "crit": []string{"exp-ext"}, "exp-ext": 1}, is.Claims(u))
		},
	},
	{
		Name: "duplicate exp keys, expired last (RS256)",
		Rule: "RFC 7519 §4: claim names must be unique, and a parser either rejects duplicates or keeps the lexically last; {\"exp\":<future>,…,\"exp\":<past>} signed with the issuer's RS256 key is refused both ways, and served only by a first-wins parser",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			k, err := ks.key(ks.Current(AlgRS256))
			if err != nil {
				return "", err
			}
			claims := is.Claims(u)
			exp := claims["exp"].(int64)
			delete(claims, "exp")
			payload, err := json.Marshal(claims)
			if err != nil {
				return "", err
			}
			payload = fmt.Appendf(nil, `{"exp":%d,%s,"exp":%d}`, exp, payload[1:len(payload)-1], exp-3600)
			header := fmt.Appendf(nil, `{"alg":"RS256","typ":"JWT","kid":%q}`, k.kid)
			return signRawWith(jwt.SigningMethodRS256, k.signer, header, payload)
		},
	},
	{
		Name: "duplicate alg keys, RS256 first",
		Rule: "RFC 7515 §4: header parameter names must be unique; {\"alg\":\"RS256\",\"alg\":\"HS256\"} is refused whichever one a parser keeps",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			k, err := ks.key(ks.Current(AlgRS256))
			if err != nil {
				return "", err
			}
			payload, err := json.Marshal(is.Claims(u))
			if err != nil {
				return "", err
			}
			header := fmt.Appendf(nil, `{"alg":"RS256","kid":%q,"alg":"HS256"}`, k.kid)
			return signRawWith(jwt.SigningMethodRS256, k.signer, header, payload)
		},
	},
}

// LookupJWKSHostile returns the JWKSHostile case called name (exactly).
func LookupJWKSHostile(name string) (JWKSCase, error) {
	names := make([]string, len(JWKSHostile))
	for i, c := range JWKSHostile {
		if c.Name == name {
			return c, nil
		}
		names[i] = c.Name
	}
	if close := closeNames(name, names, 5); len(close) > 0 {
		return JWKSCase{}, fmt.Errorf("unknown hostile JWKS token %q; did you mean %s?", name, quoteJoin(close))
	}
	return JWKSCase{}, fmt.Errorf("unknown hostile JWKS token %q (%d cases in harness.JWKSHostile, see harness/jwks.go)", name, len(JWKSHostile))
}

// confusionCase: an HS256 token whose HMAC key is the issuer's public key of
// alg in one common encoding, with that key's kid. A verifier that takes the
// algorithm from the token and the key bytes from the set accepts it.
func confusionCase(name, alg string, encode func(crypto.PublicKey) ([]byte, error)) JWKSCase {
	return JWKSCase{
		Name: name,
		Rule: "RFC 8725 §3.1 and CVE-2016-10555: an HS256 token whose HMAC secret is the issuer's public key, with that key's kid, is refused: each key is used with its own algorithm only",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			k, err := ks.key(ks.Current(alg))
			if err != nil {
				return "", err
			}
			secret, err := encode(k.signer.Public())
			if err != nil {
				return "", err
			}
			return signJWT(jwt.SigningMethodHS256, secret, map[string]any{"kid": k.kid}, is.Claims(u))
		},
	}
}

// ecdsaSig is the user's standard claims in an ES256 token of the current
// EC kid whose R||S signature is sig(n), n the P-256 order in 32 bytes.
func ecdsaSig(ks *KeySet, is *Issuer, u User, sig func(n []byte) []byte) (string, error) {
	header := fmt.Appendf(nil, `{"alg":"ES256","typ":"JWT","kid":%q}`, ks.Current(AlgES256))
	payload, err := json.Marshal(is.Claims(u))
	if err != nil {
		return "", err
	}
	n := make([]byte, 32)
	elliptic.P256().Params().N.FillBytes(n)
	return b64(header) + "." + b64(payload) + "." + b64(sig(n)), nil
}

// keyAlgCase: a token correctly signed by the issuer's current key of
// signAlg with method m, whose kid names the current key of kidAlg (or the
// bare RSA key). Only the binding of algorithm to key refuses it.
func keyAlgCase(name string, m jwt.SigningMethod, signAlg, kidAlg string, bareKID bool) JWKSCase {
	return JWKSCase{
		Name: name,
		Rule: "RFC 8725 §3.1 and RFC 7517 §4.4: a key verifies only the algorithm it is for (the JWK's alg, or RS256 for an RSA key and ES256 for a P-256 key); this token is correctly signed with another algorithm or names another key",
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			k, err := ks.key(ks.Current(signAlg))
			if bareKID {
				k, err = ks.key(ks.BareKID())
			}
			if err != nil {
				return "", err
			}
			kid := k.kid
			if kidAlg != signAlg {
				kid = ks.Current(kidAlg)
			}
			return signWith(m, k.signer, map[string]any{"kid": kid}, is.Claims(u))
		},
	}
}

// attackerCase: the user's claims signed (RS256) with the attacker's key,
// the kid of the issuer's current RS256 key, and the header parameters
// refs returns.
func attackerCase(name, rule string, refs func(ks *KeySet, prefix string) (map[string]any, error)) JWKSCase {
	return JWKSCase{Name: name, Rule: rule, Build: func(ks *KeySet, is *Issuer, u User, prefix string) (string, error) {
		h, err := refs(ks, prefix)
		if err != nil {
			return "", err
		}
		h["kid"] = ks.Current(AlgRS256)
		return signWith(jwt.SigningMethodRS256, ks.attacker.signer, h, is.Claims(u))
	}}
}

// kidCase: the user's claims signed (RS256) by the attacker's key with a
// hostile kid.
func kidCase(name, kid string) JWKSCase {
	return JWKSCase{
		Name: name,
		Rule: fmt.Sprintf("RFC 8725 §3.10: kid is an opaque name looked up in the fetched set, never a path, a query or a command; %q matches no key and is refused promptly", truncate(kid, 24)),
		Build: func(ks *KeySet, is *Issuer, u User, _ string) (string, error) {
			return signWith(jwt.SigningMethodRS256, ks.attacker.signer, map[string]any{"kid": kid}, is.Claims(u))
		},
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// UseKeys makes ks the target's key set (Target.Keys) and closes it with the
// target: for a target that was given ks.Env() by its own starter (the
// container target, through WithEnv).
func (t *Target) UseKeys(ks *KeySet) {
	t.Keys = ks
	t.onClose(ks.Close)
}
