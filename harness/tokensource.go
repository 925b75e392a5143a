package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// TokenSource is where the step layer gets every token it sends: the plug
// point between the scenarios and the key material of a run. A minting
// source (the suite's own issuer) signs whatever a scenario asks for; a
// supplied source (Supplied) holds only tokens the target's issuer minted
// and derives from them what needs no key, returning ErrNeedsSigningKey
// (as a *MaterialError) for the rest.
type TokenSource interface {
	// Play returns a valid token of the cast member u and the identity it
	// carries (u itself when the source mints).
	Play(ctx context.Context, u User) (string, User, error)
	// Mint returns a token of u whose standard claims are changed as by
	// Issuer.TokenWith.
	Mint(ctx context.Context, u User, set map[string]json.RawMessage, del []string) (string, error)
	// Hostile builds the hostile case c for u; attackerURL is the
	// scenario's path on the attacker listener.
	Hostile(ctx context.Context, c HostileCase, u User, attackerURL string) (string, error)
}

// Tokens returns the target's token source: its supplied tokens when it has
// them, else its issuer.
func (t *Target) Tokens() TokenSource {
	if t.Supplied != nil {
		return t.Supplied
	}
	return MintingSource{Issuer: t.Issuer}
}

// MintingSource is the token source of a run that holds the issuer's key.
type MintingSource struct{ Issuer *Issuer }

// Play mints a valid token of u.
func (m MintingSource) Play(_ context.Context, u User) (string, User, error) {
	tok, err := m.Issuer.Token(u)
	return tok, u, err
}

// Mint signs u's changed claims.
func (m MintingSource) Mint(_ context.Context, u User, set map[string]json.RawMessage, del []string) (string, error) {
	return m.Issuer.TokenWith(u, set, del)
}

// Hostile builds c with a copy of the issuer pointed at attackerURL.
func (m MintingSource) Hostile(_ context.Context, c HostileCase, u User, attackerURL string) (string, error) {
	is := *m.Issuer
	is.AttackerURL = attackerURL
	return c.Build(&is, u)
}

// otherAudienceCases are the hostile cases a genuine token of the same
// issuer for another audience stands for.
var otherAudienceCases = map[string]bool{"aud other": true, "aud array without ours": true}

// HostileNeeds is the material a hostile case (of either catalogue) needs
// in a supplied-token run beyond the token of the user it is built for:
// "" when it is derived from that token.
func HostileNeeds(name string) string {
	switch {
	case otherAudienceCases[name]:
		return NeedOtherAudience
	case Derivable(name):
		return ""
	}
	return NeedSigningKey
}

// Hostile derives the case from the token that plays u.
func (s *Supplied) Hostile(ctx context.Context, c HostileCase, u User, attackerURL string) (string, error) {
	return s.Derive(ctx, c.Name, u, attackerURL)
}

// Derive builds the hostile case name (of Hostile or JWKSHostile) from the
// token that plays u, with the issuer's discovered public keys for key
// confusion.
func (s *Supplied) Derive(ctx context.Context, name string, u User, attackerURL string) (string, error) {
	if otherAudienceCases[name] {
		return s.otherAudience(ctx)
	}
	if !Derivable(name) {
		return "", needKey("the hostile token %q is correctly signed with other claims", name)
	}
	tok, _, err := s.Play(ctx, u)
	if err != nil {
		return "", err
	}
	in := DeriveInput{Token: tok, AttackerURL: attackerURL}
	if strings.HasPrefix(name, "key confusion:") {
		keys, err := s.IssuerKeys(ctx, s.MCPURL)
		if err != nil {
			return "", &MaterialError{Need: NeedSigningKey, Reason: fmt.Sprintf("key confusion needs the issuer's public keys (%v); set tokens.jwks_uri or tokens.jwks_file", err)}
		}
		in.IssuerKeys = keys
	}
	return Derive(name, in)
}

// IsMaterial reports whether err says that material is missing, and which.
func IsMaterial(err error) (*MaterialError, bool) {
	var me *MaterialError
	if errors.As(err, &me) {
		return me, true
	}
	return nil, false
}
