package harness

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// HostileCase is one forged or malformed credential (or, in Acceptable,
// one unusual but valid one). Build gets the issuer and a valid user and
// returns the token text.
type HostileCase struct {
	// Name is stable and used verbatim in feature files:
	// Given the hostile token "alg none, no signature".
	Name string
	// Rule is the rule the token breaks (for Acceptable: the rule that
	// makes it valid), quoted or paraphrased, with its source. Where the
	// RFCs leave a choice and the suite takes the strict one, Rule says so.
	Rule string
	// NeedsURL marks cases that put Issuer.AttackerURL in the token; Build
	// fails when it is empty.
	NeedsURL bool
	Build    func(is *Issuer, u User) (string, error)
}

// AttackerKey is the HMAC key of the attacker's own forgeries (embedded
// jwk, jku, x5u). It is public by design: a conforming target never trusts
// it, and the attacker listener may serve it (AttackerJWKS) so that a
// target which does follow jku would accept the forgery.
var AttackerKey = []byte("mcpauthspec attacker key: public by design, never trusted")

// AttackerKeyID is the kid of AttackerKey in forged headers and in
// AttackerJWKS.
const AttackerKeyID = "attacker"

// AttackerJWKS is a JWK Set holding AttackerKey as an oct key, for the
// attacker listener to serve at Issuer.AttackerURL.
func AttackerJWKS() []byte {
	b, _ := json.Marshal(map[string]any{"keys": []any{attackerJWK()}})
	return b
}

func attackerJWK() map[string]any {
	return map[string]any{"kty": "oct", "kid": AttackerKeyID, "alg": "HS256", "k": b64(AttackerKey)}
}

// Weak secrets that appear in tutorials and default configurations.
var weakSecrets = []string{"secret", "password", "", "changeme", "your-256-bit-secret"}

const (
	hs256Header = `{"alg":"HS256","typ":"JWT"}`
	otherAud    = "other-api"
	// Leeway edges. The suite assumes a target allows at least
	// insideLeeway of clock skew and, like any conforming server, at most
	// 5 minutes (RFC 7519 §4.1.4: "some small leeway").
	insideLeeway  = 20 * time.Second
	outsideLeeway = 6 * time.Minute
)

