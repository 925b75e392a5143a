package selftest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// Token verifiers with one flaw each.
//
// Most are golang-jwt verifiers written the way Go servers commonly write
// them (jwtVerifier), a few are hand-rolled (handRolled). Either would differ
// from refserver's verifier in more than its flaw: refserver adds hardening
// (duplicate claim names, token length, header checks) that a plain
// golang-jwt verifier lacks, and every mutant would then fail the same
// hardening scenarios, blurring the matrix. So a verifier mutant is gated:
// refserver's verifier decides, except that a token it refuses for one of
// the reasons the flaw is about is judged again by the flawed verifier, whose
// acceptance then stands. The mutant thus differs from the reference server
// exactly where its flaw lies.

// verifyFunc is a flawed verifier's judgement of one token.
type verifyFunc func(token string) (*refserver.Claims, error)

// gated builds a verifier mutant; flawed gets the server's verifier
// configuration (secret, issuer, audience, leeway).
func gated(flawed func(refserver.VerifierConfig) verifyFunc, reasons ...error) refserver.Option {
	return refserver.WithVerifierFactory(func(cfg refserver.VerifierConfig) refserver.TokenVerifier {
		ref, err := refserver.NewVerifier(cfg)
		if err != nil {
			return refuseAll(err)
		}
		return gate(ref.Verify, flawed(cfg), reasons)
	})
}

// gate lets judge overrule ref's refusals for one of reasons, and nothing
// else: the flaw of both the HS256 and the JWKS verifier mutants.
func gate(ref refserver.TokenVerifier, judge verifyFunc, reasons []error) refserver.TokenVerifier {
	return func(ctx context.Context, token string) (*refserver.Claims, error) {
		c, err := ref(ctx, token)
		if err == nil || !isAny(err, reasons) {
			return c, err
		}
		if fc, ferr := judge(token); ferr == nil {
			return fc, nil
		}
		return nil, err
	}
}

// stricter builds a false-refusal mutant: refserver's verifier (with cfg as
// adjust leaves it), then one check too many.
func stricter(adjust func(*refserver.VerifierConfig), extra func(token string) error) refserver.Option {
	return refserver.WithVerifierFactory(func(cfg refserver.VerifierConfig) refserver.TokenVerifier {
		if adjust != nil {
			adjust(&cfg)
		}
		ref, err := refserver.NewVerifier(cfg)
		if err != nil {
			return refuseAll(err)
		}
		return func(ctx context.Context, token string) (*refserver.Claims, error) {
			c, err := ref.Verify(ctx, token)
			if err != nil || extra == nil {
				return c, err
			}
			if err := extra(token); err != nil {
				return nil, err
			}
			return c, nil
		}
	})
}

// cachedByClaims is refserver's verifier behind a cache of accepted tokens
// keyed by their payload, "the claims are what matter": the same claims
// with any signature, or none, are served from the cache.
func cachedByClaims() refserver.Option {
	return refserver.WithVerifierFactory(func(cfg refserver.VerifierConfig) refserver.TokenVerifier {
		ref, err := refserver.NewVerifier(cfg)
		if err != nil {
			return refuseAll(err)
		}
		var mu sync.Mutex
		accepted := map[string]*refserver.Claims{}
		return func(ctx context.Context, token string) (*refserver.Claims, error) {
			parts := strings.Split(token, ".")
			key := ""
			if len(parts) == 3 {
				key = parts[1]
			}
			mu.Lock()
			c, ok := accepted[key]
			mu.Unlock()
			if ok && key != "" {
				cp := *c
				return &cp, nil
			}
			c, err := ref.Verify(ctx, token)
			if err == nil && key != "" {
				mu.Lock()
				accepted[key] = c
				mu.Unlock()
			}
			return c, err
		}
	})
}

