package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Claims are the core app's token claims (target contract §3).
type Claims struct {
	OrgID string `json:"org_id"`
	Scope string `json:"scope"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	jwt.RegisteredClaims
}

// newVerifier returns the auth.TokenVerifier for RequireBearerToken, as the
// SDK's examples/server/auth-middleware writes it (jwt.ParseWithClaims, an
// HMAC-only key function, auth.ErrInvalidToken on failure), plus the
// contract's issuer and audience. The middleware checks the expiration
// (docs/protocol.md: "so the TokenVerifier doesn't have to"). With
// JWT_JWKS_URL the key function is keyfunc's, as its README shows
// (keyfunc.NewDefaultCtx, then k.Keyfunc).
func newVerifier(ctx context.Context, cfg config) (auth.TokenVerifier, error) {
	keyFunc := func(token *jwt.Token) (any, error) {
		if _, ok := token.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method: %v", token.Header["alg"])
		}
		return cfg.secret, nil
	}
	if cfg.jwksURL != "" {
		k, err := keyfunc.NewDefaultCtx(ctx, []string{cfg.jwksURL})
		if err != nil {
			return nil, fmt.Errorf("JWT_JWKS_URL: %v", err)
		}
		keyFunc = k.Keyfunc
	}
	return func(ctx context.Context, tokenString string, _ *http.Request) (*auth.TokenInfo, error) {
		token, err := jwt.ParseWithClaims(tokenString, &Claims{}, keyFunc,
			jwt.WithIssuer(cfg.issuer), jwt.WithAudience(cfg.audience))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		claims, ok := token.Claims.(*Claims)
		if !ok || !token.Valid {
			return nil, fmt.Errorf("%w: invalid token claims", auth.ErrInvalidToken)
		}
		var exp time.Time
		if claims.ExpiresAt != nil {
			exp = claims.ExpiresAt.Time
		}
		return &auth.TokenInfo{
			Scopes:     strings.Fields(claims.Scope),
			Expiration: exp,
			// docs/protocol.md "Session Hijacking": set UserID so that the
			// transport binds sessions to the user.
			UserID: claims.Subject,
			Extra: map[string]any{
				"org_id": claims.OrgID,
				"email":  claims.Email,
				"name":   claims.Name,
				"token":  tokenString, // for the RFC 8693 exchange
			},
		}, nil
	}, nil
}
