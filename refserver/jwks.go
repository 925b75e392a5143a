package refserver

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// JWKS defaults. The refresh interval bounds how long a key the issuer has
// withdrawn keeps working when no unknown kid prompts an earlier fetch.
const (
	DefaultJWKSFetchTimeout       = 5 * time.Second
	DefaultJWKSRefreshInterval    = 10 * time.Minute
	DefaultJWKSRefreshMinInterval = time.Second
	// MaxJWKSBytes bounds a JWKS document (a few dozen keys are tens of KiB):
	// a larger answer is refused rather than held in memory.
	MaxJWKSBytes = 1 << 20
	maxKIDBytes  = 256 // the longest kid looked up in the key set
	// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with
	// these algorithms."
	minRSABits = 2048
)

// JWKSConfig configures a JWKSVerifier.
type JWKSConfig struct {
	URL      string           // JWT_JWKS_URL: the only URL ever fetched
	Issuer   string           // the only accepted iss
	Audience string           // aud must contain it, exactly
	Leeway   time.Duration    // clock skew allowed on exp, nbf and iat: 0 to MaxLeeway
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // failed fetches are logged at warn level; nil: discard

	FetchTimeout       time.Duration // one fetch, connection to last byte (0: the default)
	RefreshInterval    time.Duration // background fetches of the set (0: the default)
	RefreshMinInterval time.Duration // least time between fetches for unknown kids (0: the default)
}

// JWKSVerifier checks RS256 and ES256 tokens against the issuer's JSON Web
// Key Set (RFC 7517 §5) at one URL, with the HS256 Verifier's rules; only the
// allow-list and the key lookup differ. It is safe for concurrent use.
//
// github.com/MicahParks/jwkset parses, validates, caches and refreshes the
// set, replacing the cache only after a fetch that succeeded (the keys
// survive an outage of the endpoint). This file adds the policy: which key
// verifies which algorithm, and when an unknown kid may cause a fetch.
type JWKSVerifier struct {
	rules        *rules
	cached       jwkset.Storage // reading never fetches
	refreshing   jwkset.Storage // reading an unknown kid fetches the set first
	limiter      *rate.Limiter
	fetchTimeout time.Duration
	cancel       context.CancelFunc
}

// NewJWKSVerifier checks cfg, fetches the set once and starts the background
// refresh. A failed first fetch is logged, not fatal (tokens are refused until
// a fetch succeeds), so the server can start before the issuer. Its errors
// never contain a key.
func NewJWKSVerifier(cfg JWKSConfig) (*JWKSVerifier, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, errors.New("token verifier: JWKS URL must be an absolute http(s) URL without credentials or fragment")
	}
	// Contract §3: RS256 and ES256, each only with a key of its own type.
	r, err := newRules(cfg.Issuer, cfg.Audience, cfg.Leeway, cfg.Now, jwt.SigningMethodRS256, jwt.SigningMethodES256)
	if err != nil {
		return nil, err
	}
	fetchTimeout := cmp.Or(cfg.FetchTimeout, DefaultJWKSFetchTimeout)
	refreshEvery := cmp.Or(cfg.RefreshInterval, DefaultJWKSRefreshInterval)
	minInterval := cmp.Or(cfg.RefreshMinInterval, DefaultJWKSRefreshMinInterval)
	if fetchTimeout < 0 || refreshEvery < 0 || minInterval < 0 {
		return nil, errors.New("token verifier: JWKS intervals must be positive")
	}
	log := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	target := u.String()
	ctx, cancel := context.WithCancel(context.Background())
	cached, err := jwkset.NewStorageFromHTTP(target, jwkset.HTTPClientStorageOptions{
		Client:                    oneURLClient(u, fetchTimeout, MaxJWKSBytes),
		Ctx:                       ctx,
		HTTPTimeout:               fetchTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler: func(_ context.Context, err error) {
			// Warn, not error: the cached keys keep serving. jwkset's
			// messages name the URL and the cause, never a token or a key.
			log.Warn("JWKS fetch failed; keeping the cached keys", "url", target, "err", err)
		},
		RefreshInterval: refreshEvery,
		// Keys of types jwkset does not know (Ed448...) are skipped; a
		// malformed key fails the whole fetch, which keeps the cache.
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("token verifier: JWKS: %w", err)
	}
	refreshing, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{target: cached},
		// Unlimited: v.limiter decides, without waiting, whether an unknown
		// kid may cause a fetch. jwkset's limiter would make requests wait,
		// held by an attacker's invented kids.
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
		RateLimitWaitMax:  fetchTimeout,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("token verifier: JWKS: %w", err)
	}
	return &JWKSVerifier{rules: r, cached: cached, refreshing: refreshing,
		limiter: rate.NewLimiter(rate.Every(minInterval), 1), fetchTimeout: fetchTimeout, cancel: cancel}, nil
}

