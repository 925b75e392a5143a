package selftest

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// Mutants of the reference server in JWKS mode (JWT_JWKS_URL): flawed
// RS256/ES256 verifiers, gated behind refserver's JWKSVerifier as the HS256
// ones are behind its Verifier (see gated).

func init() { mutants = append(mutants, jwksMutants...) }

func jwksStack(opts ...refserver.Option) func() harness.EmbeddedOptions {
	return func() harness.EmbeddedOptions { return harness.EmbeddedOptions{JWKS: true, ServerOptions: opts} }
}

// gatedJWKS builds a JWKS-mode verifier mutant: refserver's JWKSVerifier,
// except that a token it refuses for one of reasons is judged again by
// flawed.
func gatedJWKS(flawed func(refserver.JWKSConfig) verifyFunc, reasons ...error) refserver.Option {
	return refserver.WithJWKSVerifierFactory(func(cfg refserver.JWKSConfig) refserver.TokenVerifier {
		ref, err := refserver.NewJWKSVerifier(cfg)
		if err != nil {
			return refuseAll(err)
		}
		return gate(ref.Verify, flawed(cfg), reasons)
	})
}

// jwksVerifier is a golang-jwt verifier of the issuer's key set, written as
// many servers write one: the key picked by kid, the claims checked by the
// parser. It reads the set it fetched when the server started and never
// fetches it again: its own fetches would count as the target's in the
// scenarios that watch the JWKS endpoint, and with gating it only ever sees
// tokens refserver refused. So a stale set matters only to the mutant whose
// flaw it is (jwks-keys-never-refreshed). Its zero-flaw form is sound; each
// mutant changes one thing.
type jwksVerifier struct {
	cfg    refserver.JWKSConfig
	client *http.Client

	// methods is jwt.WithValidMethods; nil: whatever the keyfunc accepts.
	methods []string
	// anyRSAAlg: an RSA key verifies RS384, RS512 and PS256 too.
	anyRSAAlg bool
	// byKeyType: kid is ignored; the key is the set's first of the type
	// the token's alg needs.
	byKeyType bool
	// hmacSecret, if set, verifies HS256 with the kid's public key encoded
	// as the server stores it (CVE-2016-10555 key confusion).
	hmacSecret func(jwkset.JWK) ([]byte, error)
	// headerKeys: a jwk or x5c in the token, or the set at its jku or the
	// certificate at its x5u, supplies the key; a token that offers none is
	// left refused.
	headerKeys bool
	// allowNone: alg none is answered with jwt.UnsafeAllowNoneSignatureType.
	allowNone bool
	// noClaims: jwt.WithoutClaimsValidation, sub and org_id unchecked ("the
	// issuer signed it, so the claims are fine").
	noClaims bool
	// unverified: claims read with ParseUnverified.
	unverified bool
	// ignoreCrit: the crit header parameter is not looked at.
	ignoreCrit bool

	set    []jwkset.JWK // as fetched at start-up
	setErr error
}

func carefulJWKS(cfg refserver.JWKSConfig) *jwksVerifier {
	v := &jwksVerifier{
		cfg:     cfg,
		client:  &http.Client{Timeout: 2 * time.Second},
		methods: []string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()},
	}
	v.set, v.setErr = v.fetchSet(cfg.URL)
	return v
}

func flawedJWKS(change func(*jwksVerifier)) func(refserver.JWKSConfig) verifyFunc {
	return func(cfg refserver.JWKSConfig) verifyFunc {
		v := carefulJWKS(cfg)
		change(v)
		return v.verify
	}
}

func (v *jwksVerifier) verify(token string) (*refserver.Claims, error) {
	opts := []jwt.ParserOption{jwt.WithLeeway(v.cfg.Leeway)}
	if v.methods != nil {
		opts = append(opts, jwt.WithValidMethods(v.methods))
	}
	if v.noClaims {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired(), jwt.WithIssuer(v.cfg.Issuer), jwt.WithAudience(v.cfg.Audience), jwt.WithIssuedAt())
	}
	parser := jwt.NewParser(opts...)
	mc := jwt.MapClaims{}
	var t *jwt.Token
	var err error
	if v.unverified {
		t, _, err = parser.ParseUnverified(token, mc)
		if err == nil && !v.noClaims {
			err = jwt.NewValidator(opts...).Validate(mc)
		}
	} else {
		t, err = parser.ParseWithClaims(token, mc, v.keyfunc)
	}
	if err != nil {
		return nil, err
	}
	if _, crit := t.Header["crit"]; crit && !v.ignoreCrit {
		return nil, errFlawed
	}
	cl := fromMap(mc)
	if !v.noClaims && (cl.Subject == "" || cl.OrgID == "") {
		return nil, errFlawed
	}
	return cl.claims(), nil
}

