package steps

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

func user(name string) (harness.User, error) { return harness.LookupUser(name) }

func noCredentials(ctx context.Context) error {
	s := get(ctx)
	s.token, s.creds = "", harness.NoCredentials
	return nil
}

func validTokenFor(ctx context.Context, name string) error {
	s := get(ctx)
	u, err := user(name)
	if err != nil {
		return err
	}
	s.user = u
	tok, err := s.validToken(u)
	if err != nil {
		return err
	}
	s.useToken(tok)
	return nil
}

func tokenWithScope(ctx context.Context, name, scope string) error {
	return tokenWith(ctx, name, map[string]json.RawMessage{"scope": json.RawMessage(strconv.Quote(scope))}, nil)
}

func tokenWithClaim(ctx context.Context, name, claim, value string) error {
	value = strings.ReplaceAll(value, `\"`, `"`)
	if !json.Valid([]byte(value)) {
		return fmt.Errorf("claim %q: %q is not JSON", claim, value)
	}
	return tokenWith(ctx, name, map[string]json.RawMessage{claim: json.RawMessage(value)}, nil)
}

func tokenWithoutClaim(ctx context.Context, name, claim string) error {
	return tokenWith(ctx, name, nil, []string{claim})
}

func tokenWith(ctx context.Context, name string, set map[string]json.RawMessage, del []string) error {
	s := get(ctx)
	u, err := user(name)
	if err != nil {
		return err
	}
	s.user = u
	tok, err := s.env.Target.Tokens().Mint(ctx, u, set, del)
	if err != nil {
		return material(err)
	}
	s.noteTampered(set)
	s.useToken(tok)
	return nil
}

func hostileToken(ctx context.Context, name string) error {
	return hostileTokenFor(ctx, name, get(ctx).user.Name)
}

func hostileTokenFor(ctx context.Context, name, userName string) error {
	c, err := harness.LookupHostile(name)
	if err != nil {
		return err
	}
	return buildCase(ctx, c, userName)
}

func acceptableToken(ctx context.Context, name string) error {
	for _, c := range harness.Acceptable {
		if c.Name == name {
			return buildCase(ctx, c, get(ctx).user.Name)
		}
	}
	return fmt.Errorf("no acceptable token %q in harness.Acceptable", name)
}

func buildCase(ctx context.Context, c harness.HostileCase, userName string) error {
	s := get(ctx)
	u, err := user(userName)
	if err != nil {
		return err
	}
	s.user = u
	s.noteTampered(nil, c.Name)
	if sup := s.env.Target.Supplied; sup != nil && s.noNarrow {
		// The case is derived from the token that plays u, which may not
		// be the narrow one here (harness.Supplied.Derive prefers same_org).
		if _, _, _, err := sup.PlayRole(ctx, u, false); err != nil && u.Name != "alice" {
			if role, _ := harness.CastRole(u.Name); role == harness.RoleNarrow {
				return material(err)
			}
		}
	}
	// Each scenario points at its own attacker path.
	tok, err := s.env.Target.Tokens().Hostile(ctx, c, u, s.env.attacker.URL+s.attackPath)
	if err != nil {
		if _, ok := harness.IsMaterial(err); ok {
			return material(err)
		}
		return fmt.Errorf("building %q: %w", c.Name, err)
	}
	s.useToken(tok)
	return nil
}

// forgedToken is a token of the current user signed with a key the target
// does not know.
func (s *scenario) forgedToken() (string, error) {
	c, err := harness.LookupHostile("wrong secret")
	if err != nil {
		return "", err
	}
	tok, err := s.env.Target.Tokens().Hostile(context.Background(), c, s.user, "")
	if err == nil {
		s.env.remember(tok)
	}
	return tok, err
}

func authorizationHeader(ctx context.Context, value string) error {
	return get(ctx).setAuthorization(value)
}

func authorizationHeaders(ctx context.Context, first, second string) error {
	return get(ctx).setAuthorization(first, second)
}

func (s *scenario) setAuthorization(values ...string) error {
	expanded := make([]string, len(values))
	for i, v := range values {
		e, err := s.expand(strings.ReplaceAll(v, `\"`, `"`))
		if err != nil {
			return err
		}
		expanded[i] = e
	}
	s.creds = harness.RawAuthorization(expanded...)
	return nil
}

// The token in places other than the Authorization header (RFC 6750 §2.2,
// §2.3, and cookies): the contract accepts none of them.

func (s *scenario) aliceToken() (string, error) {
	tok, err := s.validToken(s.user)
	s.token = tok
	return tok, err
}

func tokenOnlyInQuery(ctx context.Context) error {
	s := get(ctx)
	tok, err := s.aliceToken()
	if err != nil {
		return err
	}
	s.creds = queryToken(tok)
	return nil
}

func tokenAlsoInQuery(ctx context.Context) error {
	s := get(ctx)
	tok, err := s.aliceToken()
	if err != nil {
		return err
	}
	s.creds = func(r *http.Request) {
		harness.BearerHeader(tok)(r)
		queryToken(tok)(r)
	}
	return nil
}

func queryToken(tok string) harness.Credentials {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Set("access_token", tok)
		r.URL.RawQuery = q.Encode()
	}
}

func tokenOnlyInForm(ctx context.Context) error {
	s := get(ctx)
	tok, err := s.aliceToken()
	if err != nil {
		return err
	}
	// RFC 6750 §2.2: form-encoded body parameter. The JSON-RPC message rides
	// along in another field, as a client mixing both would send it.
	s.creds = func(r *http.Request) {
		form := url.Values{"access_token": {tok}}
		body := form.Encode()
		r.Body = ioNopCloser(body)
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return nil
}

func tokenOnlyInCookie(ctx context.Context) error {
	s := get(ctx)
	tok, err := s.aliceToken()
	if err != nil {
		return err
	}
	s.creds = func(r *http.Request) {
		for _, name := range []string{"access_token", "token", "Authorization"} {
			r.AddCookie(&http.Cookie{Name: name, Value: tok})
		}
	}
	return nil
}

// tokenSignatureChanged keeps the claims of the scenario's token, byte for
// byte, and changes only how it is signed: a server that remembers an
// acceptance by anything less than the whole token (the claims, the
// payload, the user) would accept the result.
func tokenSignatureChanged(ctx context.Context, change string) error {
	s := get(ctx)
	parts := strings.Split(s.token, ".")
	if len(parts) != 3 || len(parts[2]) < 2 {
		return errors.New("the scenario needs a signed token first (a valid token for ...)")
	}
	switch change {
	case "forged":
		// The first character carries the high bits of the first byte, so
		// the 32 bytes differ; the length, and so the form, stays the same.
		sig := []byte(parts[2])
		if sig[0] == 'A' {
			sig[0] = 'B'
		} else {
			sig[0] = 'A'
		}
		parts[2] = string(sig)
	case "removed":
		parts[2] = ""
	case `removed with alg "none"`:
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		parts[2] = ""
	default:
		return fmt.Errorf("unknown signature change %q (forged, removed, removed with alg \"none\")", change)
	}
	s.useToken(strings.Join(parts, "."))
	return nil
}
