package refserver

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat when the
	// configuration does not say otherwise.
	DefaultLeeway = 60 * time.Second
	// MaxLeeway is the largest clock skew NewVerifier accepts. A longer one
	// would keep expired tokens alive (RFC 7519 §4.1.4 allows only "some
	// small leeway").
	MaxLeeway = 5 * time.Minute
	// MaxTokenBytes is the longest token Verify looks at. Longer ones are
	// refused before they are split or decoded (CVE-2025-30204: splitting a
	// huge token of dots allocated in proportion to its length).
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
	key   *hmacKey
	rules *rules
	keyf  keyFunc
	cache verifiedCache // tokens accepted before (verifycache.go)
}

// NewVerifier returns a Verifier for cfg. Its errors never contain the secret.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Secret) < MinSecretBytes {
		// RFC 7518 §3.2: a key of the same size as the hash output or larger.
		return nil, fmt.Errorf("token verifier: secret must be at least %d bytes (RFC 7518 §3.2)", MinSecretBytes)
	}
	r, err := newRules(cfg.Issuer, cfg.Audience, cfg.Leeway, cfg.Now, hs256Method{})
	if err != nil {
		return nil, err
	}
	v := &Verifier{key: newHMACKey(cfg.Secret), rules: r}
	v.keyf = func(_ *joseHeader, m jwt.SigningMethod) (any, error) { return v.keyFor(m) }
	return v, nil
}

// rules are the checks every verifier makes, whatever its keys: structure,
// header, claim types and values. The HS256 Verifier and the JWKSVerifier
// differ only in their algorithm allow-list and in how they find the key, so
// a token is held to exactly the same rules in both modes.
type rules struct {
	issuer    string
	audience  string
	algs      []string            // the header's alg must be one of these, exactly
	methods   []jwt.SigningMethod // methods[i] verifies algs[i]
	validator *jwt.Validator
}

// newRules takes the allow-list as signing methods, each verifying the alg
// it names. They are looked up here, never in golang-jwt's global registry,
// which any imported package can change.
func newRules(issuer, audience string, leeway time.Duration, now func() time.Time, methods ...jwt.SigningMethod) (*rules, error) {
	switch {
	case issuer == "":
		return nil, errors.New("token verifier: issuer is required")
	case audience == "":
		// RFC 8725 §3.9: a token minted for another resource must not be
		// accepted here, so the audience is always checked.
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
	return &rules{
		issuer:   issuer,
		audience: audience,
		algs:     algs,
		methods:  slices.Clone(methods),
		validator: jwt.NewValidator(
			jwt.WithExpirationRequired(), // contract §3: exp is required
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithIssuedAt(), // contract §3: iat is honoured when present
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
		),
	}, nil
}

// keyFunc finds the verification key of a token whose header passed
// checkHeader, for the signing method of its alg. It gets that parsed
// header, so that it never needs golang-jwt's own reading of it.
type keyFunc func(h *joseHeader, m jwt.SigningMethod) (any, error)

// Rejections. Each wraps a sentinel of errors.go and carries fixed text
// only: no part of the token, not even a claim value, reaches an error
// message (or, through it, a log line or a WWW-Authenticate header).
var (
	errTooLong        = fmt.Errorf("%w: token too long", ErrMalformed)
	errSegments       = fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)
	errEncoding       = fmt.Errorf("%w: segment is not unpadded base64url", ErrMalformed)
	errHeaderJSON     = fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	errHeaderDup      = fmt.Errorf("%w: duplicate header parameter", ErrMalformed)
	errTyp            = fmt.Errorf("%w: typ is not JWT or at+jwt", ErrMalformed)
	errPayloadJSON    = fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	errAlg            = fmt.Errorf("%w: alg is not an accepted algorithm", ErrAlgorithm)
	errCrit           = fmt.Errorf("%w: crit header parameter present", ErrUnsupported)
	errSigLength      = fmt.Errorf("%w: signature is not 32 bytes", ErrSignature)
	errSig            = fmt.Errorf("%w: signature does not match", ErrSignature)
	errClaimDup       = fmt.Errorf("%w: duplicate claim name", ErrInvalidClaim)
	errClaimCase      = fmt.Errorf("%w: claim name differs from a known claim only in case", ErrInvalidClaim)
	errTimeType       = fmt.Errorf("%w: exp, nbf or iat is not a NumericDate", ErrInvalidClaim)
	errStringType     = fmt.Errorf("%w: scope, email or name is not a string", ErrInvalidClaim)
	errClaims         = fmt.Errorf("%w: claims rejected", ErrInvalidClaim)
	errExpMissing     = fmt.Errorf("%w: exp", ErrMissingClaim)
	errSubMissing     = fmt.Errorf("%w: sub", ErrMissingClaim)
	errOrgMissing     = fmt.Errorf("%w: org_id", ErrMissingClaim)
	errClaimMissing   = fmt.Errorf("%w: required claim absent", ErrMissingClaim)
	errExpired        = fmt.Errorf("%w: exp is in the past", ErrExpired)
	errNbf            = fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	errIat            = fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	errIss            = fmt.Errorf("%w: iss does not match", ErrIssuer)
	errIssType        = fmt.Errorf("%w: iss is not a string", ErrIssuer)
	errAud            = fmt.Errorf("%w: aud does not contain this resource", ErrAudience)
	errAudType        = fmt.Errorf("%w: aud is not a string or an array of strings", ErrAudience)
	errUnverifiable   = fmt.Errorf("%w: token could not be verified", ErrAlgorithm)
	errMalformedOther = fmt.Errorf("%w: token could not be parsed", ErrMalformed)
)

