package harness

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Supplied tokens: a deployment whose tokens come from an identity provider
// the suite cannot sign for (Auth0, Keycloak, Entra ID…). The profile names
// up to five tokens the provider issued; every attack that needs no key is
// derived from them (derive.go), the rest is skipped with the reason.

// ErrNeedsSigningKey is returned by every minting path of a supplied-token
// run: the suite holds no key of the deployment's issuer.
var ErrNeedsSigningKey = errors.New("needs the issuer's signing key, which a supplied-token run does not hold")

// Token roles of a supplied-token run.
const (
	RoleUserA         = "user_a"         // a valid token of user A (plays the cast's alice)
	RoleUserB         = "user_b"         // a user of another organization (carol)
	RoleNarrow        = "narrow"         // user A with fewer scopes
	RoleOtherAudience = "other_audience" // the same issuer, minted for another audience
	RoleSameOrg       = "same_org"       // another user of A's organization, any scopes
)

// TokenSpec says where one supplied token comes from: exactly one of an
// environment variable, a file, or a shell command that prints it. Never a
// literal: a token in a profile or on a command line ends up in shell
// histories and process lists.
type TokenSpec struct {
	Env  string `yaml:"token_env"`
	File string `yaml:"token_file"`
	Cmd  string `yaml:"token_cmd"`
}

// SuppliedTokens is the profile's tokens block.
type SuppliedTokens struct {
	UserA         *TokenSpec `yaml:"user_a"`
	UserB         *TokenSpec `yaml:"user_b"`
	Narrow        *TokenSpec `yaml:"narrow"`
	OtherAudience *TokenSpec `yaml:"other_audience"`
	SameOrg       *TokenSpec `yaml:"same_org"`
	// JWKSURI names the issuer's key set when discovery (resource metadata
	// → RFC 8414 metadata → jwks_uri) cannot find it. Public keys only.
	JWKSURI string `yaml:"jwks_uri"`
	// JWKSFile is the issuer's key set saved to a file, for an issuer off
	// this machine (the suite fetches only from loopback).
	JWKSFile string `yaml:"jwks_file"`
}

// checkProfile checks the block within its profile: supplied tokens and a
// secret exclude each other.
func (st *SuppliedTokens) checkProfile(p *Profile) error {
	if p.SecretEnv != "" || p.SecretFile != "" {
		return errors.New("tokens and secret_env/secret_file exclude each other: a run with supplied tokens holds no key")
	}
	if st.JWKSURI != "" && st.JWKSFile != "" {
		return errors.New("tokens: set at most one of jwks_uri and jwks_file")
	}
	return st.check()
}

func (st *SuppliedTokens) specs() map[string]*TokenSpec {
	return map[string]*TokenSpec{RoleUserA: st.UserA, RoleUserB: st.UserB, RoleNarrow: st.Narrow, RoleOtherAudience: st.OtherAudience, RoleSameOrg: st.SameOrg}
}

// check reports a configuration error in one line.
func (st *SuppliedTokens) check() error {
	if st.UserA == nil {
		return errors.New("tokens: user_a is required (a valid token of a user with the scopes read, write and admin)")
	}
	for _, role := range slices.Sorted(maps.Keys(st.specs())) {
		spec := st.specs()[role]
		if spec == nil {
			continue
		}
		n := 0
		for _, v := range []string{spec.Env, spec.File, spec.Cmd} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("tokens: %s: set exactly one of token_env, token_file and token_cmd", role)
		}
	}
	return nil
}

// refreshMargin: a token from token_cmd or token_file is fetched again when
// it expires within this margin.
const refreshMargin = 60 * time.Second

// cmdTimeout bounds a token_cmd.
const cmdTimeout = 30 * time.Second