func (v *jwksVerifier) fetchSet(url string) ([]jwkset.JWK, error) {
	body, err := v.get(url)
	if err != nil {
		return nil, err
	}
	var m jwkset.JWKSMarshal
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	return m.JWKSlice()
}

func (v *jwksVerifier) get(url string) ([]byte, error) {
	resp, err := v.client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errFlawed
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

func (v *jwksVerifier) keyfunc(t *jwt.Token) (any, error) {
	if v.allowNone && t.Method == jwt.SigningMethodNone {
		return jwt.UnsafeAllowNoneSignatureType, nil
	}
	if v.headerKeys {
		if k, err := v.headerKey(t); k != nil || err != nil {
			return k, err
		}
		return nil, errFlawed
	}
	set, err := v.set, v.setErr
	if err != nil {
		return nil, err
	}
	kid, _ := t.Header["kid"].(string)
	var want func(any) bool
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if v.hmacSecret == nil {
			return nil, errFlawed
		}
		for _, k := range set {
			if k.Marshal().KID == kid {
				return v.hmacSecret(k)
			}
		}
		return nil, errFlawed
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		if t.Method != jwt.SigningMethodRS256 && !v.anyRSAAlg {
			return nil, errFlawed
		}
		want = func(k any) bool { _, ok := k.(*rsa.PublicKey); return ok }
	case *jwt.SigningMethodECDSA:
		want = func(k any) bool { _, ok := k.(*ecdsa.PublicKey); return ok }
	default:
		return nil, errFlawed
	}
	for _, k := range set {
		if (v.byKeyType || k.Marshal().KID == kid) && want(k.Key()) {
			return k.Key(), nil
		}
	}
	return nil, errFlawed
}

// headerKey returns the key the token itself offers, if any.
func (v *jwksVerifier) headerKey(t *jwt.Token) (any, error) {
	if raw, ok := t.Header["jwk"]; ok {
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		k, err := jwkset.NewJWKFromRawJSON(b, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		return k.Key(), err
	}
	if chain, ok := t.Header["x5c"].([]any); ok && len(chain) > 0 {
		s, _ := chain[0].(string)
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	}
	if u, ok := t.Header["jku"].(string); ok {
		set, err := v.fetchSet(u)
		if err != nil {
			return nil, err
		}
		kid, _ := t.Header["kid"].(string)
		for _, k := range set {
			if k.Marshal().KID == kid {
				return k.Key(), nil
			}
		}
		return nil, errFlawed
	}
	if u, ok := t.Header["x5u"].(string); ok {
		body, err := v.get(u)
		if err != nil {
			return nil, err
		}
		certs, err := jwkset.LoadCertificates(body)
		if err != nil || len(certs) == 0 {
			return nil, errors.Join(errFlawed, err)
		}
		return certs[0].PublicKey, nil
	}
	return nil, nil
}

// Encodings of a public key that a server might keep and, confused, use as
// an HMAC secret.
var publicKeyEncodings = []struct {
	name    string
	killers []string
	encode  func(jwkset.JWK) ([]byte, error)
}{
	{"PEM", []string{"auth-14.6/1", "auth-14.6/6"}, func(k jwkset.JWK) ([]byte, error) { return pemPublic(k.Key()) }},
	{"PEM without its final newline", []string{"auth-14.6/2"}, func(k jwkset.JWK) ([]byte, error) {
		b, err := pemPublic(k.Key())
		return []byte(strings.TrimSuffix(string(b), "\n")), err
	}},
	{"PKCS#1 PEM", []string{"auth-14.6/3"}, func(k jwkset.JWK) ([]byte, error) {
		pub, ok := k.Key().(*rsa.PublicKey)
		if !ok {
			return nil, errFlawed
		}
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}), nil
	}},
	{"DER", []string{"auth-14.6/4"}, func(k jwkset.JWK) ([]byte, error) { return x509.MarshalPKIXPublicKey(k.Key()) }},
	{"JWK JSON", []string{"auth-14.6/5"}, func(k jwkset.JWK) ([]byte, error) {
		m := k.Marshal()
		return json.Marshal(map[string]any{"kty": m.KTY, "n": m.N, "e": m.E})
	}},
}