// refuseAll is what a mutant whose verifier cannot be built serves: every
// token refused, which the pristine-stack check would catch at once.
func refuseAll(err error) refserver.TokenVerifier {
	return func(context.Context, string) (*refserver.Claims, error) {
		return nil, fmt.Errorf("%w: mutant verifier: %v", refserver.ErrMalformed, err)
	}
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// coreClaims is the claim set as a Go server typically declares it: the
// registered claims of golang-jwt plus the core app's own.
type coreClaims struct {
	jwt.RegisteredClaims
	OrgID string `json:"org_id"`
	Scope string `json:"scope"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func (cl *coreClaims) claims() *refserver.Claims {
	c := &refserver.Claims{
		Subject:  cl.Subject,
		OrgID:    cl.OrgID,
		Scopes:   strings.Fields(cl.Scope),
		Email:    cl.Email,
		Name:     cl.Name,
		Issuer:   cl.Issuer,
		Audience: cl.Audience,
	}
	if cl.ExpiresAt != nil {
		c.ExpiresAt = cl.ExpiresAt.Time
	}
	return c
}

var errFlawed = errors.New("refused by the flawed verifier")

// jwtVerifier is a golang-jwt verifier. careful returns its sound form; each
// mutant changes one field.
type jwtVerifier struct {
	cfg             refserver.VerifierConfig
	methods         []string // jwt.WithValidMethods; nil: whatever the keyfunc accepts
	requireExp      bool     // jwt.WithExpirationRequired
	checkIssuer     bool     // jwt.WithIssuer
	checkAudience   bool     // jwt.WithAudience
	leeway          time.Duration
	tolerateExpired bool // errors.Is(err, jwt.ErrTokenExpired) is let through
	allowNone       bool // the keyfunc answers alg none with jwt.UnsafeAllowNoneSignatureType
	unverified      bool // claims read with ParseUnverified, then validated
	ignoreCrit      bool // the crit header parameter is not looked at
	requireSub      bool
	requireOrg      bool
	// registered: claims decoded into a struct embedding
	// jwt.RegisteredClaims; otherwise into jwt.MapClaims, as jwt.Parse does.
	// The struct reads exp null as absent and exp "1700000000" as a date;
	// the map reads exp 0 as absent and never looks at an unchecked claim.
	registered bool
	// key returns the HMAC key for t; nil: the configured secret.
	key func(t *jwt.Token) ([]byte, error)
}

func careful(cfg refserver.VerifierConfig) jwtVerifier {
	return jwtVerifier{
		cfg:           cfg,
		methods:       []string{jwt.SigningMethodHS256.Alg()},
		requireExp:    true,
		checkIssuer:   true,
		checkAudience: true,
		leeway:        cfg.Leeway,
		requireSub:    true,
		requireOrg:    true,
	}
}

// flawed turns a change of the careful verifier into a gated mutant's judge.
func flawed(change func(*jwtVerifier)) func(refserver.VerifierConfig) verifyFunc {
	return func(cfg refserver.VerifierConfig) verifyFunc {
		v := careful(cfg)
		change(&v)
		return v.verify
	}
}

func (v jwtVerifier) options() []jwt.ParserOption {
	opts := []jwt.ParserOption{jwt.WithIssuedAt(), jwt.WithLeeway(v.leeway)}
	if v.methods != nil {
		opts = append(opts, jwt.WithValidMethods(v.methods))
	}
	if v.requireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if v.checkIssuer {
		opts = append(opts, jwt.WithIssuer(v.cfg.Issuer))
	}
	if v.checkAudience {
		opts = append(opts, jwt.WithAudience(v.cfg.Audience))
	}
	return opts
}

func (v jwtVerifier) verify(token string) (*refserver.Claims, error) {
	opts := v.options()
	parser := jwt.NewParser(opts...)
	var claims jwt.Claims = jwt.MapClaims{}
	if v.registered {
		claims = &coreClaims{}
	}
	var t *jwt.Token
	var err error
	if v.unverified {
		t, _, err = parser.ParseUnverified(token, claims)
		if err == nil {
			err = jwt.NewValidator(opts...).Validate(claims)
		}
	} else {
		t, err = parser.ParseWithClaims(token, claims, v.keyfunc)
	}
	if err != nil && !(v.tolerateExpired && errors.Is(err, jwt.ErrTokenExpired)) {
		return nil, err
	}
	if _, crit := t.Header["crit"]; crit && !v.ignoreCrit {
		return nil, errFlawed
	}
	cl, ok := claims.(*coreClaims)
	if !ok {
		cl = fromMap(claims.(jwt.MapClaims))
	}
	if (v.requireSub && cl.Subject == "") || (v.requireOrg && cl.OrgID == "") {
		return nil, errFlawed
	}
	return cl.claims(), nil
}

// fromMap reads the claims out of a jwt.MapClaims the way hurried code
// does: claims["org_id"].(string), the ok ignored.
func fromMap(mc jwt.MapClaims) *coreClaims {
	str := func(name string) string {
		s, _ := mc[name].(string)
		return s
	}
	cl := &coreClaims{OrgID: str("org_id"), Scope: str("scope"), Email: str("email"), Name: str("name")}
	cl.Subject, cl.Issuer = str("sub"), str("iss")
	cl.Audience, _ = mc.GetAudience()
	cl.ExpiresAt, _ = mc.GetExpirationTime()
	return cl
}

func (v jwtVerifier) keyfunc(t *jwt.Token) (any, error) {
	if v.allowNone && t.Method == jwt.SigningMethodNone {
		return jwt.UnsafeAllowNoneSignatureType, nil
	}
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
		return nil, errFlawed
	}
	if v.key != nil {
		return v.key(t)
	}
	return v.cfg.Secret, nil
}

// handRolled is an HS256 verifier written without a JWT library: split on
// dots, HMAC-SHA256 over the first two parts, claims decoded with
// encoding/json and validated with golang-jwt's validator.
type handRolled struct {
	cfg refserver.VerifierConfig
	// readHeader false: the header is never decoded ("we only issue HS256").
	readHeader bool
	// noneAnyCase: an alg equal to "none" in any letter case skips the
	// signature check.
	noneAnyCase bool
	// lenientBase64: segments are decoded whatever their alphabet and
	// padding, as Node's Buffer.from(s, "base64") does.
	lenientBase64 bool
}

func (h handRolled) verify(token string) (*refserver.Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errFlawed
	}
	decode := base64.RawURLEncoding.DecodeString
	if h.lenientBase64 {
		decode = func(s string) ([]byte, error) {
			s = strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(s), "=")
			return base64.RawURLEncoding.DecodeString(s)
		}
	}
	checkSig := true
	if h.readHeader {
		hb, err := decode(parts[0])
		if err != nil {
			return nil, err
		}
		var header map[string]any
		if err := json.Unmarshal(hb, &header); err != nil {
			return nil, err
		}
		alg, _ := header["alg"].(string)
		switch {
		case h.noneAnyCase && strings.EqualFold(alg, "none"):
			checkSig = false
		case alg != jwt.SigningMethodHS256.Alg():
			return nil, errFlawed
		}
		if _, crit := header["crit"]; crit {
			return nil, errFlawed
		}
	}
	if checkSig {
		sig, err := decode(parts[2])
		if err != nil {
			return nil, err
		}
		mac := hmac.New(sha256.New, h.cfg.Secret)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if !hmac.Equal(sig, mac.Sum(nil)) {
			return nil, errFlawed
		}
	}
	pb, err := decode(parts[1])
	if err != nil {
		return nil, err
	}
	var cl coreClaims
	if err := json.Unmarshal(pb, &cl); err != nil {
		return nil, err
	}
	if err := jwt.NewValidator(careful(h.cfg).options()...).Validate(&cl); err != nil {
		return nil, err
	}
	if cl.Subject == "" || cl.OrgID == "" {
		return nil, errFlawed
	}
	return cl.claims(), nil
}

// Key sources of the key-confusion mutants.

// headerJWK trusts an oct key carried in the token's own jwk header
// (CVE-2018-0114).
func headerJWK(cfg refserver.VerifierConfig) func(*jwt.Token) ([]byte, error) {
	return func(t *jwt.Token) ([]byte, error) {
		jwk, ok := t.Header["jwk"].(map[string]any)
		if !ok {
			return cfg.Secret, nil
		}
		k, _ := jwk["k"].(string)
		return base64.RawURLEncoding.DecodeString(k)
	}
}

// keyFile reads the key named by kid from a key directory, ignoring the
// read error: a missing file, or ../../../../dev/null, is an empty key.
func keyFile(cfg refserver.VerifierConfig) func(*jwt.Token) ([]byte, error) {
	const dir = "/etc/mcp-server/keys"
	return func(t *jwt.Token) ([]byte, error) {
		kid, ok := t.Header["kid"].(string)
		if !ok {
			return cfg.Secret, nil
		}
		key, _ := os.ReadFile(filepath.Join(dir, kid))
		return key, nil
	}
}

// keyURL fetches a JWK Set from the token's jku (or, failing that, x5u)
// header and uses its oct key with the token's kid.
func keyURL(cfg refserver.VerifierConfig) func(*jwt.Token) ([]byte, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(t *jwt.Token) ([]byte, error) {
		u, _ := t.Header["jku"].(string)
		if u == "" {
			u, _ = t.Header["x5u"].(string)
		}
		if u == "" {
			return cfg.Secret, nil
		}
		resp, err := client.Get(u)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct {
				Kid string `json:"kid"`
				K   string `json:"k"`
			} `json:"keys"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
			return nil, err
		}
		kid, _ := t.Header["kid"].(string)
		for _, k := range set.Keys {
			if k.Kid == kid {
				return base64.RawURLEncoding.DecodeString(k.K)
			}
		}
		return nil, errFlawed
	}
}

