package refserver

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/golang-jwt/jwt/v5"
)

// Token verification composes golang-jwt/v5's parser (options in newRules)
// and github.com/go-json-experiment/json, the encoding/json/v2 semantics, for
// the header and claims: names case-sensitive, duplicate names and invalid
// UTF-8 refused, wrong JSON types an error. What no library checks is written
// out below, each rule with its source.

const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat by default.
	DefaultLeeway = 60 * time.Second
	// MaxLeeway is the largest leeway accepted: RFC 7519 §4.1.4 allows only
	// "some small leeway", and a longer one keeps expired tokens alive.
	MaxLeeway = 5 * time.Minute
	// MaxTokenBytes is the longest token looked at (CVE-2025-30204: splitting
	// a huge token of dots allocated in proportion to its length).
	MaxTokenBytes = 8 << 10
)

// VerifierConfig configures the HS256 Verifier.
type VerifierConfig struct {
	Secret   []byte           // HS256 key, at least MinSecretBytes (RFC 7518 §3.2)
	Issuer   string           // the only accepted iss
	Audience string           // aud must contain it, exactly
	Leeway   time.Duration    // clock skew allowed on exp, nbf and iat: 0 to MaxLeeway
	Now      func() time.Time // nil: time.Now; tests inject a clock
}

// Verifier checks HS256 bearer tokens issued by the core app. Its Verify
// method is a TokenVerifier. It is safe for concurrent use.
type Verifier struct {
	secret []byte
	rules  *rules
	cache  verifiedCache // tokens accepted before (verifycache.go)
}

// NewVerifier returns a Verifier for cfg. Its errors never contain the secret.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Secret) < MinSecretBytes {
		// RFC 7518 §3.2: a key of the same size as the hash output or larger.
		return nil, fmt.Errorf("token verifier: secret must be at least %d bytes (RFC 7518 §3.2)", MinSecretBytes)
	}
	r, err := newRules(cfg.Issuer, cfg.Audience, cfg.Leeway, cfg.Now, jwt.SigningMethodHS256)
	if err != nil {
		return nil, err
	}
	return &Verifier{secret: bytes.Clone(cfg.Secret), rules: r}, nil
}

// Verify checks token (see rules.verify) and returns its claims. Every error
// wraps one sentinel of errors.go, answered with 401 invalid_token (RFC 6750
// §3.1), and never contains the token. Verification does no I/O: jku, x5u,
// jwk, x5c and kid are never fetched or used (RFC 8725 §3.10). A token
// accepted before is served from the cache, exp, nbf and iat checked again.
func (v *Verifier) Verify(_ context.Context, token string) (*Claims, error) {
	if len(token) > MaxTokenBytes { // CVE-2025-30204: before hashing it
		return nil, errTooLong
	}
	key := sha256.Sum256([]byte(token))
	if c, err, ok := v.cache.get(key, v.rules); ok {
		return c, err
	}
	c, tc, err := v.rules.verify(token, v.key)
	if err == nil {
		v.cache.put(key, tc, c)
	}
	return c, err
}

// verifyFull is Verify without the cache, for tests and benchmarks.
func (v *Verifier) verifyFull(_ context.Context, token string) (*Claims, error) {
	c, _, err := v.rules.verify(token, v.key)
	return c, err
}

// key is the secret, whatever the header says; kid, jku, jwk... are ignored.
func (v *Verifier) key(*joseHeader) (any, error) { return v.secret, nil }

// rules are the checks of both verifiers, which differ only in their
// algorithm allow-list and key lookup: a token meets the same rules in both.
type rules struct {
	issuer, audience string
	methods          []jwt.SigningMethod // the allow-list; methods[i] verifies algs[i]
	algs             []string
	parser           *jwt.Parser
	validator        *jwt.Validator // the parser's claim checks, for cache hits
}