func pemPublic(key any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// withSecretToo keeps the HS256 path next to the JWKS one: a token the
// JWKS verifier refuses is tried as HS256 with the shared secret, which the
// server still has for nothing but its past.
func withSecretToo() []refserver.Option {
	var hs refserver.TokenVerifier
	return []refserver.Option{
		refserver.WithVerifierFactory(func(cfg refserver.VerifierConfig) refserver.TokenVerifier {
			if v, err := refserver.NewVerifier(cfg); err == nil {
				hs = v.Verify
			}
			return nil
		}),
		gatedJWKS(func(refserver.JWKSConfig) verifyFunc {
			return func(token string) (*refserver.Claims, error) {
				if hs == nil {
					return nil, errFlawed
				}
				return hs(context.Background(), token)
			}
		}, refserver.ErrAlgorithm),
	}
}

var jwksMutants = func() []mutant {
	ms := []mutant{
		{
			name:    "jwks-any-rsa-alg",
			flaw:    "JWKS mode: the keyfunc hands an RSA key to RS384, RS512 and PS256 as well as RS256",
			killers: []string{"auth-14.8/1", "auth-14.8/2", "auth-14.8/3", "auth-14.8/4"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) {
				v.methods, v.anyRSAAlg = nil, true
			}), refserver.ErrAlgorithm)),
		},
		{
			name:    "jwks-kid-ignored",
			flaw:    "JWKS mode: the key is the set's first of the type the alg needs, whatever the kid",
			killers: []string{"auth-14.8/5", "auth-14.8/6"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) { v.byKeyType = true }), refserver.ErrAlgorithm)),
		},
		{
			name:    "jwks-alg-none",
			flaw:    "JWKS mode: the keyfunc answers alg none with jwt.UnsafeAllowNoneSignatureType",
			killers: []string{"auth-14.8/7"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) {
				v.allowNone = true
				v.methods = append(v.methods, jwt.SigningMethodNone.Alg())
			}), refserver.ErrAlgorithm)),
		},
		{
			name:    "jwks-key-from-token",
			flaw:    "JWKS mode: a jwk or x5c in the token, or the key at its jku or x5u, verifies it",
			killers: []string{"auth-14.9/1", "auth-14.9/2", "auth-14.9/3", "auth-14.9/4"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) { v.headerKeys = true }), refserver.ErrSignature, refserver.ErrMalformed)),
		},
		{
			name:    "jwks-claims-unchecked",
			flaw:    "JWKS mode: jwt.WithoutClaimsValidation, \"the issuer signed it, so the claims are fine\"",
			killers: []string{"auth-14.4/1", "auth-14.4/2", "auth-14.4/3", "auth-14.4/4", "auth-14.20/1", "auth-14.20/2"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) { v.noClaims = true }),
				refserver.ErrExpired, refserver.ErrNotYetValid, refserver.ErrAudience, refserver.ErrIssuer, refserver.ErrMissingClaim, refserver.ErrInvalidClaim)),
		},
		{
			name: "jwks-plain-golang-jwt",
			flaw: "JWKS mode: a plain golang-jwt verifier: crit ignored, duplicate names resolved by encoding/json",
			// encoding/json keeps the last duplicate, as RFC 7519 §4 allows:
			// auth-14.5/2 (expired in its last member) is not this flaw's.
			killers: []string{"auth-14.5/1"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) { v.ignoreCrit = true }), refserver.ErrUnsupported, refserver.ErrInvalidClaim, refserver.ErrMalformed)),
		},
		{
			name:    "jwks-signature-unchecked",
			flaw:    "JWKS mode: claims read with parser.ParseUnverified; the signature is never checked",
			killers: []string{"auth-14.13", "auth-14.14", "auth-14.16"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) { v.unverified = true }), refserver.ErrSignature)),
		},
		{
			name:    "jwks-keys-never-refreshed",
			flaw:    "JWKS mode: the key set is fetched once at start-up and kept, so a rotated-out key still verifies",
			killers: []string{"auth-14.14"},
			options: jwksStack(gatedJWKS(flawedJWKS(func(*jwksVerifier) {}), refserver.ErrSignature)),
		},
		{
			name:    "jwks-shared-secret-too",
			flaw:    "JWKS mode: HS256 tokens signed with the old shared secret are still accepted",
			killers: []string{"auth-14.3"},
			options: jwksStack(withSecretToo()...),
		},
		{
			name:    "jwks-key-alg-required",
			flaw:    `JWKS mode: a key published without "alg" verifies nothing (false refusal)`,
			killers: []string{"auth-14.2"},
			options: jwksStack(refserver.WithJWKSVerifierFactory(func(cfg refserver.JWKSConfig) refserver.TokenVerifier {
				ref, err := refserver.NewJWKSVerifier(cfg)
				if err != nil {
					return refuseAll(err)
				}
				set := carefulJWKS(cfg).set
				return func(ctx context.Context, token string) (*refserver.Claims, error) {
					c, err := ref.Verify(ctx, token)
					if err != nil {
						return nil, err
					}
					var h struct {
						Kid string `json:"kid"`
					}
					if err := segment(token, 0, &h, false); err != nil {
						return nil, err
					}
					for _, k := range set {
						if k.Marshal().KID == h.Kid && k.Marshal().ALG == "" {
							return nil, fmt.Errorf("%w: key without alg", refserver.ErrAlgorithm)
						}
					}
					return c, nil
				}
			})),
		},
		{
			name:    "jwks-first-alg-wins",
			flaw:    `JWKS mode: the header is read by a first-wins parser: {"alg":"RS256",...,"alg":"HS256"} is RS256`,
			killers: []string{"auth-14.5/3"},
			options: jwksStack(gatedJWKS(firstAlgWins, refserver.ErrMalformed)),
		},
		{
			name:    "jwks-token-logged",
			flaw:    "JWKS mode: the auth layer logs the Authorization header at debug level",
			killers: []string{"auth-14.18"},
			options: func() harness.EmbeddedOptions { return harness.EmbeddedOptions{JWKS: true, Wrap: tokenLogged} },
		},
		{
			name:    "jwks-first-claim-wins",
			flaw:    `JWKS mode: the claims are read by a first-wins parser: {"exp":<future>,...,"exp":<past>} is not expired`,
			killers: []string{"auth-14.5/2"},
			options: jwksStack(gatedJWKS(firstClaimWins, refserver.ErrInvalidClaim)),
		},
	}
	for _, enc := range publicKeyEncodings {
		ms = append(ms, mutant{
			name:    "jwks-key-confusion-" + strings.NewReplacer(" ", "-", "#", "").Replace(strings.ToLower(enc.name)),
			flaw:    "JWKS mode: HS256 is verified with the kid's public key as the server stores it, " + enc.name + ", as the HMAC secret",
			killers: enc.killers,
			options: jwksStack(gatedJWKS(flawedJWKS(func(v *jwksVerifier) {
				v.methods = nil
				v.hmacSecret = enc.encode
			}), refserver.ErrAlgorithm)),
		})
	}
	return ms
}()