// Hostile is the catalogue of tokens a conforming target must refuse, in
// a stable order: structure, alg, signature, headers, size, claims.
// Unless a case says otherwise, its claims are the user's standard,
// valid claims.
var Hostile = []HostileCase{
	// --- structure ---
	{
		Name: "two segments",
		Rule: "RFC 7515 §7.1 and RFC 7519 §7.2: a compact JWS is three base64url parts separated by two periods; a valid token with its signature part cut off is none",
		Build: func(is *Issuer, u User) (string, error) {
			tok, err := is.Token(u)
			if err != nil {
				return "", err
			}
			return tok[:strings.LastIndexByte(tok, '.')], nil
		},
	},
	{
		Name: "four segments",
		Rule: "RFC 7515 §7.1: a compact JWS has exactly three parts; a valid token with a fourth part appended must not be read as its first three",
		Build: func(is *Issuer, u User) (string, error) {
			tok, err := is.Token(u)
			if err != nil {
				return "", err
			}
			return tok + "." + tok[strings.LastIndexByte(tok, '.')+1:], nil
		},
	},
	{
		Name: "padded base64",
		Rule: "RFC 7515 §2: base64url in JWS omits the trailing '=' padding; a token with padded parts (HMAC computed over the padded text) is malformed",
		Build: func(is *Issuer, u User) (string, error) {
			claims := is.Claims(u)
			payload, err := json.Marshal(claims)
			if err != nil {
				return "", err
			}
			if len(payload)%3 == 0 { // make the payload need padding too
				claims["jti"] = claims["jti"].(string)[1:]
				if payload, err = json.Marshal(claims); err != nil {
					return "", err
				}
			}
			enc := base64.URLEncoding
			input := enc.EncodeToString([]byte(hs256Header)) + "." + enc.EncodeToString(payload)
			return input + "." + enc.EncodeToString(hmacSum(sha256.New, is.Secret, input)), nil
		},
	},
	{
		Name: "standard base64 alphabet",
		Rule: "RFC 7515 §2 and RFC 4648 §5: JWS uses the base64url alphabet ('-', '_'); parts in the standard alphabet ('+', '/') are malformed, even with an HMAC over their text",
		Build: func(is *Issuer, u User) (string, error) {
			claims := is.Claims(u)
			// A run of '?' always encodes to a '_' in base64url, so the
			// standard alphabet differs ('/').
			claims["note"] = "????????"
			payload, err := json.Marshal(claims)
			if err != nil {
				return "", err
			}
			enc := base64.RawStdEncoding
			input := enc.EncodeToString([]byte(hs256Header)) + "." + enc.EncodeToString(payload)
			return input + "." + enc.EncodeToString(hmacSum(sha256.New, is.Secret, input)), nil
		},
	},
	{
		Name: "header not json",
		Rule: "RFC 7515 §5.2 step 3: the JOSE header must be a completely valid JSON object (here unquoted names, JSON5 style, correctly signed)",
		Build: func(is *Issuer, u User) (string, error) {
			return rawClaims(is, u, []byte(`{alg:"HS256",typ:"JWT"}`), nil, nil)
		},
	},
	{
		Name: "payload not json",
		Rule: "RFC 7519 §7.2 step 10: the JWT Claims Set must be a valid JSON object (here a trailing comma, correctly signed)",
		Build: func(is *Issuer, u User) (string, error) {
			return rawClaims(is, u, nil, func(p []byte) []byte {
				return append(p[:len(p)-1], ",}"...)
			}, nil)
		},
	},
	{
		Name: "payload json array",
		Rule: "RFC 7519 §7.2 step 10: the JWT Claims Set must be a JSON object (here an array holding the claims, correctly signed)",
		Build: func(is *Issuer, u User) (string, error) {
			return rawClaims(is, u, nil, func(p []byte) []byte {
				return append(append([]byte("["), p...), ']')
			}, nil)
		},
	},
	{
		Name: "jwe compact",
		Rule: "contract §3 and RFC 7516 §9: tokens are HS256-signed JWS; a five-part JWE (alg dir, enc A256GCM, the shared secret as content key) carries no signature and must not be decrypted and trusted",
		Build: func(is *Issuer, u User) (string, error) {
			payload, err := json.Marshal(is.Claims(u))
			if err != nil {
				return "", err
			}
			return jweDir(is.Secret, payload)
		},
	},
	{
		Name: "json serialization",
		Rule: "RFC 6750 §2.1 (b64token) and contract §3: a bearer token is a compact JWS; the flattened JWS JSON serialization (RFC 7515 §7.2.2) is not accepted, even correctly signed",
		Build: func(is *Issuer, u User) (string, error) {
			tok, err := is.Token(u)
			if err != nil {
				return "", err
			}
			p := strings.Split(tok, ".")
			b, err := json.Marshal(map[string]string{"protected": p[0], "payload": p[1], "signature": p[2]})
			return string(b), err
		},
	},
	{
		Name:  "empty token segments",
		Rule:  "RFC 7515 §7.1: three empty parts (\"..\") are no JWS",
		Build: func(*Issuer, User) (string, error) { return "..", nil },
	},

	// --- alg ---
	{
		Name: "alg none, no signature",
		Rule: "RFC 8725 §3.1: a verifier must accept only the algorithms it expects; \"none\" MUST be refused (contract §3: HS256 only)",
		Build: func(is *Issuer, u User) (string, error) {
			return unsecured(is, u, "none")
		},
	},
	{
		Name: "alg none, with signature",
		Rule: "RFC 8725 §3.1: alg \"none\" MUST be refused, even when the original HS256 signature is left in place",
		Build: func(is *Issuer, u User) (string, error) {
			claims := is.Claims(u)
			tok, err := is.Sign(claims)
			if err != nil {
				return "", err
			}
			payload, err := json.Marshal(claims)
			if err != nil {
				return "", err
			}
			sig := tok[strings.LastIndexByte(tok, '.')+1:]
			return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64(payload) + "." + sig, nil
		},
	},
	{
		Name:  "alg None",
		Rule:  "RFC 7515 §4.1.1: alg values are case-sensitive, and RFC 8725 §3.1: only the expected algorithm is accepted; \"None\" is neither HS256 nor to be read as \"none\"",
		Build: func(is *Issuer, u User) (string, error) { return unsecured(is, u, "None") },
	},
	{
		Name:  "alg NONE",
		Rule:  "RFC 7515 §4.1.1: alg values are case-sensitive, and RFC 8725 §3.1: only the expected algorithm is accepted",
		Build: func(is *Issuer, u User) (string, error) { return unsecured(is, u, "NONE") },
	},
	{
		Name:  "alg nOnE",
		Rule:  "RFC 7515 §4.1.1: alg values are case-sensitive, and RFC 8725 §3.1: only the expected algorithm is accepted",
		Build: func(is *Issuer, u User) (string, error) { return unsecured(is, u, "nOnE") },
	},
	{
		Name: "alg missing",
		Rule: "RFC 7515 §4.1.1: the alg header parameter MUST be present; a verifier must not default to HS256 (the token is correctly HS256-signed)",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, is.Secret, map[string]any{"alg": nil}, is.Claims(u))
		},
	},
	{
		Name: "alg lowercase hs256",
		Rule: "RFC 7515 §4.1.1: alg values are case-sensitive; \"hs256\" is not HS256 (the token is correctly HS256-signed)",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, is.Secret, map[string]any{"alg": "hs256"}, is.Claims(u))
		},
	},
	{
		Name: "alg HS384",
		Rule: "RFC 8725 §3.1 and contract §3: the verifier pins HS256; HS384, even with the right secret, is not accepted",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS384, is.Secret, nil, is.Claims(u))
		},
	},
	{
		Name: "alg HS512",
		Rule: "RFC 8725 §3.1 and contract §3: the verifier pins HS256; HS512, even with the right secret, is not accepted",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS512, is.Secret, nil, is.Claims(u))
		},
	},
	{
		Name: "duplicate alg keys",
		Rule: "RFC 7515 §4 and RFC 7493 §2.3: header parameter names MUST be unique. RFC 7515 §4 lets a parser reject duplicates or take the last (here HS256, correctly signed), so a last-wins target is conformant; refusing is the suite's hardening advice",
		Build: func(is *Issuer, u User) (string, error) {
			return rawClaims(is, u, []byte(`{"alg":"none","alg":"HS256","typ":"JWT"}`), nil, nil)
		},
	},
	{
		Name: "duplicate alg keys, HS256 first",
		Rule: "RFC 7515 §4: header parameter names MUST be unique; a parser either rejects duplicates or takes the last (here \"none\"); taking the first (HS256) is a parser differential",
		Build: func(is *Issuer, u User) (string, error) {
			return rawClaims(is, u, []byte(`{"alg":"HS256","alg":"none","typ":"JWT"}`), nil, nil)
		},
	},

	// --- signature ---
	{
		Name: "tampered payload",
		Rule: "RFC 7515 §5.2 step 8: the signature must validate over the received header and payload; here org_id was switched to the other organization after signing",
		Build: func(is *Issuer, u User) (string, error) {
			tok, err := is.Token(u)
			if err != nil {
				return "", err
			}
			p := strings.Split(tok, ".")
			payload, err := base64.RawURLEncoding.DecodeString(p[1])
			if err != nil {
				return "", err
			}
			to := "org-globex"
			if u.OrgID == to {
				to = "org-acme"
			}
			from, _ := json.Marshal(u.OrgID)
			repl, _ := json.Marshal(to)
			tampered := strings.Replace(string(payload), `"org_id":`+string(from), `"org_id":`+string(repl), 1)
			if tampered == string(payload) {
				return "", errors.New("tampered payload: org_id not found in the payload")
			}
			return p[0] + "." + b64([]byte(tampered)) + "." + p[2], nil
		},
	},
	{
		Name: "truncated signature",
		Rule: "RFC 7518 §3.2: the HS256 signature is the full 256-bit HMAC; a valid token with its MAC cut to its first 16 bytes is refused",
		Build: func(is *Issuer, u User) (string, error) {
			return withSignature(is, u, func(sig []byte) []byte { return sig[:16] })
		},
	},
	{
		Name: "empty signature",
		Rule: "RFC 7515 §5.2 step 8 and RFC 8725 §3.1: an HS256 header with an empty signature part is unsigned",
		Build: func(is *Issuer, u User) (string, error) {
			return withSignature(is, u, func([]byte) []byte { return nil })
		},
	},
	{
		Name: "null signature bytes",
		Rule: "RFC 7515 §5.2 step 8: the signature must validate; 32 zero bytes (CVE-2022-21449 \"psychic signature\" shape) do not",
		Build: func(is *Issuer, u User) (string, error) {
			return withSignature(is, u, func([]byte) []byte { return make([]byte, 32) })
		},
	},
	{
		Name: "wrong secret",
		Rule: "RFC 7515 §5.2 step 8: a correctly formed HS256 token signed with another (random, 32-byte) key does not validate",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, randomBytes(32), nil, is.Claims(u))
		},
	},
	weakSecretCase(0),
	weakSecretCase(1),
	weakSecretCase(2),
	weakSecretCase(3),
	weakSecretCase(4),

	// --- headers ---
	{
		Name: "crit header",
		Rule: "RFC 7515 §4.1.11: a recipient that does not understand every extension listed in crit MUST reject the JWS (here crit [\"exp\"] with exp in the header, correctly signed)",
		Build: func(is *Issuer, u User) (string, error) {
			claims := is.Claims(u)
			return signJWT(jwt.SigningMethodHS256, is.Secret, map[string]any{"crit": []string{"exp"}, "exp": claims["exp"]}, claims)
		},
	},
	{
		Name: "embedded jwk",
		Rule: "RFC 8725 §3.10 and CVE-2018-0114: key material carried in the token (an oct jwk holding the attacker's key, which signs the token) is never trusted",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, AttackerKey, map[string]any{"jwk": attackerJWK()}, is.Claims(u))
		},
	},
	{
		Name:     "jku header",
		Rule:     "RFC 8725 §3.10: blindly following a jku URL enables SSRF; a resource server with a shared secret never fetches it (signed with the attacker key, served as JWKS at the URL)",
		NeedsURL: true,
		Build: func(is *Issuer, u User) (string, error) {
			return keyRefCase(is, u, "jku")
		},
	},
	{
		Name:     "x5u header",
		Rule:     "RFC 8725 §3.10: blindly following an x5u URL enables SSRF; a resource server with a shared secret never fetches it (signed with the attacker key)",
		NeedsURL: true,
		Build: func(is *Issuer, u User) (string, error) {
			return keyRefCase(is, u, "x5u")
		},
	},
	{
		Name: "kid path traversal",
		Rule: "RFC 8725 §3.10: kid must not be used as a file path; \"../../../../dev/null\" would yield an empty key, which signs this token",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, []byte{}, map[string]any{"kid": "../../../../dev/null"}, is.Claims(u))
		},
	},
	{
		Name: "kid sql injection",
		Rule: "RFC 8725 §3.10: kid lookups must not allow SQL injection; the injected query would yield the key \"secret\", which signs this token",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, []byte("secret"), map[string]any{"kid": "x' UNION SELECT 'secret'--"}, is.Claims(u))
		},
	},
	{
		Name: "kid command injection",
		Rule: "RFC 8725 §3.10: kid must never reach a shell; \"|sleep 5\" would stall the target and yield an empty key, which signs this token",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, []byte{}, map[string]any{"kid": "|sleep 5"}, is.Claims(u))
		},
	},

	// --- size ---
	{
		Name: "huge token",
		Rule: "CVE-2025-30204: a valid header part followed by 1 MiB of '.' must be refused cheaply (bounded length before splitting), not split into a million parts",
		Build: func(is *Issuer, u User) (string, error) {
			return b64([]byte(hs256Header)) + strings.Repeat(".", 1<<20), nil
		},
	},
	{
		Name: "oversized valid-looking token",
		Rule: "suite hardening advice (no source sets a limit): a target bounds the token length it parses; a correctly signed token with a 16 KiB padding claim is refused",
		Build: func(is *Issuer, u User) (string, error) {
			claims := is.Claims(u)
			claims["padding"] = strings.Repeat("x", 16<<10)
			return is.Sign(claims)
		},
	},

	// --- claims: all correctly signed with the real secret ---
	claimCase("exp in the past",
		"RFC 7519 §4.1.4: a token at or after its exp MUST NOT be accepted (exp = now - 1 h)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": now - 3600, "iat": now - 3600 - 600}, nil
		}),
	claimCase("exp just outside leeway",
		"RFC 7519 §4.1.4 allows \"some small leeway\"; no conforming target allows more than 5 min (exp = now - 6 min)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": now - secs(outsideLeeway), "iat": now - secs(outsideLeeway) - 600}, nil
		}),
	claimCase("exp missing",
		"contract §3: exp is required; a token without it never expires",
		func(int64) (map[string]any, []string) { return nil, []string{"exp"} }),
	claimCase("exp zero",
		"RFC 7519 §4.1.4: exp 0 is 1970-01-01, long past; it is not \"no expiry\"",
		func(int64) (map[string]any, []string) { return map[string]any{"exp": 0}, nil }),
	claimCase("exp null",
		"RFC 7519 §4.1.4 and §2: exp is a NumericDate; null is not one, and not \"no expiry\"",
		func(int64) (map[string]any, []string) { return map[string]any{"exp": nil}, nil }),
	claimCase("exp string",
		"RFC 7519 §4.1.4 and §2: exp is a NumericDate (a JSON number); a string, even of a valid future time, is not one",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": strconv.FormatInt(now+600, 10)}, nil
		}),
	claimCase("exp string in the past",
		"RFC 7519 §4.1.4: exp is a NumericDate (a JSON number); this one is a string of a time an hour past, expired however a parser reads it (refused as no number, or read as a date that has passed)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": strconv.FormatInt(now-3600, 10)}, nil
		}),
	claimCase("exp duplicated as EXP",
		"RFC 7519 §4 and RFC 8259 §8.3: claim names are compared case-sensitively, so EXP is not exp: a conforming parser ignores EXP (far future) and reads the valid exp. No scenario refuses this token; the token \"exp expired, EXP valid\" is the direction that catches a case-folding parser",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"EXP": now + 10*365*24*3600}, nil
		}),
	claimCase("exp expired, EXP valid",
		"RFC 7519 §4.1.4 and §4: exp (expired) governs; EXP (valid) is a different claim and must not be read as exp by a case-insensitive parser",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": now - 3600, "iat": now - 3600 - 600, "EXP": now + 600}, nil
		}),
	claimCase("nbf in the future",
		"RFC 7519 §4.1.5: a token MUST NOT be accepted before its nbf (nbf = now + 1 h, exp = now + 2 h)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"nbf": now + 3600, "exp": now + 7200}, nil
		}),
	claimCase("iat in the future",
		"suite hardening advice (RFC 7519 §4.1.6 sets no rule for a future iat): a token issued an hour from now is refused (iat = now + 1 h, exp = now + 2 h)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"iat": now + 3600, "exp": now + 7200}, nil
		}),
	{
		Name: "iss wrong",
		Rule: "contract §3 and RFC 7519 §4.1.1: iss equals JWT_ISSUER exactly (here JWT_ISSUER with a suffix)",
		Build: func(is *Issuer, u User) (string, error) {
			return signClaims(is, u, map[string]any{"iss": is.Issuer + "-evil"}, nil)
		},
	},
	claimCase("iss missing",
		"contract §3: iss equals JWT_ISSUER; a token without iss has no issuer to trust",
		func(int64) (map[string]any, []string) { return nil, []string{"iss"} }),
	claimCase("iss number",
		"RFC 7519 §4.1.1: iss is a StringOrURI; a number is not one",
		func(int64) (map[string]any, []string) { return map[string]any{"iss": 42}, nil }),
	claimCase("aud missing",
		"contract §3 and RFC 7519 §4.1.3: aud must contain JWT_AUDIENCE; without aud the token is for no one in particular (RFC 8725 §3.9)",
		func(int64) (map[string]any, []string) { return nil, []string{"aud"} }),
	claimCase("aud other",
		"RFC 7519 §4.1.3: a token whose aud does not identify this resource server MUST be rejected (aud = \"other-api\")",
		func(int64) (map[string]any, []string) { return map[string]any{"aud": otherAud}, nil }),
	{
		Name: "aud wrong case",
		Rule: "RFC 7519 §4.1.3 and §2 (StringOrURI): aud values are compared case-sensitively; the upper-cased audience is another audience",
		Build: func(is *Issuer, u User) (string, error) {
			up := strings.ToUpper(is.Audience)
			if up == is.Audience {
				return "", fmt.Errorf("aud wrong case: audience %q has no lower-case letters", is.Audience)
			}
			return signClaims(is, u, map[string]any{"aud": up}, nil)
		},
	},
	claimCase("aud empty array",
		"RFC 7519 §4.1.3: aud must contain JWT_AUDIENCE; an empty array contains nothing",
		func(int64) (map[string]any, []string) { return map[string]any{"aud": []string{}}, nil }),
	claimCase("aud array without ours",
		"RFC 7519 §4.1.3: none of the array's audiences identifies this resource server",
		func(int64) (map[string]any, []string) {
			return map[string]any{"aud": []string{otherAud, "another-api"}}, nil
		}),
	claimCase("aud number",
		"RFC 7519 §4.1.3: aud is a StringOrURI or an array of them; a number is neither",
		func(int64) (map[string]any, []string) { return map[string]any{"aud": 42}, nil }),
	claimCase("sub missing",
		"contract §3: sub is the user id; a token without it acts for no one",
		func(int64) (map[string]any, []string) { return nil, []string{"sub"} }),
	claimCase("org_id missing",
		"contract §3: org_id is the user's organization; without it the target cannot scope backend calls",
		func(int64) (map[string]any, []string) { return nil, []string{"org_id"} }),
	{
		Name: "duplicate exp keys, expired last",
		Rule: "RFC 7519 §4: a parser either rejects duplicate claim names or takes the last (here \"exp\":future then \"exp\":past, so both refuse); a first-wins or mixed parser reads the future one and serves an expired token",
		Build: func(is *Issuer, u User) (string, error) {
			now := is.now().Unix()
			return rawClaims(is, u, nil, func(p []byte) []byte {
				dup := fmt.Sprintf(`{"exp":%d,"exp":%d,`, now+600, now-3600)
				return append([]byte(dup), p[1:]...)
			}, []string{"exp"})
		},
	},
	{
		Name: "duplicate exp keys",
		Rule: "RFC 7519 §4 and RFC 7493 §2.3: claim names MUST be unique (here \"exp\":past then \"exp\":future). RFC 7519 §4 lets a parser reject duplicates or take the last (the future one), so a last-wins target is conformant; refusing is the suite's hardening advice",
		Build: func(is *Issuer, u User) (string, error) {
			now := is.now().Unix()
			return rawClaims(is, u, nil, func(p []byte) []byte {
				dup := fmt.Sprintf(`{"exp":%d,"exp":%d,`, now-3600, now+600)
				return append([]byte(dup), p[1:]...)
			}, []string{"exp"})
		},
	},
}