// newRules takes the allow-list as signing methods: a token's method must be
// one of these values, not merely share an alg name with one, since
// golang-jwt's global registry can be changed by any imported package.
func newRules(issuer, audience string, leeway time.Duration, now func() time.Time, methods ...jwt.SigningMethod) (*rules, error) {
	switch {
	case issuer == "":
		return nil, errors.New("token verifier: issuer is required")
	case audience == "": // RFC 8725 §3.9: the audience is always checked
		return nil, errors.New("token verifier: audience is required")
	case leeway < 0 || leeway > MaxLeeway:
		return nil, fmt.Errorf("token verifier: leeway must be between 0s and %v", MaxLeeway)
	}
	if now == nil {
		now = time.Now
	}
	algs := make([]string, len(methods))
	for i, m := range methods {
		algs[i] = m.Alg()
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),   // RFC 8725 §3.1: an allow-list of algorithms
		jwt.WithIssuer(issuer),       // RFC 7519 §4.1.1, contract §3: iss, exactly
		jwt.WithAudience(audience),   // RFC 7519 §4.1.3, RFC 8725 §3.9: aud contains ours
		jwt.WithExpirationRequired(), // contract §3: exp is required (RFC 7519 §4.1.4)
		jwt.WithIssuedAt(),           // contract §3: iat in the future is refused
		jwt.WithLeeway(leeway),       // RFC 7519 §4.1.4-4.1.5: "some small leeway"
		jwt.WithTimeFunc(now),
		// RFC 7515 §2, RFC 4648 §3.5: unpadded base64url, non-zero trailing
		// bits refused, so that one token has one spelling.
		jwt.WithStrictDecoding(),
	}
	return &rules{issuer: issuer, audience: audience, methods: slices.Clone(methods), algs: algs,
		parser: jwt.NewParser(opts...), validator: jwt.NewValidator(opts...)}, nil
}

// Rejections: a sentinel of errors.go and fixed text. No part of the token,
// not even a claim value, reaches an error message (nor a log line, nor a
// WWW-Authenticate header); golang-jwt's messages, some quoting alg, never.
var (
	errTooLong        = fmt.Errorf("%w: token too long", ErrMalformed)
	errSegments       = fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)
	errEncoding       = fmt.Errorf("%w: segment is not unpadded base64url", ErrMalformed)
	errHeaderJSON     = fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	errHeaderDup      = fmt.Errorf("%w: duplicate header parameter", ErrMalformed)
	errTyp            = fmt.Errorf("%w: typ is not JWT or at+jwt", ErrMalformed)
	errPayloadJSON    = fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	errMalformedOther = fmt.Errorf("%w: token could not be parsed", ErrMalformed)
	errAlg            = fmt.Errorf("%w: alg is not an accepted algorithm", ErrAlgorithm)
	errCrit           = fmt.Errorf("%w: crit header parameter present", ErrUnsupported)
	errSig            = fmt.Errorf("%w: signature does not match", ErrSignature)
	errClaimDup       = fmt.Errorf("%w: duplicate claim name", ErrInvalidClaim)
	errClaimCase      = fmt.Errorf("%w: claim name differs from a known claim only in case", ErrInvalidClaim)
	errTimeType       = fmt.Errorf("%w: exp, nbf or iat is not a NumericDate", ErrInvalidClaim)
	errStringType     = fmt.Errorf("%w: scope, email or name is not a string", ErrInvalidClaim)
	errClaims         = fmt.Errorf("%w: claims rejected", ErrInvalidClaim)
	errExpMissing     = fmt.Errorf("%w: exp", ErrMissingClaim)
	errSubMissing     = fmt.Errorf("%w: sub", ErrMissingClaim)
	errOrgMissing     = fmt.Errorf("%w: org_id", ErrMissingClaim)
	errExpired        = fmt.Errorf("%w: exp is in the past", ErrExpired)
	errNbf            = fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	errIat            = fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	errIss            = fmt.Errorf("%w: iss does not match", ErrIssuer)
	errIssType        = fmt.Errorf("%w: iss is not a string", ErrIssuer)
	errAud            = fmt.Errorf("%w: aud does not contain this resource", ErrAudience)
	errAudType        = fmt.Errorf("%w: aud is not a string or an array of strings", ErrAudience)
)