// devKeyFallback is a second key left over from development: a token that
// fails with the configured secret is tried with "secret".
func devKeyFallback(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	dev := careful(cfg)
	dev.key = func(*jwt.Token) ([]byte, error) { return []byte("secret"), nil }
	return func(token string) (*refserver.Claims, error) {
		if c, err := v.verify(token); err == nil {
			return c, nil
		}
		return dev.verify(token)
	}
}

// Extra checks of the false-refusal mutants.

// segment decodes part i of a compact JWS into v.
func segment(token string, i int, v any, strict bool) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errFlawed
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if strict {
		dec.DisallowUnknownFields()
	}
	return dec.Decode(v)
}

// audString decodes aud as a single string, so an array is refused.
func audString(token string) error {
	var p struct {
		Aud string `json:"aud"`
	}
	if err := segment(token, 1, &p, false); err != nil {
		return fmt.Errorf("%w: %v", refserver.ErrAudience, err)
	}
	return nil
}

// typJWT requires typ "JWT" when a typ is present, refusing RFC 9068's
// "at+jwt".
func typJWT(token string) error {
	var h struct {
		Typ *string `json:"typ"`
	}
	if err := segment(token, 0, &h, false); err != nil {
		return err
	}
	if h.Typ != nil && *h.Typ != "JWT" {
		return fmt.Errorf("%w: typ", refserver.ErrMalformed)
	}
	return nil
}