// Supplied is the token source of a supplied-token run. It holds tokens and
// what they say about their holders, and no key of any kind: there is no
// field a signing key could be kept in, and every minting method returns
// ErrNeedsSigningKey.
type Supplied struct {
	// Audience is the audience the target expects (the profile's audience),
	// used to tell an other-audience claim from ours.
	Audience string
	// JWKSURI is the issuer's key set, when known (profile or discovery).
	JWKSURI string
	// MCPURL is the target's MCP endpoint, where discovery starts.
	MCPURL string
	// Now is the clock for expiry checks (nil: time.Now).
	Now func() time.Time

	roles    map[string]*suppliedToken
	jwksFile string

	keysOnce sync.Once
	keys     map[string]crypto.PublicKey
	keysErr  error

	// run executes a token_cmd; tests replace it.
	run func(ctx context.Context, cmd string) ([]byte, error)
}

type suppliedToken struct {
	role string
	spec TokenSpec
	mu   sync.Mutex
	tok  string
	who  Identity
}

// Identity is what a supplied token says about its holder (read without
// verifying: the target verifies; the suite only needs to know whom to
// expect).
type Identity struct {
	Subject  string
	OrgID    string
	Scopes   []string
	Audience []string
	Alg      string
	Kid      string
	Exp      time.Time // zero: no exp
}

// NewSupplied reads every configured token once (so that a bad profile
// fails before the run) and returns the source.
func NewSupplied(ctx context.Context, st *SuppliedTokens, audience string) (*Supplied, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	s := &Supplied{Audience: audience, JWKSURI: st.JWKSURI, jwksFile: st.JWKSFile, roles: map[string]*suppliedToken{}, run: runTokenCmd}
	for role, spec := range st.specs() {
		if spec != nil {
			s.roles[role] = &suppliedToken{role: role, spec: *spec}
		}
	}
	for _, role := range slices.Sorted(maps.Keys(s.roles)) {
		if _, err := s.Token(ctx, role); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Supplied) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Has reports whether the profile supplied a token for role.
func (s *Supplied) Has(role string) bool { return s.roles[role] != nil }

// Token returns the token of role, fetching it again first when it comes
// from a file or a command and expires within a minute.
func (s *Supplied) Token(ctx context.Context, role string) (string, error) {
	t := s.roles[role]
	if t == nil {
		return "", fmt.Errorf("no %s token in the profile", role)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != "" && (t.who.Exp.IsZero() || t.who.Exp.Sub(s.now()) > refreshMargin || t.spec.Env != "") {
		if !t.who.Exp.IsZero() && !s.now().Before(t.who.Exp) {
			return "", fmt.Errorf("tokens: %s: the token (%s) has expired; set a fresh one", role, Fingerprint(t.tok))
		}
		return t.tok, nil
	}
	tok, err := s.read(ctx, t)
	if err != nil {
		return "", err
	}
	who, err := identify(tok)
	if err != nil {
		return "", fmt.Errorf("tokens: %s: %w", role, err)
	}
	if !who.Exp.IsZero() && !s.now().Before(who.Exp) {
		return "", fmt.Errorf("tokens: %s: the token (%s) has expired", role, Fingerprint(tok))
	}
	t.tok, t.who = tok, who
	return tok, nil
}

// Identity returns what the token of role says about its holder.
func (s *Supplied) Identity(ctx context.Context, role string) (Identity, error) {
	if _, err := s.Token(ctx, role); err != nil {
		return Identity{}, err
	}
	t := s.roles[role]
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.who, nil
}

// Tokens returns every supplied token as currently held, for the hygiene
// checks (a target must not log them).
func (s *Supplied) Tokens() []string {
	var out []string
	for _, role := range slices.Sorted(maps.Keys(s.roles)) {
		t := s.roles[role]
		t.mu.Lock()
		if t.tok != "" {
			out = append(out, t.tok)
		}
		t.mu.Unlock()
	}
	return out
}

// read fetches a token. Errors never quote the token nor the command's
// output, which may hold it.
func (s *Supplied) read(ctx context.Context, t *suppliedToken) (string, error) {
	var raw []byte
	switch {
	case t.spec.Env != "":
		v := os.Getenv(t.spec.Env)
		if v == "" {
			return "", fmt.Errorf("tokens: %s: environment variable %s (token_env) is empty", t.role, t.spec.Env)
		}
		raw = []byte(v)
	case t.spec.File != "":
		b, err := os.ReadFile(t.spec.File)
		if err != nil {
			return "", fmt.Errorf("tokens: %s: token_file: %w", t.role, err)
		}
		raw = b
	default:
		ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
		defer cancel()
		b, err := s.run(ctx, t.spec.Cmd)
		if err != nil {
			return "", fmt.Errorf("tokens: %s: token_cmd failed: %w", t.role, err)
		}
		raw = b
	}
	tok := strings.TrimSpace(string(raw))
	tok = strings.TrimPrefix(tok, "Bearer ")
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("tokens: %s: expected one compact JWT, got %d bytes that are not one", t.role, len(raw))
	}
	return tok, nil
}

// cmdError is a token_cmd failure without the command's output.
type cmdError struct{ err error }

func (e cmdError) Error() string {
	return e.err.Error() + " (its output is not shown: it may hold a token)"
}

// runTokenCmd runs cmd with sh -c and returns its standard output. Its
// standard error is discarded: a verbose client (curl -v) writes the
// token there, and the suite's own output must never hold one.
func runTokenCmd(ctx context.Context, cmd string) ([]byte, error) {
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stderr = nil // discarded
	out, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, cmdError{fmt.Errorf("exit status %d", ee.ExitCode())}
		}
		return nil, cmdError{err}
	}
	return out, nil
}