// Acceptable is the catalogue of unusual tokens that a conforming target
// must accept, in the same shape as Hostile.
var Acceptable = []HostileCase{
	{
		Name: "aud array containing ours",
		Rule: "RFC 7519 §4.1.3 and contract §3: aud may be an array; it is valid when one element is JWT_AUDIENCE ([\"other-api\", ours])",
		Build: func(is *Issuer, u User) (string, error) {
			return signClaims(is, u, map[string]any{"aud": []string{otherAud, is.Audience}}, nil)
		},
	},
	claimCase("exp just inside leeway",
		"RFC 7519 §4.1.4 allows \"some small leeway\"; the suite assumes a target allows at least 20 s of clock skew (exp = now - 20 s)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"exp": now - secs(insideLeeway), "iat": now - secs(insideLeeway) - 600}, nil
		}),
	claimCase("nbf just inside leeway",
		"RFC 7519 §4.1.5 allows \"some small leeway\"; the suite assumes a target allows at least 20 s of clock skew (nbf = now + 20 s)",
		func(now int64) (map[string]any, []string) {
			return map[string]any{"nbf": now + secs(insideLeeway)}, nil
		}),
	{
		Name: "typ at+jwt",
		Rule: "RFC 9068 §2.1: JWT access tokens carry typ \"at+jwt\"; a resource server accepts it",
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, is.Secret, map[string]any{"typ": "at+jwt"}, is.Claims(u))
		},
	},
}

