package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// RFC 8693 §3 token type of an OAuth access token; oauthex names only the
// SEP-990 types (id_token, saml2, id-jag).
const tokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"

// backendAudience is the audience the core app's API accepts (contract §5).
const backendAudience = "core-api"

// errExchange: the core app refused or failed the exchange. Its text is
// fixed; the tool error built from it never holds a token.
var errExchange = errors.New("could not obtain a backend token")

// exchanger trades the caller's token for a backend token of the same user
// and organization (RFC 8693) with the SDK's oauthex.ExchangeToken.
//
// MCP 2025-06-18 "Access Token Privilege Restriction": the server MUST NOT
// pass through the token it received. There is no fallback to the caller's
// token when the exchange fails.
//
// Backend tokens are cached by the SHA-256 of the whole subject token, never
// by user: two tokens of one user may carry different scopes or expiry.
type exchanger struct {
	tokenURL string
	resource string // RFC 8707 resource of the backend (BACKEND_API_URL)
	creds    *oauthex.ClientCredentials
	http     *http.Client
	now      func() time.Time

	mu    sync.Mutex
	cache map[[sha256.Size]byte]*oauth2.Token
}

// refreshMargin: a cached token is not used in its last seconds, so that it
// cannot expire between the cache and the backend.
const refreshMargin = 30 * time.Second

// maxCached bounds the cache; past it the cache is emptied rather than
// grown, which costs only extra exchanges.
const maxCached = 10_000

func newExchanger(cfg config, client *http.Client) *exchanger {
	return &exchanger{
		tokenURL: cfg.tokenURL,
		resource: cfg.backendURL,
		creds: &oauthex.ClientCredentials{
			ClientID:         cfg.clientID,
			ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: cfg.clientSecret},
		},
		http:  client,
		now:   time.Now,
		cache: map[[sha256.Size]byte]*oauth2.Token{},
	}
}

// token returns a backend token for the caller's subjectToken.
func (x *exchanger) token(ctx context.Context, subjectToken string) (string, error) {
	key := sha256.Sum256([]byte(subjectToken))
	x.mu.Lock()
	cached := x.cache[key]
	x.mu.Unlock()
	if cached != nil && x.now().Add(refreshMargin).Before(cached.Expiry) {
		return cached.AccessToken, nil
	}

	// ExchangeToken was written for SEP-990 (a client trading an ID token
	// for an ID-JAG), so it insists on requested_token_type and resource,
	// which RFC 8693 makes optional, and authenticates the client with
	// client_secret_post only (oauthex/token_exchange.go).
	tok, err := oauthex.ExchangeToken(ctx, x.tokenURL, &oauthex.TokenExchangeRequest{
		RequestedTokenType: tokenTypeAccessToken,
		Audience:           backendAudience,
		Resource:           x.resource,
		SubjectToken:       subjectToken,
		SubjectTokenType:   tokenTypeAccessToken,
	}, x.creds, x.http)
	if err != nil {
		return "", exchangeError(err)
	}
	// ExchangeToken checks issued_token_type but not token_type: a token
	// the backend cannot take as a Bearer token is useless here.
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "Bearer") {
		return "", fmt.Errorf("%w: the answer has no bearer access_token", errExchange)
	}
	if !tok.Expiry.IsZero() {
		x.mu.Lock()
		if len(x.cache) >= maxCached {
			clear(x.cache)
		}
		x.cache[key] = tok
		x.mu.Unlock()
	}
	return tok.AccessToken, nil
}

// exchangeError keeps only the RFC 6749 §5.2 error code of a refusal:
// oauth2.RetrieveError's message quotes the whole response body, and a
// transport error names the URL.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if !isErrorCode(code) {
			code = "unknown error"
		}
		return fmt.Errorf("%w: status %d (%s)", errExchange, re.Response.StatusCode, code)
	}
	return fmt.Errorf("%w: %w", errExchange, transportError(err))
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