// knownClaimsOnly decodes the claims with DisallowUnknownFields into a
// struct of the claims the core app issues.
func knownClaimsOnly(token string) error {
	var p struct {
		Iss   string          `json:"iss"`
		Sub   string          `json:"sub"`
		Aud   json.RawMessage `json:"aud"`
		Exp   json.Number     `json:"exp"`
		Nbf   json.Number     `json:"nbf"`
		Iat   json.Number     `json:"iat"`
		Jti   string          `json:"jti"`
		OrgID string          `json:"org_id"`
		Scope string          `json:"scope"`
		Email string          `json:"email"`
		Name  string          `json:"name"`
	}
	if err := segment(token, 1, &p, true); err != nil {
		return fmt.Errorf("%w: %v", refserver.ErrInvalidClaim, err)
	}
	return nil
}

// caseFolded "normalises" claim names to lower case before validating them,
// the first of two spellings winning: {"EXP": later, "exp": past} is read as
// exp = later.
func caseFolded(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	return func(token string) (*refserver.Claims, error) {
		// The signature, with the claims left for later.
		if _, err := jwt.NewParser(jwt.WithValidMethods(v.methods), jwt.WithoutClaimsValidation()).Parse(token, v.keyfunc); err != nil {
			return nil, err
		}
		parts := strings.Split(token, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return nil, err
		}
		folded, err := foldNames(payload)
		if err != nil {
			return nil, err
		}
		if err := jwt.NewValidator(v.options()...).Validate(folded); err != nil {
			return nil, err
		}
		cl := fromMap(folded)
		if cl.Subject == "" || cl.OrgID == "" {
			return nil, errFlawed
		}
		return cl.claims(), nil
	}
}

// foldNames decodes a JSON object into a map keyed by lower-cased names,
// keeping the first value of each.
func foldNames(payload []byte) (jwt.MapClaims, error) {
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errFlawed
	}
	out := jwt.MapClaims{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var value any
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		if _, seen := out[strings.ToLower(name)]; !seen {
			out[strings.ToLower(name)] = value
		}
	}
	return out, nil
}