// LookupHostile returns the Hostile case called name (exactly). The error
// lists the closest names.
func LookupHostile(name string) (HostileCase, error) {
	for _, c := range Hostile {
		if c.Name == name {
			return c, nil
		}
	}
	for _, c := range Acceptable {
		if c.Name == name {
			return HostileCase{}, fmt.Errorf("%q is an acceptable token (harness.Acceptable), not a hostile one", name)
		}
	}
	names := make([]string, len(Hostile))
	for i, c := range Hostile {
		names[i] = c.Name
	}
	if close := closeNames(name, names, 5); len(close) > 0 {
		return HostileCase{}, fmt.Errorf("unknown hostile token %q; did you mean %s?", name, quoteJoin(close))
	}
	return HostileCase{}, fmt.Errorf("unknown hostile token %q (%d cases in harness.Hostile, see harness/hostile.go)", name, len(Hostile))
}

// --- builders ---

func secs(d time.Duration) int64 { return int64(d / time.Second) }

func weakSecretCase(i int) HostileCase {
	key := weakSecrets[i]
	name := key
	if name == "" {
		name = "empty"
	}
	return HostileCase{
		Name: "weak secret " + name,
		Rule: fmt.Sprintf("RFC 8725 §3.5 and RFC 7518 §3.2: an HS256 key has at least 256 bits of entropy; a token signed with the well-known key %q must not validate", key),
		Build: func(is *Issuer, u User) (string, error) {
			return signJWT(jwt.SigningMethodHS256, []byte(key), nil, is.Claims(u))
		},
	}
}