// firstAlgWins reads the header's parameters first-wins, as a streaming
// parser that stops at the first "alg" does, then verifies RS256 with the
// kid's key and validates the claims as the careful verifier does.
func firstAlgWins(cfg refserver.JWKSConfig) verifyFunc {
	v := carefulJWKS(cfg)
	return func(token string) (*refserver.Claims, error) {
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			return nil, errFlawed
		}
		hb, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			return nil, err
		}
		header, err := foldNames(hb) // first wins; RFC 7515 names are lower case already
		if err != nil {
			return nil, err
		}
		if header["alg"] != jwt.SigningMethodRS256.Alg() {
			return nil, errFlawed
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			return nil, err
		}
		for _, k := range v.set {
			if k.Marshal().KID == header["kid"] {
				if err := jwt.SigningMethodRS256.Verify(parts[0]+"."+parts[1], sig, k.Key()); err != nil {
					return nil, err
				}
				// The signature holds; the claims, with an honest header.
				return v.claimsOf(parts[1])
			}
		}
		return nil, errFlawed
	}
}

// claimsOf validates a payload segment whose signature was checked.
func (v *jwksVerifier) claimsOf(payload string) (*refserver.Claims, error) {
	pb, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, err
	}
	mc := jwt.MapClaims{}
	if err := json.Unmarshal(pb, &mc); err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{jwt.WithLeeway(v.cfg.Leeway), jwt.WithExpirationRequired(), jwt.WithIssuer(v.cfg.Issuer), jwt.WithAudience(v.cfg.Audience), jwt.WithIssuedAt()}
	if err := jwt.NewValidator(opts...).Validate(mc); err != nil {
		return nil, err
	}
	cl := fromMap(mc)
	if cl.Subject == "" || cl.OrgID == "" {
		return nil, errFlawed
	}
	return cl.claims(), nil
}

// firstClaimWins checks the signature, algorithm and kid as the careful
// verifier does, then reads the claims first-wins, as a streaming parser
// that stops at the first "exp" does (RFC 7519 §4 allows rejecting
// duplicates or keeping the last, not this), and validates them.
func firstClaimWins(cfg refserver.JWKSConfig) verifyFunc {
	v := carefulJWKS(cfg)
	signature := *v
	signature.noClaims = true
	return func(token string) (*refserver.Claims, error) {
		if _, err := signature.verify(token); err != nil {
			return nil, err
		}
		parts := strings.Split(token, ".")
		pb, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return nil, err
		}
		mc, err := foldNames(pb) // first wins; the contract's claim names are lower case
		if err != nil {
			return nil, err
		}
		opts := []jwt.ParserOption{jwt.WithLeeway(v.cfg.Leeway), jwt.WithExpirationRequired(), jwt.WithIssuer(v.cfg.Issuer), jwt.WithAudience(v.cfg.Audience), jwt.WithIssuedAt()}
		if err := jwt.NewValidator(opts...).Validate(mc); err != nil {
			return nil, err
		}
		cl := fromMap(mc)
		if cl.Subject == "" || cl.OrgID == "" {
			return nil, errFlawed
		}
		return cl.claims(), nil
	}
}