// verify checks, in order: size, shape, header, then golang-jwt's parser
// (claims JSON, alg again, signature, exp, nbf, iat, iss, aud), last sub and
// org_id. key returns the key for a header that passed, or a sentinel error.
// verify returns the claims and, for the cache, what golang-jwt validated.
func (r *rules) verify(token string, key func(*joseHeader) (any, error)) (*Claims, *tokenClaims, error) {
	switch {
	case len(token) > MaxTokenBytes: // CVE-2025-30204: bound the work first
		return nil, nil, errTooLong
	case strings.Count(token, ".") != 2: // RFC 7515 §7.1: three segments (a JWE has five)
		return nil, nil, errSegments
	case strings.ContainsAny(token, "\r\n"):
		// RFC 7515 §2: base64url "without the inclusion of any line breaks,
		// whitespace, or other additional characters"; Go's decoder skips
		// CR and LF even in strict mode.
		return nil, nil, errEncoding
	}
	h, err := r.header(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return nil, nil, err
	}
	tc := &tokenClaims{}
	var keyErr error
	_, err = r.parser.ParseWithClaims(token, tc, func(t *jwt.Token) (k any, err error) {
		// RFC 8725 §3.1: the method must be the allow-list's own value.
		if i := slices.Index(r.algs, h.Alg); i < 0 || t.Method != r.methods[i] {
			keyErr = errAlg
			return nil, keyErr
		}
		k, keyErr = key(h)
		return k, keyErr
	})
	switch {
	case err == nil:
	case tc.err != nil || keyErr != nil: // the claims' decoding, the key lookup
		return nil, nil, cmp.Or(tc.err, keyErr)
	case errors.Is(err, jwt.ErrTokenMalformed):
		if errors.As(err, new(base64.CorruptInputError)) {
			return nil, nil, errEncoding
		}
		return nil, nil, errPayloadJSON
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, nil, errSig
	case errors.Is(err, jwt.ErrTokenUnverifiable): // alg not in golang-jwt's registry
		return nil, nil, errAlg
	case !tc.decoded: // null: encoding/json never asked for the claims
		return nil, nil, errPayloadJSON
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return nil, nil, r.claimsError(err, tc)
	default:
		return nil, nil, errMalformedOther
	}
	// Contract §3 (RFC 7519 §4.1.2 makes sub optional): sub and org_id are
	// required, as non-empty strings; golang-jwt has no option for either.
	if tc.Sub == "" {
		return nil, nil, errSubMissing
	}
	if tc.OrgID == "" {
		return nil, nil, errOrgMissing
	}
	return tc.claims(), tc, nil
}

// joseHeader is the JOSE header (RFC 7515 §4) as read here; jwk, jku, x5u,
// x5c... are read past and never used.
type joseHeader struct {
	Alg  string         `json:"alg"`
	Typ  jsontext.Value `json:"typ"`
	Crit jsontext.Value `json:"crit"`
	Kid  any            `json:"kid"` // JWKS only: a name in the set it fetched itself (RFC 8725 §3.10)
}

// header decodes and checks the header. golang-jwt's second decoding (with
// encoding/json) cannot disagree: no duplicate names, valid UTF-8.
func (r *rules) header(seg string) (*joseHeader, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return nil, errEncoding
	}
	h := &joseHeader{}
	// RFC 7515 §5.2 step 3: a JSON object (v2 would read null as an empty one).
	if jsontext.Value(b).Kind() != '{' {
		return nil, errHeaderJSON
	}
	if err := json.Unmarshal(b, h); err != nil {
		var se *json.SemanticError
		switch {
		// RFC 7515 §4: "Header Parameter names within the JOSE Header MUST
		// be unique"; of {"alg":"none","alg":"HS256"} encoding/json keeps
		// the last, another parser the first.
		case errors.Is(err, jsontext.ErrDuplicateName):
			return nil, errHeaderDup
		case errors.As(err, &se) && se.JSONPointer == "/alg":
			return nil, errAlg // not a string
		}
		return nil, errHeaderJSON
	}
	// RFC 8725 §3.1: the algorithm comes from an allow-list, compared exactly
	// (RFC 7515 §4.1.1: case-sensitive), so "none" in any casing, "hs256"...
	// are refused. golang-jwt's WithValidMethods is the second lock.
	if !slices.Contains(r.algs, h.Alg) {
		return nil, errAlg
	}
	// RFC 7515 §4.1.11: a recipient that does not understand an extension
	// listed in crit must reject the JWS. This verifier understands none.
	if h.Crit != nil {
		return nil, errCrit
	}
	// RFC 7515 §4.1.9 (a media type; "application/" may be omitted; compared
	// case-insensitively): RFC 7519 §5.1 JWT, RFC 9068 §2.1 at+jwt.
	if h.Typ != nil {
		var typ string
		err := json.Unmarshal(h.Typ, &typ)
		typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
		if err != nil || typ != "jwt" && typ != "at+jwt" {
			return nil, errTyp
		}
	}
	return h, nil
}

// claimSet is the payload (RFC 7519 §4) as read here.
type claimSet struct {
	Iss   string           `json:"iss"`
	Sub   string           `json:"sub"`
	Aud   jwt.ClaimStrings `json:"aud"` // RFC 7519 §4.1.3: a string or an array of strings
	Exp   numericDate      `json:"exp"`
	Nbf   numericDate      `json:"nbf"`
	Iat   numericDate      `json:"iat"`
	OrgID string           `json:"org_id"`
	Scope string           `json:"scope"` // RFC 6749 §3.3: space-delimited
	Email string           `json:"email"`
	Name  string           `json:"name"`
	// Other claims (jti, ...), kept only until their names are checked.
	Other map[string]jsontext.Value `json:",embed"`
}