// b64 is the JWS segment encoding (RFC 7515 §2: base64url without padding),
// strict: non-zero trailing bits are refused, so one token has one spelling.
var b64 = base64.RawURLEncoding.Strict()

const b64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// b64url marks the bytes of the base64url alphabet (RFC 4648 §5). Padding
// "=", the standard alphabet's "+" and "/", whitespace and anything else are
// refused before decoding.
var b64url = func() (t [256]bool) {
	for _, c := range []byte(b64urlAlphabet) {
		t[c] = true
	}
	return t
}()

// scratch is the memory one Verify works in: the decoded segments and the
// parsed claims. It is pooled so that a Verify allocates little more than
// what it returns. Nothing in it outlives the Verify: every string handed
// out is a copy (parsedClaims.rawString, the kid) or an allow-list entry.
type scratch struct {
	buf    []byte // header, then payload, decoded
	sig    []byte // signature, decoded
	header joseHeader
	claims parsedClaims
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// decode decodes the header and the payload. The caller has made sure that
// they hold no CR or LF, which the decoder would skip.
func (sc *scratch) decode(header, payload string) (hb, pb []byte, ok bool) {
	hn, pn := b64.DecodedLen(len(header)), b64.DecodedLen(len(payload))
	sc.buf = slices.Grow(sc.buf[:0], hn+pn)[:hn+pn]
	hn, err := b64.Decode(sc.buf, []byte(header))
	if err != nil {
		return nil, nil, false
	}
	pn, err = b64.Decode(sc.buf[hn:], []byte(payload))
	if err != nil {
		return nil, nil, false
	}
	return sc.buf[:hn], sc.buf[hn : hn+pn], true
}

// decodeSig decodes the signature, whose alphabet was checked.
func (sc *scratch) decodeSig(sig string) ([]byte, bool) {
	n := b64.DecodedLen(len(sig))
	sc.sig = slices.Grow(sc.sig[:0], n)[:n]
	n, err := b64.Decode(sc.sig, []byte(sig))
	if err != nil {
		return nil, false
	}
	return sc.sig[:n], true
}

// b64Value is the 6-bit value of a base64url character.
func b64Value(c byte) int { return strings.IndexByte(b64urlAlphabet, c) }

// hs256SigLen is the length of an encoded HMAC-SHA-256 signature: 32 bytes,
// 43 base64url characters.
var hs256SigLen = base64.RawURLEncoding.EncodedLen(32)

// Verify checks token and returns its claims. The checks, in order:
//
//  1. size and shape: at most MaxTokenBytes, three unpadded base64url
//     segments (a JWS Compact Serialization, RFC 7515 §7.1; a JWE has five);
//  2. the header: one JSON object without duplicate parameters, alg exactly
//     HS256, no crit, typ JWT or at+jwt when present;
//  3. the payload's structure: one JSON object, no duplicate or case-variant
//     claim names, each known claim of the right JSON type;
//  4. the signature, with golang-jwt, before any claim value is trusted;
//  5. the claim values: exp, nbf, iat, iss, aud (golang-jwt), sub and org_id.
//
// Every error wraps one sentinel of errors.go, which the middleware answers
// with 401 invalid_token (RFC 6750 §3.1), and never contains the token.
// The context is unused: verification does no I/O; in particular jku, x5u,
// jwk, x5c and kid are never fetched or used.
//
// A token accepted before is served from a cache keyed by the SHA-256 of its
// exact bytes, with exp, nbf and iat checked again (verifycache.go).
func (v *Verifier) Verify(_ context.Context, token string) (*Claims, error) {
	if len(token) > MaxTokenBytes { // before hashing it
		return nil, errTooLong
	}
	key := tokenKey(token)
	if c, err, ok := v.cache.get(key, v.rules); ok {
		return c, err
	}
	return v.rules.verify(token, hs256Signature, v.keyf, func(p *parsedClaims, c *Claims) { v.cache.put(key, p, c) })
}

// verifyFull is Verify without the cache: every check, every time. Tests
// and benchmarks use it to measure and compare the full verification.
func (v *Verifier) verifyFull(_ context.Context, token string) (*Claims, error) {
	return v.rules.verify(token, hs256Signature, v.keyf, nil)
}

// hs256Signature refuses, before the payload is read, a signature segment
// that cannot be HMAC-SHA-256: 32 bytes are 43 characters, the last carrying
// two zero bits. Anything else (empty, truncated, padded out, another
// algorithm's) cannot match.
func hs256Signature(_ *joseHeader, sig string) error {
	if len(sig) != hs256SigLen || b64Value(sig[len(sig)-1])&3 != 0 {
		return errSigLength
	}
	return nil
}

// verify runs the checks listed at Verifier.Verify. sigShape (optional)
// checks the signature segment's form once the header is known; key finds
// the key for golang-jwt; accepted (optional) sees what an accepted token
// gave, before the scratch memory is reused.
func (r *rules) verify(token string, sigShape func(h *joseHeader, sig string) error, key keyFunc, accepted func(*parsedClaims, *Claims)) (*Claims, error) {
	// CVE-2025-30204: bound the work before splitting anything.
	if len(token) > MaxTokenBytes {
		return nil, errTooLong
	}
	// Exactly three segments, found without allocating.
	i := strings.IndexByte(token, '.')
	if i < 0 {
		return nil, errSegments
	}
	j := strings.IndexByte(token[i+1:], '.')
	if j < 0 {
		return nil, errSegments
	}
	j += i + 1
	if strings.IndexByte(token[j+1:], '.') >= 0 {
		return nil, errSegments
	}
	header, payload, sig := token[:i], token[i+1:j], token[j+1:]
	// The decoder checks the alphabet, the length and the trailing bits of
	// header and payload, but skips CR and LF; the signature is decoded
	// only once the header is known, so its alphabet is checked here.
	if strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 || !b64urlOnly(sig) {
		return nil, errEncoding
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	hb, pb, ok := sc.decode(header, payload)
	if !ok {
		return nil, errEncoding
	}
	// The header and the parsed claims live in the scratch: the keyFunc and
	// golang-jwt's validator would otherwise put them on the heap.
	h := &sc.header
	var err error
	if *h, err = checkHeader(hb, r.algs); err != nil {
		return nil, err
	}
	if sigShape != nil {
		if err := sigShape(h, sig); err != nil {
			return nil, err
		}
	}

	p := &sc.claims
	*p = parsedClaims{raw: pb}
	if err := p.parse(); err != nil {
		return nil, err
	}

	// Signature, then exp/nbf/iat/iss/aud, both by golang-jwt: its signing
	// method over the segments as received, its validator on the claims
	// parsed above, and only once the signature matched. Its Parse is not
	// used: it would decode the header and the payload a second time, with
	// encoding/json, into values nothing reads, which was two thirds of the
	// time of a Verify (pprof, docs/performance.md "Performance").
	if err := r.checkSignature(h, token[:j], sig, key, sc); err != nil {
		return nil, err
	}
	if err := r.validator.Validate(p); err != nil {
		return nil, r.claimsError(err, p)
	}
	// Already enforced by the validator's options; checked again so that a
	// change of options can never let them through.
	if p.iss != r.issuer {
		return nil, errIss
	}
	if !slices.Contains(p.aud, r.audience) {
		return nil, errAud
	}
	if p.sub == "" {
		return nil, errSubMissing
	}
	if p.orgID == "" {
		return nil, errOrgMissing
	}
	c := &Claims{
		Subject:   p.sub,
		OrgID:     p.orgID,
		Scopes:    strings.Fields(p.scope),
		Email:     p.email,
		Name:      p.name,
		Issuer:    p.iss,
		Audience:  p.aud,
		ExpiresAt: p.exp.Time,
	}
	if accepted != nil {
		accepted(p, c)
	}
	return c, nil
}

// checkSignature verifies the JWS signature sig over signingInput (RFC 7515
// §5.2 steps 5-8) with the golang-jwt signing method of h.alg, which
// checkHeader has taken from the allow-list, and the key that key finds.
// Its errors are sentinels with fixed text; a keyFunc's refusal that
// already wraps one (keyError) is kept as it is.
func (r *rules) checkSignature(h *joseHeader, signingInput, sig string, key keyFunc, sc *scratch) error {
	// RFC 8725 §3.1: an allow-list of algorithms. checkHeader already
	// refused every other alg; this is the second lock.
	i := slices.Index(r.algs, h.alg)
	if i < 0 || r.methods[i].Alg() != h.alg {
		return errAlg
	}
	method := r.methods[i]
	k, err := key(h, method)
	if err != nil {
		var kerr *keyError
		if errors.As(err, &kerr) {
			return kerr.err
		}
		return errUnverifiable
	}
	sb, ok := sc.decodeSig(sig)
	if !ok {
		return errMalformedOther
	}
	if method.Verify(signingInput, sb, k) != nil {
		return errSig
	}
	return nil
}

// keyFor is the keyFunc: it hands out the secret only for HMAC-SHA-256
// (RFC 8725 §3.1), whatever the header says, and never looks at kid, jku,
// jwk, x5u or x5c (RFC 8725 §3.10: do not follow key references from an
// unverified token).
func (v *Verifier) keyFor(m jwt.SigningMethod) (any, error) {
	if _, ok := m.(hs256Method); !ok || m.Alg() != jwt.SigningMethodHS256.Alg() {
		return nil, errAlg
	}
	return v.key, nil
}

// claimsError turns the validator's error into a sentinel error with fixed
// text. The signature was good; the validator joined every failed check:
// report one, in a fixed order. golang-jwt's own messages are dropped.
func (r *rules) claimsError(err error, p *parsedClaims) error {
	switch {
	case p.seen&claimExp == 0: // RFC 7519 §4.1.4, required by the contract
		return errExpMissing
	case errors.Is(err, jwt.ErrTokenExpired): // RFC 7519 §4.1.4
		return errExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet): // RFC 7519 §4.1.5
		return errNbf
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued): // RFC 7519 §4.1.6
		return errIat
	case p.iss != r.issuer || errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return errIss
	case !slices.Contains(p.aud, r.audience) || errors.Is(err, jwt.ErrTokenInvalidAudience):
		return errAud
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return errClaimMissing
	}
	return errClaims
}