// identify reads the header and claims of tok without verifying it
// (golang-jwt's ParseUnverified: the target verifies, the suite only reads
// whom the token names). RFC 7519 §7.2 steps 1–10 without the signature.
func identify(tok string) (Identity, error) {
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, claims)
	if err != nil {
		return Identity{}, errors.New("not a compact JWT whose header and claims decode (RFC 7519 §7.2)")
	}
	who := Identity{}
	who.Alg, _ = parsed.Header["alg"].(string)
	who.Kid, _ = parsed.Header["kid"].(string)
	who.Subject, _ = claims["sub"].(string)
	who.OrgID, _ = claims["org_id"].(string)
	if sc, ok := claims["scope"].(string); ok {
		who.Scopes = strings.Fields(sc)
	}
	who.Audience, _ = claims.GetAudience()
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		who.Exp = exp.Time
	}
	return who, nil
}

// MaterialError says what material a step lacks in a supplied-token run;
// the step layer turns it into a skip.
type MaterialError struct {
	Need   string // signing-key, user-b, narrow-token, other-audience, same-org-user
	Reason string
}

func (e *MaterialError) Error() string { return e.Reason }

// Unwrap makes every MaterialError of the signing key an ErrNeedsSigningKey.
func (e *MaterialError) Unwrap() error {
	if e.Need == NeedSigningKey {
		return ErrNeedsSigningKey
	}
	return nil
}

// Material a scenario may need beyond user A's token.
const (
	NeedSigningKey    = "signing-key"
	NeedUserB         = "user-b"
	NeedNarrow        = "narrow-token"
	NeedOtherAudience = "other-audience"
	// NeedSameOrg: another member of A's organization in a scenario where
	// A appears too, which the narrow token (A's own) cannot play.
	NeedSameOrg = "same-org-user"
)

func needKey(format string, args ...any) error {
	return &MaterialError{Need: NeedSigningKey, Reason: fmt.Sprintf(format, args...) + ": " + ErrNeedsSigningKey.Error()}
}