// tokenClaims is the jwt.Claims golang-jwt decodes and validates.
type tokenClaims struct {
	claimSet
	decoded bool
	err     error // why decoding failed, as a sentinel
}

// UnmarshalJSON decodes the payload strictly. golang-jwt calls it through
// encoding/json, which has checked that b is one JSON value.
func (c *tokenClaims) UnmarshalJSON(b []byte) error {
	c.decoded, c.err = true, c.decode(b)
	return c.err
}

// maxNumericDate is 9999-12-31T23:59:59Z: a NumericDate (RFC 7519 §2) beyond
// it, or before the epoch, is refused as nonsense rather than interpreted.
const maxNumericDate = 253402300799

func (c *tokenClaims) decode(b []byte) error {
	if err := json.Unmarshal(b, &c.claimSet); err != nil {
		return claimsDecodeError(err)
	}
	// Suite policy: RFC 8259 §8.3 compares names case-sensitively, so "EXP"
	// is not exp; but encoding/json matches fields case-insensitively and
	// Unicode-folded ("ſub" is sub), so another reader of this token could
	// take a case variant for the claim. It is refused.
	for name := range c.Other {
		for _, known := range knownClaims {
			if name != known && strings.EqualFold(name, known) {
				return errClaimCase
			}
		}
	}
	c.Other = nil
	return nil
}

// numericDate is exp, nbf or iat; nil NumericDate when absent.
type numericDate struct{ *jwt.NumericDate }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	// RFC 7519 §2: a NumericDate is a JSON number; from the raw JSON, null,
	// a bool or a string (even of digits) does not parse.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > maxNumericDate {
		return errTimeType
	}
	sec, frac := math.Modf(f) // as golang-jwt reads one, to jwt.TimePrecision
	d.NumericDate = jwt.NewNumericDate(time.Unix(int64(sec), int64(frac*1e9)))
	return nil
}

// knownClaims are the claim names tokenClaims reads, and jti.
var knownClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "org_id", "scope", "email", "name"}

// claimTypeErrors names the rejection of a claim of the wrong JSON type.
// "": RFC 7519 §7.2 step 10, the claims set is a JSON object.
var claimTypeErrors = map[jsontext.Pointer]error{"": errPayloadJSON, "/iss": errIssType,
	"/sub": errSubMissing, "/org_id": errOrgMissing, "/exp": errTimeType, "/nbf": errTimeType, "/iat": errTimeType}

// claimsDecodeError turns the strict decoder's error into a sentinel.
func claimsDecodeError(err error) error {
	var se *json.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		// RFC 7519 §4: "The Claim Names within a JWT Claims Set MUST be unique".
		return errClaimDup
	case !errors.As(err, &se): // not JSON, invalid UTF-8 (RFC 7519 §7.2 step 10)
		return errPayloadJSON
	case claimTypeErrors[se.JSONPointer] != nil:
		return claimTypeErrors[se.JSONPointer]
	case strings.HasPrefix(string(se.JSONPointer), "/aud"):
		return errAudType
	}
	return errStringType
}

// claims is what an accepted token gives the server.
func (c *tokenClaims) claims() *Claims {
	return &Claims{Subject: c.Sub, OrgID: c.OrgID, Scopes: strings.Fields(c.Scope), Email: c.Email,
		Name: c.Name, Issuer: c.Iss, Audience: slices.Clone([]string(c.Aud)), ExpiresAt: c.Exp.Time}
}

// jwt.Claims: golang-jwt's validator reads exp, nbf, iat, iss and aud here.

func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.Exp.NumericDate, nil }
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.Nbf.NumericDate, nil }
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.Iat.NumericDate, nil }
func (c *tokenClaims) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c *tokenClaims) GetSubject() (string, error)                  { return c.Sub, nil }
func (c *tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.Aud, nil }

// claimsError turns the validator's error, which joins every failed check,
// into one sentinel with fixed text, in a fixed order.
func (r *rules) claimsError(err error, c *tokenClaims) error {
	switch {
	case c.Exp.NumericDate == nil: // RFC 7519 §4.1.4, required by the contract
		return errExpMissing
	case errors.Is(err, jwt.ErrTokenExpired): // RFC 7519 §4.1.4
		return errExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet): // RFC 7519 §4.1.5
		return errNbf
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued): // RFC 7519 §4.1.6
		return errIat
	case c.Iss != r.issuer || errors.Is(err, jwt.ErrTokenInvalidIssuer): // RFC 7519 §4.1.1
		return errIss
	case !slices.Contains(c.Aud, r.audience) || errors.Is(err, jwt.ErrTokenInvalidAudience): // RFC 7519 §4.1.3
		return errAud
	}
	return errClaims
}