// Close stops the background refresh; Verify keeps using the cached keys.
func (v *JWKSVerifier) Close() { v.cancel() }

// Key-related rejections, fixed text as in verify.go.
var (
	errKID        = fmt.Errorf("%w: kid missing, not a string or too long", ErrMalformed)
	errUnknownKID = fmt.Errorf("%w: no key in the key set has this kid", ErrSignature)
	errKeyAlg     = fmt.Errorf("%w: the key does not allow this alg", ErrAlgorithm)
	errKeyUse     = fmt.Errorf("%w: the key is not for verifying signatures", ErrAlgorithm)
	errKeyWeak    = fmt.Errorf("%w: RSA key shorter than 2048 bits", ErrAlgorithm)
	errKeySource  = fmt.Errorf("%w: key set unavailable", ErrSignature)
)

// Verify checks token as Verifier.Verify does, with RS256 or ES256 and the
// key its kid names in the issuer's key set. ctx bounds a fetch of the set
// that an unknown kid may cause.
func (v *JWKSVerifier) Verify(ctx context.Context, token string) (*Claims, error) {
	c, _, err := v.rules.verify(token, func(h *joseHeader) (any, error) { return v.key(ctx, h) })
	return c, err
}

// key returns the public key for h, or why there is none: only from the
// fetched set, by kid; jwk, jku, x5u and x5c are never read (RFC 8725 §3.10).
func (v *JWKSVerifier) key(ctx context.Context, h *joseHeader) (any, error) {
	// kid picks the key (RFC 7515 §4.1.4: a string); trying every key would
	// multiply the work an invented token costs.
	kid, ok := h.Kid.(string)
	if !ok || kid == "" || len(kid) > maxKIDBytes {
		return nil, errKID
	}
	jwk, err := v.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	return keyForAlg(jwk, h.Alg)
}

// lookup finds kid in the cached set. An unknown kid may mean rotated keys
// (OpenID Connect Core 1.0 §10.1.1: the verifier "knows to go back to the
// jwks_uri location to re-retrieve the keys when it sees an unfamiliar kid
// value"), so the set is fetched again, at most once per RefreshMinInterval
// whoever asks: invented kids cost the issuer one request per interval, and
// no request waits for its turn.
func (v *JWKSVerifier) lookup(ctx context.Context, kid string) (jwkset.JWK, error) {
	jwk, err := v.cached.KeyRead(ctx, kid)
	switch {
	case err == nil:
		return jwk, nil
	case !errors.Is(err, jwkset.ErrKeyNotFound):
		return jwkset.JWK{}, errKeySource
	case !v.limiter.Allow():
		return jwkset.JWK{}, errUnknownKID
	}
	ctx, cancel := context.WithTimeout(ctx, v.fetchTimeout)
	defer cancel()
	jwk, err = v.refreshing.KeyRead(ctx, kid)
	switch {
	case err == nil:
		return jwk, nil
	case errors.Is(err, jwkset.ErrKeyNotFound):
		return jwkset.JWK{}, errUnknownKID
	}
	return jwkset.JWK{}, errKeySource
}

// keyForAlg returns the public key of jwk if it may verify alg. RFC 8725
// §3.1: each key with exactly one algorithm: RSA RS256 only (never PS256,
// RS384, or HS256 with its bytes as a secret), P-256 ES256 only, any other
// key nothing. The JWK's alg, use and key_ops (RFC 7517 §4.2-4.4) narrow it.
func keyForAlg(jwk jwkset.JWK, alg string) (any, error) {
	m := jwk.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig || len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify) {
		return nil, errKeyUse
	}
	if m.ALG != "" && m.ALG.String() != alg {
		return nil, errKeyAlg
	}
	key := jwk.Key()
	if k, ok := key.(crypto.Signer); ok { // an issuer that published its private key too
		key = k.Public()
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg != jwt.SigningMethodRS256.Alg() {
			return nil, errKeyAlg
		}
		if k.N.BitLen() < minRSABits {
			return nil, errKeyWeak
		}
		return k, nil
	case *ecdsa.PublicKey:
		if alg != jwt.SigningMethodES256.Alg() || k.Curve != elliptic.P256() {
			return nil, errKeyAlg
		}
		return k, nil
	}
	return nil, errKeyAlg
}