// claimCase is a case of the user's standard claims, changed by f (given
// the current time in Unix seconds), signed with the real secret.
func claimCase(name, rule string, f func(now int64) (set map[string]any, del []string)) HostileCase {
	return HostileCase{Name: name, Rule: rule, Build: func(is *Issuer, u User) (string, error) {
		set, del := f(is.now().Unix())
		return signClaims(is, u, set, del)
	}}
}

// signClaims signs the user's standard claims with set applied, then del
// removed, with HS256 and the real secret.
func signClaims(is *Issuer, u User, set map[string]any, del []string) (string, error) {
	claims := is.Claims(u)
	for k, v := range set {
		claims[k] = v
	}
	for _, k := range del {
		delete(claims, k)
	}
	return is.Sign(claims)
}

// rawClaims builds a token with SignRaw and the real secret: header (nil:
// the standard HS256 header) and the user's standard claims without del,
// marshalled and then rewritten by edit (nil: unchanged).
func rawClaims(is *Issuer, u User, header []byte, edit func([]byte) []byte, del []string) (string, error) {
	if header == nil {
		header = []byte(hs256Header)
	}
	claims := is.Claims(u)
	for _, k := range del {
		delete(claims, k)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	if edit != nil {
		payload = edit(payload)
	}
	return is.SignRaw(header, payload, nil), nil
}

// unsecured is an Unsecured JWS (RFC 7515 Appendix A.5) of the user's
// standard claims with the given alg and an empty signature.
func unsecured(is *Issuer, u User, alg string) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(is.Claims(u))
	if err != nil {
		return "", err
	}
	return b64(header) + "." + b64(payload) + ".", nil
}