// b64urlOnly reports whether s holds only base64url characters. The
// signature is held to this only: one of the wrong length is a bad
// signature, refused after the header.
func b64urlOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if !b64url[s[i]] {
			return false
		}
	}
	return true
}

// maxDepth bounds the nesting of JSON values Verify walks.
const maxDepth = 32

// The header and payload are walked by the small JSON reader below rather
// than by encoding/json: it must see duplicate member names, which
// encoding/json silently resolves to the last one, and it does so without
// allocating (json.Decoder.Token costs about a microsecond per token). It
// accepts exactly RFC 8259 JSON, minus unpaired UTF-16 surrogates.

// joseHeader is what verification takes from a JOSE header that passed
// checkHeader.
type joseHeader struct {
	alg    string // one of the allow-list
	kid    string
	hasKid bool // kid is present and a JSON string
}

// keyError carries a keyFunc's refusal through golang-jwt, so that mapError
// reports the keyFunc's own sentinel error rather than a generic one.
type keyError struct{ err error }

func (e *keyError) Error() string { return e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

// checkHeader checks the JOSE header (RFC 7515 §4) against the algorithm
// allow-list algs.
func checkHeader(b []byte, algs []string) (joseHeader, error) {
	var h joseHeader
	if !utf8.Valid(b) {
		return h, errHeaderJSON
	}
	s := scanner{b: b}
	if s.peek() != '{' {
		return h, errHeaderJSON
	}
	s.i++
	var (
		names                     nameSet
		alg, typ, kid             []byte
		hasAlg, algIsStr          bool
		hasTyp, typIsStr, hasCrit bool
	)
	for first := true; ; first = false {
		name, done, ok := s.nextName(first)
		if !ok {
			return h, errHeaderJSON
		}
		if done {
			break
		}
		// RFC 7515 §4: "Header Parameter names within the JOSE Header MUST
		// be unique"; encoding/json would keep the last of
		// {"alg":"none","alg":"HS256"}, another parser the first.
		if names.add(name) {
			return h, errHeaderDup
		}
		switch string(name) {
		case "alg":
			hasAlg = true
			alg, algIsStr, ok = s.maybeString()
		case "typ":
			hasTyp = true
			typ, typIsStr, ok = s.maybeString()
		case "crit":
			hasCrit = true
			ok = s.skipValue(1)
		case "kid":
			// Only a JWKS verifier uses it, as an opaque name to look up in
			// the key set it fetched itself (RFC 8725 §3.10).
			kid, h.hasKid, ok = s.maybeString()
		default:
			// jwk, jku, x5u, x5c and the rest: read past, never used.
			ok = s.skipValue(1)
		}
		if !ok {
			return h, errHeaderJSON
		}
	}
	if !s.end() {
		return h, errHeaderJSON
	}
	// RFC 8725 §3.1: the algorithm comes from an allow-list, compared
	// exactly: "none" in any casing, "hs256", HS384, RS256... are refused
	// unless listed.
	if !hasAlg || !algIsStr || !slices.Contains(algs, string(alg)) {
		return h, errAlg
	}
	// RFC 7515 §4.1.11: a recipient that does not understand an extension
	// listed in crit must reject the JWS. This verifier understands none.
	if hasCrit {
		return h, errCrit
	}
	// RFC 7515 §4.1.9 (media type, "application/" may be omitted, compared
	// case-insensitively); RFC 9068 §2.1 at+jwt; RFC 7519 §5.1 JWT.
	if hasTyp {
		const app = "application/"
		if len(typ) > len(app) && bytes.EqualFold(typ[:len(app)], []byte(app)) {
			typ = typ[len(app):]
		}
		if !typIsStr || !bytes.EqualFold(typ, []byte("JWT")) && !bytes.EqualFold(typ, []byte("at+jwt")) {
			return h, errTyp
		}
	}
	h.alg = algs[slices.Index(algs, string(alg))] // the allow-list's string: no copy
	if h.hasKid {
		h.kid = string(kid)
	}
	return h, nil
}

// Claim names the verifier knows: the registered ones (RFC 7519 §4.1) and the
// contract's (section 3). Their bit in parsedClaims.seen marks them present.
const (
	claimIss = 1 << iota
	claimSub
	claimAud
	claimExp
	claimNbf
	claimIat
	claimJti
	claimOrgID
	claimScope
	claimEmail
	claimName
)

var knownClaims = [...]struct {
	name string
	bit  uint
}{
	{"iss", claimIss}, {"sub", claimSub}, {"aud", claimAud}, {"exp", claimExp},
	{"nbf", claimNbf}, {"iat", claimIat}, {"jti", claimJti}, {"org_id", claimOrgID},
	{"scope", claimScope}, {"email", claimEmail}, {"name", claimName},
}

// maxNumericDate is 9999-12-31T23:59:59Z: a NumericDate (RFC 7519 §2) beyond
// it, or before the epoch, is refused as nonsense rather than interpreted.
const maxNumericDate = 253402300799

// parsedClaims is the payload after its structure was checked. It is the
// jwt.Claims handed to golang-jwt, which validates exp, nbf, iat, iss and aud
// through the Get methods, only after the signature matched.
type parsedClaims struct {
	raw       []byte
	rawString string // raw, once: claim values without escapes are cut from it

	seen          uint
	exp, nbf, iat jwt.NumericDate
	iss, sub      string
	orgID, scope  string
	email, name   string
	aud           []string
}

// parse walks the payload once. It checks structure and JSON types only;
// no value is judged here, before the signature. A malformed document is
// reported before a duplicate name, a duplicate before a wrong type.
func (p *parsedClaims) parse() error {
	if !utf8.Valid(p.raw) { // RFC 7519 §7.2 step 10: UTF-8 JSON
		return errPayloadJSON
	}
	s := scanner{b: p.raw}
	if s.peek() != '{' {
		return errPayloadJSON
	}
	p.rawString = string(p.raw)
	s.i++
	var (
		other   nameSet // unknown claim names
		nameErr error
		typeErr error
	)
	for first := true; ; first = false {
		name, done, ok := s.nextName(first)
		if !ok {
			return errPayloadJSON
		}
		if done {
			break
		}
		bit, known := knownBit(name)
		switch {
		case known && p.seen&bit != 0:
			// RFC 7519 §4: claim names MUST be unique.
			nameErr = cmp.Or(nameErr, errClaimDup)
		case known:
			p.seen |= bit
		case isCaseVariant(name):
			// "EXP" beside "exp", or alone: encoding/json matches struct
			// fields case-insensitively, so another reader of this token
			// could take it for the real claim.
			nameErr = cmp.Or(nameErr, errClaimCase)
		case other.add(name):
			nameErr = cmp.Or(nameErr, errClaimDup)
		}
		if !known {
			if !s.skipValue(1) {
				return errPayloadJSON
			}
			continue
		}
		terr, ok := p.value(&s, bit)
		if !ok {
			return errPayloadJSON
		}
		typeErr = cmp.Or(typeErr, terr)
	}
	if !s.end() {
		return errPayloadJSON
	}
	return cmp.Or(nameErr, typeErr)
}

func knownBit(name []byte) (uint, bool) {
	// A switch, not a walk of knownClaims: it compiles to a search by
	// length and content, a tenth of a Verify less (pprof).
	switch string(name) {
	case "iss":
		return claimIss, true
	case "sub":
		return claimSub, true
	case "aud":
		return claimAud, true
	case "exp":
		return claimExp, true
	case "nbf":
		return claimNbf, true
	case "iat":
		return claimIat, true
	case "jti":
		return claimJti, true
	case "org_id":
		return claimOrgID, true
	case "scope":
		return claimScope, true
	case "email":
		return claimEmail, true
	case "name":
		return claimName, true
	}
	return 0, false
}

// isCaseVariant reports whether name equals a known claim name under Unicode
// case folding (so "ſub", with a long s, is a variant of "sub").
func isCaseVariant(name []byte) bool {
	for _, k := range knownClaims {
		if bytes.EqualFold(name, []byte(k.name)) {
			return true
		}
	}
	return false
}

// value reads the value of the known claim bit. ok is false if the JSON is
// malformed; typeErr is set if the value has the wrong JSON type.
func (p *parsedClaims) value(s *scanner, bit uint) (typeErr error, ok bool) {
	c := s.peek()
	switch bit {
	case claimJti:
		return nil, s.skipValue(1)
	case claimExp, claimNbf, claimIat:
		// RFC 7519 §2 NumericDate: a JSON number of seconds since the epoch.
		// A string, null or bool is not one (RFC 7519 §4.1.4, §4.1.5).
		if c != '-' && (c < '0' || c > '9') {
			return errTimeType, s.skipValue(1)
		}
		n, ok := s.number()
		if !ok {
			return nil, false
		}
		d, ok := numericDate(n)
		if !ok {
			return errTimeType, true
		}
		switch bit {
		case claimExp:
			p.exp = d
		case claimNbf:
			p.nbf = d
		default:
			p.iat = d
		}
		return nil, true
	case claimAud:
		// RFC 7519 §4.1.3: a string or an array of strings.
		if c == '"' {
			a, ok := p.str(s)
			p.aud = []string{a}
			return nil, ok
		}
		if c != '[' {
			return errAudType, s.skipValue(1)
		}
		s.i++
		p.aud = make([]string, 0, 2)
		for first := true; ; first = false {
			done, ok := s.nextElem(first)
			if !ok {
				return nil, false
			}
			if done {
				return typeErr, true
			}
			if s.peek() != '"' {
				typeErr = errAudType
				if !s.skipValue(2) {
					return nil, false
				}
				continue
			}
			a, ok := p.str(s)
			if !ok {
				return nil, false
			}
			p.aud = append(p.aud, a)
		}
	}
	// The string claims.
	if c != '"' {
		switch bit {
		case claimIss:
			typeErr = errIssType
		case claimSub:
			typeErr = errSubMissing
		case claimOrgID:
			typeErr = errOrgMissing
		default:
			typeErr = errStringType
		}
		return typeErr, s.skipValue(1)
	}
	v, ok := p.str(s)
	if !ok {
		return nil, false
	}
	switch bit {
	case claimIss:
		p.iss = v
	case claimSub:
		p.sub = v
	case claimOrgID:
		p.orgID = v
	case claimScope:
		p.scope = v // RFC 6749 §3.3: space-delimited
	case claimEmail:
		p.email = v
	case claimName:
		p.name = v
	}
	return nil, true
}

// str reads a string value. One without escapes is a substring of rawString,
// not a new allocation. (An escape always makes the decoded value shorter
// than its source, so equal lengths mean there was none.)
func (p *parsedClaims) str(s *scanner) (string, bool) {
	start := s.i
	v, ok := s.str()
	if !ok {
		return "", false
	}
	if len(v) == s.i-start-2 {
		return p.rawString[start+1 : s.i-1], true
	}
	return string(v), true
}

// numericDate converts a JSON number to a time, keeping fractions of a second
// (golang-jwt's NewNumericDate would round them away).
func numericDate(n []byte) (jwt.NumericDate, bool) {
	// Whole seconds, what every issuer writes, without ParseFloat (a
	// twelfth of a Verify, pprof). 12 digits cannot overflow and already
	// exceed maxNumericDate.
	if len(n) > 0 && len(n) <= 12 {
		var sec int64
		for _, c := range n {
			if c < '0' || c > '9' {
				sec = -1
				break
			}
			sec = sec*10 + int64(c-'0')
		}
		switch {
		case sec > maxNumericDate:
			return jwt.NumericDate{}, false
		case sec >= 0:
			return jwt.NumericDate{Time: time.Unix(sec, 0).UTC()}, true
		}
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > maxNumericDate {
		return jwt.NumericDate{}, false
	}
	sec, frac := math.Modf(f)
	return jwt.NumericDate{Time: time.Unix(int64(sec), int64(frac*1e9)).UTC()}, true
}

// jwt.Claims: golang-jwt's validator reads exp, nbf, iat, iss and aud here.

func (p *parsedClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return dateIf(p.seen&claimExp != 0, &p.exp), nil
}
func (p *parsedClaims) GetNotBefore() (*jwt.NumericDate, error) {
	return dateIf(p.seen&claimNbf != 0, &p.nbf), nil
}
func (p *parsedClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return dateIf(p.seen&claimIat != 0, &p.iat), nil
}
func (p *parsedClaims) GetIssuer() (string, error)             { return p.iss, nil }
func (p *parsedClaims) GetSubject() (string, error)            { return p.sub, nil }
func (p *parsedClaims) GetAudience() (jwt.ClaimStrings, error) { return p.aud, nil }

func dateIf(present bool, d *jwt.NumericDate) *jwt.NumericDate {
	if !present {
		return nil
	}
	return d
}

// scanner reads one JSON text (RFC 8259) from b, which is valid UTF-8.
type scanner struct {
	b []byte
	i int
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.peek()
	return s.i == len(s.b)
}

// nextName reads the next member name of an object whose '{' was read, and
// the ':' after it. done is true, with the '}' read, when there are no more.
func (s *scanner) nextName(first bool) (name []byte, done, ok bool) {
	c := s.peek()
	if c == '}' {
		s.i++
		return nil, true, true
	}
	if !first {
		if c != ',' {
			return nil, false, false
		}
		s.i++
		c = s.peek()
	}
	if c != '"' {
		return nil, false, false
	}
	name, ok = s.str()
	if !ok || s.peek() != ':' {
		return nil, false, false
	}
	s.i++
	return name, false, true
}

// nextElem moves to the next element of an array whose '[' was read. done is
// true, with the ']' read, when there are no more.
func (s *scanner) nextElem(first bool) (done, ok bool) {
	c := s.peek()
	if c == ']' {
		s.i++
		return true, true
	}
	if !first {
		if c != ',' {
			return false, false
		}
		s.i++
	}
	return false, true
}

// maybeString reads one value; isStr is false if it is not a string.
func (s *scanner) maybeString() (v []byte, isStr, ok bool) {
	if s.peek() != '"' {
		return nil, false, s.skipValue(1)
	}
	v, ok = s.str()
	return v, true, ok
}

// skipValue reads past one value, refusing duplicate member names and
// nesting deeper than maxDepth at every level.
func (s *scanner) skipValue(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		s.i++
		return s.members(depth+1, nil)
	case '[':
		s.i++
		for first := true; ; first = false {
			done, ok := s.nextElem(first)
			if !ok {
				return false
			}
			if done {
				return true
			}
			if !s.skipValue(depth + 1) {
				return false
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, ok := s.number()
	return ok
}

// member is an object member scanner.members looks for (for
// calledToolsFast): a string, or an object kept raw.
type member struct {
	name   string
	object bool
	value  []byte
	found  bool
}

// members reads the rest of the object whose '{' s has read, its values at
// depth, and fills in ms. It fails on malformed JSON, a duplicate name, a
// name that equals one of ms only under case folding (encoding/json would
// take it for the field), or a value of another type than expected.
func (s *scanner) members(depth int, ms []member) bool {
	var names nameSet
	for first := true; ; first = false {
		name, done, ok := s.nextName(first)
		if !ok || names.add(name) {
			return false
		}
		if done {
			return true
		}
		var m *member
		for i := range ms {
			if bytes.EqualFold(name, []byte(ms[i].name)) {
				if string(name) != ms[i].name {
					return false
				}
				m = &ms[i]
			}
		}
		switch {
		case m == nil:
			ok = s.skipValue(depth)
		case m.object:
			if s.peek() != '{' {
				return false
			}
			from := s.i
			ok = s.skipValue(depth)
			m.value = s.b[from:s.i]
		default:
			var isStr bool
			m.value, isStr, ok = s.maybeString()
			ok = ok && isStr
		}
		if !ok {
			return false
		}
		if m != nil {
			m.found = true
		}
	}
}

func (s *scanner) literal(lit string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return false
	}
	s.i += len(lit)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() ([]byte, bool) {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return nil, false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// str reads a string at s.i, which is '"', and returns its value. Without
// escapes the value shares s.b; with them it is decoded into a new slice.
func (s *scanner) str() ([]byte, bool) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) && !strStop[s.b[s.i]] {
		s.i++
	}
	switch {
	case s.i == len(s.b):
		return nil, false
	case s.b[s.i] == '"':
		s.i++
		return s.b[start : s.i-1], true
	case s.b[s.i] == '\\':
		return s.escaped(start)
	}
	return nil, false // RFC 8259 §7: control characters must be escaped
}

// strStop marks the bytes that end the plain run of a string: the quote,
// an escape, and the control characters, which must be escaped.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// escaped decodes the rest of a string that has an escape at s.i.
func (s *scanner) escaped(start int) ([]byte, bool) {
	out := append(make([]byte, 0, s.i-start+16), s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return nil, false
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one is a character;
				// encoding/json would turn a lone one into U+FFFD, and two
				// different names into the same one.
				if r >= 0xDC00 || !bytes.HasPrefix(s.b[s.i:], []byte(`\u`)) {
					return nil, false
				}
				s.i += 2
				r2, ok := s.hex4()
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return nil, false
				}
				r = utf16.DecodeRune(r, r2)
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	return nil, false
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}

// nameSet finds duplicate member names of one object, without allocating for
// the first few.
type nameSet struct {
	small [8][]byte
	n     int
	big   map[string]struct{}
}

// add records name and reports whether it was already there.
func (ns *nameSet) add(name []byte) (dup bool) {
	if ns.big == nil {
		for _, n := range ns.small[:ns.n] {
			if bytes.Equal(n, name) {
				return true
			}
		}
		if ns.n < len(ns.small) {
			ns.small[ns.n] = name
			ns.n++
			return false
		}
		ns.big = make(map[string]struct{}, 2*len(ns.small))
		for _, n := range ns.small {
			ns.big[string(n)] = struct{}{}
		}
	}
	if _, dup := ns.big[string(name)]; dup {
		return true
	}
	ns.big[string(name)] = struct{}{}
	return false
}