// castRole is the supplied role that plays the cast member name, and the
// material it needs when none does.
func castRole(name string) (role, need string) {
	u, ok := Users[name]
	switch {
	case !ok:
		return "", NeedSigningKey
	case name == "alice":
		return RoleUserA, ""
	case u.OrgID == Users["alice"].OrgID:
		// Another member of A's organization: the narrow token (user A
		// with fewer scopes) plays them when its scopes are theirs.
		return RoleNarrow, NeedNarrow
	default:
		return RoleUserB, NeedUserB
	}
}

// CastRole is the supplied role that plays the cast member name ("" when
// none can: the token must be minted) and the material the scenario then
// needs ("" for user A, always supplied).
func CastRole(name string) (role, need string) { return castRole(name) }

// Play returns the token and identity of the supplied token that plays the
// cast member u. A token plays a cast member only when its scopes are the
// member's exactly (the scenarios rely on them) and, for user B, when its
// organization differs from user A's. Another member of A's organization is
// played by the same_org token when its scopes are theirs, else by the
// narrow token.
func (s *Supplied) Play(ctx context.Context, u User) (string, User, error) {
	tok, played, _, err := s.PlayRole(ctx, u, true)
	return tok, played, err
}

// PlayRole is Play, and says which role played u. With narrowOK false the
// narrow token (user A's own) does not play another member of A's
// organization: the scenario has user A in it as well.
func (s *Supplied) PlayRole(ctx context.Context, u User, narrowOK bool) (string, User, string, error) {
	role, need := castRole(u.Name)
	if role == "" {
		return "", User{}, "", needKey("a token for %q (org %s, scopes %q)", u.Name, u.OrgID, strings.Join(u.Scopes, " "))
	}
	if role == RoleNarrow {
		tok, played, err := s.playSameOrg(ctx, u)
		if err == nil || !narrowOK {
			return tok, played, RoleSameOrg, err
		}
		if !s.Has(RoleNarrow) && s.Has(RoleSameOrg) {
			return "", User{}, "", err
		}
	}
	tok, played, err := s.playAs(ctx, u, role, need)
	return tok, played, role, err
}

// playSameOrg plays u, a member of A's organization other than A, with the
// same_org token: another user of that organization with exactly u's scopes.
func (s *Supplied) playSameOrg(ctx context.Context, u User) (string, User, error) {
	if !s.Has(RoleSameOrg) {
		return "", User{}, &MaterialError{Need: NeedSameOrg, Reason: fmt.Sprintf("needs a supplied same_org token (another user of A's organization; plays %q beside user A); the profile has none", u.Name)}
	}
	tok, played, err := s.playAs(ctx, u, RoleSameOrg, NeedSameOrg)
	if err != nil {
		return "", User{}, err
	}
	a, err := s.Identity(ctx, RoleUserA)
	if err != nil {
		return "", User{}, err
	}
	if played.OrgID != a.OrgID || played.Subject == a.Subject {
		return "", User{}, &MaterialError{Need: NeedSameOrg, Reason: "the same_org token must name another user (sub) of user_a's organization (org_id)"}
	}
	return tok, played, nil
}

func (s *Supplied) playAs(ctx context.Context, u User, role, need string) (string, User, error) {
	if !s.Has(role) {
		return "", User{}, &MaterialError{Need: need, Reason: fmt.Sprintf("needs a supplied %s token (plays %q); the profile has none", role, u.Name)}
	}
	tok, err := s.Token(ctx, role)
	if err != nil {
		return "", User{}, err
	}
	who, _ := s.Identity(ctx, role)
	if !sameSet(who.Scopes, u.Scopes) {
		return "", User{}, &MaterialError{Need: need, Reason: fmt.Sprintf("the %s token's scope is %q; playing %q needs exactly %q", role, strings.Join(who.Scopes, " "), u.Name, strings.Join(u.Scopes, " "))}
	}
	if role == RoleUserB {
		a, err := s.Identity(ctx, RoleUserA)
		if err != nil {
			return "", User{}, err
		}
		if a.OrgID == who.OrgID {
			return "", User{}, &MaterialError{Need: NeedUserB, Reason: "the user_b token's org_id is user_a's: user B must belong to another organization"}
		}
	}
	played := u
	played.Subject, played.OrgID, played.Scopes = who.Subject, who.OrgID, slices.Clone(who.Scopes)
	return tok, played, nil
}