// withSignature is a valid token of u whose signature is replaced by
// f(the valid signature).
func withSignature(is *Issuer, u User, f func(sig []byte) []byte) (string, error) {
	tok, err := is.Token(u)
	if err != nil {
		return "", err
	}
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return "", err
	}
	return tok[:i+1] + b64(f(sig)), nil
}

// keyRefCase is the user's standard claims with a key-reference header
// (jku or x5u) pointing at is.AttackerURL, signed with AttackerKey.
func keyRefCase(is *Issuer, u User, param string) (string, error) {
	if is.AttackerURL == "" {
		return "", fmt.Errorf("%s header: Issuer.AttackerURL is not set", param)
	}
	return signJWT(jwt.SigningMethodHS256, AttackerKey, map[string]any{param: is.AttackerURL, "kid": AttackerKeyID}, is.Claims(u))
}

// jweDir encrypts payload as a compact JWE (RFC 7516 §7.1) with alg dir and
// enc A256GCM. The content key is secret when it is 32 bytes long,
// otherwise its SHA-256.
func jweDir(secret, payload []byte) (string, error) {
	key := secret
	if len(key) != 32 {
		sum := sha256.Sum256(secret)
		key = sum[:]
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	header := b64([]byte(`{"alg":"dir","enc":"A256GCM","typ":"JWT"}`))
	iv := randomBytes(gcm.NonceSize())
	sealed := gcm.Seal(nil, iv, payload, []byte(header)) // AAD: ASCII(BASE64URL(header))
	ct, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	// dir: the encrypted key part is empty.
	return header + ".." + b64(iv) + "." + b64(ct) + "." + b64(tag), nil
}

// closeNames returns up to n of names that look like name: those sharing
// a word with it or within a small edit distance, closest first.
func closeNames(name string, names []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	lname := strings.ToLower(strings.TrimSpace(name))
	if lname == "" {
		return nil
	}
	words := strings.FieldsFunc(lname, func(r rune) bool { return r == ' ' || r == ',' })
	var out []scored
	for _, c := range names {
		lc := strings.ToLower(c)
		d := levenshtein(lname, lc)
		near := d <= max(3, len(lname)/3) || strings.Contains(lc, lname) || strings.Contains(lname, lc)
		for _, w := range words {
			if len(w) > 3 && strings.Contains(lc, w) {
				near = true
			}
		}
		if near {
			out = append(out, scored{c, d})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return a.d - b.d })
	res := make([]string, 0, n)
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].name)
	}
	return res
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
