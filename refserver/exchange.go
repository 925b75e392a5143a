package refserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// BackendTokenSource turns the caller's token into the token the backend
// call carries. It is the plug point between the two modes of BACKEND_AUTH.
type BackendTokenSource func(ctx context.Context, clientToken string) (string, error)

// ErrTokenExchange reports that the core app refused or failed the exchange.
var ErrTokenExchange = errors.New("token exchange failed")

// RFC 8693 §2.1 and §3 identifiers.
const (
	grantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
	// backendAudience is the audience the core app's API accepts
	// (target contract §5).
	backendAudience = "core-api"
)

// exchangeRefreshMargin: a cached backend token is not used in its last
// seconds, so that it cannot expire between the cache and the backend.
const exchangeRefreshMargin = 30 * time.Second

// maxCachedExchanges bounds the cache; past it the cache is emptied rather
// than grown, which costs only extra exchanges.
const maxCachedExchanges = 10_000

// tokenExchanger implements RFC 8693 token exchange against the core app,
// with a cache keyed by the exact subject token.
//
// MCP 2025-06-18 "Access Token Privilege Restriction": the server MUST NOT
// pass through the token it received; it obtains its own, for the same user
// and organization, meant for the backend (aud core-api).
//
// The cache key is the SHA-256 of the whole subject token, never the user id:
// two tokens of one user may carry different scopes or expiry, and a cache by
// user would let one token ride on another's grant.
type tokenExchanger struct {
	tokenURL     string
	clientID     string
	clientSecret string
	http         *http.Client
	now          func() time.Time

	mu    sync.Mutex
	cache map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	token   string
	refresh time.Time // stop using it from then on
}

func newTokenExchanger(cfg Config, client *http.Client) *tokenExchanger {
	return &tokenExchanger{
		tokenURL:     cfg.TokenURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		http:         client,
		now:          time.Now,
		cache:        map[[sha256.Size]byte]cachedToken{},
	}
}

// Token returns a backend token for clientToken, from the cache or by a new
// exchange.
func (x *tokenExchanger) Token(ctx context.Context, clientToken string) (string, error) {
	key := sha256.Sum256([]byte(clientToken))
	now := x.now()
	x.mu.Lock()
	c, ok := x.cache[key]
	x.mu.Unlock()
	if ok && now.Before(c.refresh) {
		return c.token, nil
	}

	token, expiresIn, err := x.exchange(ctx, clientToken)
	if err != nil {
		return "", err
	}
	if refresh := now.Add(expiresIn - exchangeRefreshMargin); refresh.After(now) {
		x.mu.Lock()
		if len(x.cache) >= maxCachedExchanges {
			clear(x.cache)
		}
		x.cache[key] = cachedToken{token: token, refresh: refresh}
		x.mu.Unlock()
	}
	return token, nil
}

// exchange performs one RFC 8693 §2.1 request, authenticating the client with
// client_secret_basic (RFC 6749 §2.3.1, which form-encodes id and secret).
func (x *tokenExchanger) exchange(ctx context.Context, subjectToken string) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":         {grantTypeTokenExchange},
		"subject_token":      {subjectToken},
		"subject_token_type": {tokenTypeAccessToken},
		"audience":           {backendAudience},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrTokenExchange, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(x.clientID), url.QueryEscape(x.clientSecret))

	resp, err := x.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrTokenExchange, transportError(err))
	}
	defer resp.Body.Close()

	var body struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
		TokenType       string `json:"token_type"`
		ExpiresIn       int64  `json:"expires_in"`
		Error           string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil && resp.StatusCode == http.StatusOK {
		return "", 0, fmt.Errorf("%w: unreadable answer", ErrTokenExchange)
	}
	if resp.StatusCode != http.StatusOK {
		// RFC 6749 §5.2 error codes are fixed ASCII words; quote only those.
		code := body.Error
		if !isErrorCode(code) {
			code = "unknown error"
		}
		return "", 0, fmt.Errorf("%w: status %d (%s)", ErrTokenExchange, resp.StatusCode, code)
	}
	if body.AccessToken == "" || !strings.EqualFold(body.TokenType, "Bearer") {
		return "", 0, fmt.Errorf("%w: answer has no bearer access_token", ErrTokenExchange)
	}
	return body.AccessToken, time.Duration(body.ExpiresIn) * time.Second, nil
}

func isErrorCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// passthrough forwards the client's own token: BACKEND_AUTH=passthrough, the
// original design, non-conformant (see BackendAuthPassthrough).
func passthrough(_ context.Context, clientToken string) (string, error) { return clientToken, nil }