// Mint is the signing path of a supplied-token run: it has none. A token
// whose claims differ from a supplied one is one of the supplied tokens
// when they differ the same way (alice with the narrow token's scope, a
// token for another audience), or user A's token with the claim changed
// under its original signature (TamperedClaims but scope), which a target
// must refuse.
func (s *Supplied) Mint(ctx context.Context, u User, set map[string]json.RawMessage, del []string) (string, error) {
	if len(del) == 0 && len(set) == 1 && u.Name == "alice" {
		for claim, raw := range set {
			switch {
			case claim == "scope":
				var scope string
				if json.Unmarshal(raw, &scope) == nil {
					return s.narrow(ctx, strings.Fields(scope))
				}
			case claim == "aud" && !AudienceContains(raw, s.Audience):
				return s.otherAudience(ctx)
			case slices.Contains(TamperedClaims, claim):
				tok, err := s.Token(ctx, RoleUserA)
				if err != nil {
					return "", err
				}
				return tamperClaim(tok, claim, raw, false)
			}
		}
	}
	return "", needKey("a token for %q with changed claims", u.Name)
}

func (s *Supplied) narrow(ctx context.Context, scopes []string) (string, error) {
	if !s.Has(RoleNarrow) {
		return "", &MaterialError{Need: NeedNarrow, Reason: "needs a supplied narrow token (user A with fewer scopes); the profile has none"}
	}
	tok, err := s.Token(ctx, RoleNarrow)
	if err != nil {
		return "", err
	}
	who, _ := s.Identity(ctx, RoleNarrow)
	if !sameSet(who.Scopes, scopes) {
		return "", &MaterialError{Need: NeedNarrow, Reason: fmt.Sprintf("the narrow token's scope is %q; the scenario needs exactly %q", strings.Join(who.Scopes, " "), strings.Join(scopes, " "))}
	}
	return tok, nil
}

// OtherAudience returns the token minted for another audience.
func (s *Supplied) otherAudience(ctx context.Context) (string, error) {
	if !s.Has(RoleOtherAudience) {
		return "", &MaterialError{Need: NeedOtherAudience, Reason: "needs a supplied other_audience token (the same issuer, another audience); the profile has none"}
	}
	tok, err := s.Token(ctx, RoleOtherAudience)
	if err != nil {
		return "", err
	}
	who, _ := s.Identity(ctx, RoleOtherAudience)
	if slices.Contains(who.Audience, s.Audience) {
		return "", fmt.Errorf("tokens: other_audience: the token's aud contains this target's audience %q; it must be minted for another one", s.Audience)
	}
	return tok, nil
}

// AudienceContains reports whether the JSON aud value raw (a string or an
// array of strings, RFC 7519 §4.1.3) contains aud.
func AudienceContains(raw json.RawMessage, aud string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == aud
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return slices.Contains(many, aud)
	}
	return false
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// IssuerKeys returns the issuer's public keys, read once: from
// tokens.jwks_file, tokens.jwks_uri, or the discovery chain from mcpURL.
func (s *Supplied) IssuerKeys(ctx context.Context, mcpURL string) (map[string]crypto.PublicKey, error) {
	s.keysOnce.Do(func() {
		d := &Discovery{}
		switch {
		case s.jwksFile != "":
			s.keys, s.keysErr = ReadKeysFile(s.jwksFile)
		case s.JWKSURI != "":
			s.keys, s.keysErr = d.FetchKeys(ctx, s.JWKSURI)
		default:
			s.keys, s.keysErr = d.IssuerKeys(ctx, mcpURL)
		}
	})
	return s.keys, s.keysErr
}
