package harness

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// rsaIssuer is an identity provider of the tests: an RS256 key generated
// at run time and a function minting its tokens.
type rsaIssuer struct {
	key *rsa.PrivateKey
	kid string
}

func newRSAIssuer(t *testing.T) *rsaIssuer {
	t.Helper()
	ks, err := StartKeySet()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ks.Close() })
	kid := ks.Current(AlgRS256)
	k, _ := ks.key(kid)
	return &rsaIssuer{key: k.signer.(*rsa.PrivateKey), kid: kid}
}

func (ri *rsaIssuer) mint(t *testing.T, u User, exp time.Time, set map[string]any) string {
	t.Helper()
	claims := map[string]any{"iss": "https://idp.example/", "aud": "mcp-server", "sub": u.Subject, "org_id": u.OrgID,
		"scope": strings.Join(u.Scopes, " "), "iat": exp.Add(-time.Hour).Unix(), "exp": exp.Unix()}
	for k, v := range set {
		claims[k] = v
	}
	tok, err := signWith(jwt.SigningMethodRS256, ri.key, map[string]any{"kid": ri.kid}, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (ri *rsaIssuer) verify(tok string) error {
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("mcp-server"),
		jwt.WithIssuer("https://idp.example/"), jwt.WithExpirationRequired()).
		Parse(tok, func(*jwt.Token) (any, error) { return &ri.key.PublicKey, nil })
	return err
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A profile with a tokens block needs no secret, refuses one, and may
// name JWKS mode; bad blocks are one-line errors.
func TestProfileTokens(t *testing.T) {
	good := "tokens:\n  user_a: {token_env: A}\n  narrow: {token_file: /x}\n  user_b: {token_cmd: \"echo b\"}\nkeys: jwks\n"
	p, err := LoadProfile(writeTemp(t, "p.yaml", good))
	if err != nil {
		t.Fatal(err)
	}
	if p.Tokens == nil || p.Tokens.UserA.Env != "A" || p.Tokens.Narrow.File != "/x" || p.Tokens.UserB.Cmd != "echo b" {
		t.Errorf("tokens block read as %+v", p.Tokens)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"with a secret":     {"secret_env: S\ntokens:\n  user_a: {token_env: A}\n", "exclude each other"},
		"without user_a":    {"tokens:\n  user_b: {token_env: B}\n", "user_a is required"},
		"two sources":       {"tokens:\n  user_a: {token_env: A, token_file: /f}\n", "user_a: set exactly one of"},
		"no source":         {"tokens:\n  user_a: {}\n  narrow: {}\n", "set exactly one of"},
		"a literal token":   {"tokens:\n  user_a: {token: eyJ}\n", "field token not found"},
		"both jwks sources": {"tokens:\n  user_a: {token_env: A}\n  jwks_uri: http://127.0.0.1/j\n  jwks_file: /f\n", "at most one of"},
		"jwks without":      {"secret_env: S\nkeys: jwks\n", "JWKS mode needs"},
	} {
		_, err := LoadProfile(writeTemp(t, "p.yaml", tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", name, err, tc.want)
		}
	}
}

// Each source works; a token from a file or a command is fetched again
// when it nears exp, one from the environment is not, and an expired one is
// refused.
func TestSuppliedSources(t *testing.T) {
	ri := newRSAIssuer(t)
	now := time.Now()
	alice, carol := Users["alice"], Users["carol"]
	tokA := ri.mint(t, alice, now.Add(10*time.Minute), nil)
	t.Setenv("MCPAUTHSPEC_TEST_A", tokA)
	fileB := writeTemp(t, "b.jwt", "Bearer "+ri.mint(t, carol, now.Add(10*time.Minute), nil)+"\n")
	var runs atomic.Int32
	st := &SuppliedTokens{UserA: &TokenSpec{Env: "MCPAUTHSPEC_TEST_A"}, UserB: &TokenSpec{File: fileB}, Narrow: &TokenSpec{Cmd: "mint"}}
	s := &Supplied{Audience: "mcp-server", roles: map[string]*suppliedToken{}}
	s.run = func(context.Context, string) ([]byte, error) {
		runs.Add(1)
		u := alice
		u.Scopes = []string{"read"}
		return []byte(ri.mint(t, u, now.Add(5*time.Minute), nil) + "\n"), nil
	}
	for role, spec := range st.specs() {
		if spec != nil {
			s.roles[role] = &suppliedToken{role: role, spec: *spec}
		}
	}
	ctx := context.Background()
	clock := now
	s.Now = func() time.Time { return clock }
	if tok, err := s.Token(ctx, RoleUserA); err != nil || tok != tokA {
		t.Fatalf("user_a: %v", err)
	}
	if _, played, err := s.Play(ctx, carol); err != nil || played.OrgID != "org-globex" {
		t.Fatalf("carol: %v %+v", err, played)
	}
	for range 3 {
		if _, err := s.Token(ctx, RoleNarrow); err != nil {
			t.Fatal(err)
		}
	}
	if runs.Load() != 1 {
		t.Errorf("token_cmd ran %d times for a fresh token; want 1", runs.Load())
	}
	clock = now.Add(4*time.Minute + 30*time.Second) // within a minute of the narrow token's exp
	if _, err := s.Token(ctx, RoleNarrow); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 2 {
		t.Errorf("token_cmd ran %d times; want a rerun near exp", runs.Load())
	}
	clock = now.Add(11 * time.Minute)
	_, err := s.Token(ctx, RoleUserA)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token from the environment: %v", err)
	}
}

// No token reaches an error message: not a bad token, not the output of a
// failing token_cmd, not an expired token.
func TestSuppliedErrorsNeverShowTokens(t *testing.T) {
	ri := newRSAIssuer(t)
	secretish := "not-a-jwt-but-a-secret-0123456789abcdef"
	expired := ri.mint(t, Users["alice"], time.Now().Add(-time.Hour), nil)
	valid := ri.mint(t, Users["alice"], time.Now().Add(time.Hour), nil)
	t.Setenv("MCPAUTHSPEC_TEST_BAD", secretish)
	t.Setenv("MCPAUTHSPEC_TEST_EXPIRED", expired)
	t.Setenv("MCPAUTHSPEC_TEST_VALID", valid)
	cases := map[string]*TokenSpec{
		"not a JWT":        {Env: "MCPAUTHSPEC_TEST_BAD"},
		"two words":        {File: writeTemp(t, "t", secretish+" "+secretish)},
		"expired":          {Env: "MCPAUTHSPEC_TEST_EXPIRED"},
		"failing command":  {Cmd: "echo \"$MCPAUTHSPEC_TEST_VALID\"; echo \"$MCPAUTHSPEC_TEST_VALID\" >&2; exit 3"},
		"empty":            {Env: "MCPAUTHSPEC_TEST_UNSET_VARIABLE"},
		"missing file":     {File: filepath.Join(t.TempDir(), "none")},
		"printing command": {Cmd: "printf '%s' \"$MCPAUTHSPEC_TEST_BAD\""},
	}
	// What the commands write to standard error must not reach the suite's.
	capture, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = capture
	defer func() {
		os.Stderr = old
		b, _ := os.ReadFile(capture.Name())
		if strings.Contains(string(b), valid) {
			t.Error("a token_cmd's standard error reached the suite's")
		}
	}()
	for name, spec := range cases {
		_, err := NewSupplied(context.Background(), &SuppliedTokens{UserA: spec}, "mcp-server")
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		msg := err.Error()
		for _, tok := range []string{secretish, expired, valid, strings.Split(valid, ".")[2]} {
			if strings.Contains(msg, tok) {
				t.Errorf("%s: the error shows a token: %s", name, msg)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: not one line: %q", name, msg)
		}
	}
}

// The supplied source holds no key: no field of it (nor of what it holds)
// can keep one, and every minting path ends in ErrNeedsSigningKey.
func TestSuppliedHoldsNoKey(t *testing.T) {
	keyish := map[reflect.Type]bool{
		reflect.TypeFor[[]byte]():                true,
		reflect.TypeFor[*rsa.PrivateKey]():       true,
		reflect.TypeFor[crypto.Signer]():         true,
		reflect.TypeFor[crypto.PrivateKey]():     true,
		reflect.TypeFor[*Issuer]():               true,
		reflect.TypeFor[*KeySet]():               true,
		reflect.TypeFor[jwt.SigningMethod]():     true,
		reflect.TypeFor[*jwt.SigningMethodRSA](): true,
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(tp reflect.Type, path string) {
		if seen[tp] {
			return
		}
		seen[tp] = true
		if keyish[tp] {
			t.Errorf("%s is a %s: a place for a key", path, tp)
		}
		switch tp.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(tp.Elem(), path+"[]")
		case reflect.Map:
			walk(tp.Key(), path+"{key}")
			walk(tp.Elem(), path+"{}")
		case reflect.Struct:
			for i := range tp.NumField() {
				f := tp.Field(i)
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[Supplied](), "Supplied")

	ri := newRSAIssuer(t)
	t.Setenv("MCPAUTHSPEC_TEST_A", ri.mint(t, Users["alice"], time.Now().Add(time.Hour), nil))
	s, err := NewSupplied(context.Background(), &SuppliedTokens{UserA: &TokenSpec{Env: "MCPAUTHSPEC_TEST_A"}}, "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var src TokenSource = s
	checks := map[string]func() error{
		"a token for someone outside the cast": func() error { _, _, err := src.Play(ctx, User{Name: "mallory"}); return err },
		"alice, nbf set": func() error {
			_, err := src.Mint(ctx, Users["alice"], map[string]json.RawMessage{"nbf": json.RawMessage("1")}, nil)
			return err
		},
		"alice without iat": func() error { _, err := src.Mint(ctx, Users["alice"], nil, []string{"iat"}); return err },
		"iat in the future": func() error {
			c, _ := LookupHostile("iat in the future")
			_, err := src.Hostile(ctx, c, Users["alice"], "")
			return err
		},
		"RS384 with the RS256 key": func() error {
			_, err := s.Derive(ctx, "RS384 signed with the RS256 key", Users["alice"], "")
			return err
		},
	}
	for name, f := range checks {
		if err := f(); !errors.Is(err, ErrNeedsSigningKey) {
			t.Errorf("%s: %v, want ErrNeedsSigningKey", name, err)
		}
	}
	// Every hostile case of either catalogue is derived or needs material.
	for _, c := range Hostile {
		if _, err := src.Hostile(ctx, c, Users["alice"], "http://127.0.0.1:9/a"); err != nil {
			if _, ok := IsMaterial(err); !ok {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	}
}

// Every derived token is refused by a verifier of the real issuer: a
// derivation that yields a valid token (or the token itself) fails here.
func TestDerivedTokensAreInvalid(t *testing.T) {
	ri := newRSAIssuer(t)
	valid := ri.mint(t, Users["alice"], time.Now().Add(time.Hour), nil)
	if err := ri.verify(valid); err != nil {
		t.Fatalf("the valid token does not verify: %v", err)
	}
	in := DeriveInput{Token: valid, AttackerURL: "http://127.0.0.1:9/attacker",
		IssuerKeys: map[string]crypto.PublicKey{ri.kid: &ri.key.PublicKey}}
	n := 0
	for name := range derivations {
		tok, err := Derive(name, in)
		if err != nil {
			if _, ok := IsMaterial(err); ok && strings.Contains(name, "EC") {
				continue // no EC key in this issuer's set
			}
			if _, ok := IsMaterial(err); ok && name == "standard base64 alphabet" {
				continue // a signature without '-' or '_' (rare at 256 bytes)
			}
			t.Errorf("%s: %v", name, err)
			continue
		}
		n++
		if err := ri.verify(tok); err == nil {
			t.Errorf("%s: the derived token verifies", name)
		}
	}
	if n < 50 {
		t.Errorf("only %d derivations ran", n)
	}
	// The payload-changed attacks keep the original signature.
	for _, claim := range TamperedClaims {
		tok, err := TamperClaim(valid, claim, "changed")
		if err != nil || tok == valid || !strings.HasSuffix(tok, valid[strings.LastIndexByte(valid, '.'):]) {
			t.Errorf("%s: %v", claim, err)
		}
	}
}

// Discovery follows resource metadata → RFC 8414 metadata → jwks_uri, on
// loopback only.
func TestDiscovery(t *testing.T) {
	ri := newRSAIssuer(t)
	jwk := publicJWK(&ri.key.PublicKey)
	jwk["kid"] = ri.kid
	var srv *httptest.Server
	issuerPath, claimed := "/tenant", ""
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/oauth-protected-resource/mcp":
			fmt.Fprintf(w, `{"resource":%q,"authorization_servers":[%q]}`, srv.URL+"/mcp", srv.URL+issuerPath)
		case "/.well-known/oauth-authorization-server" + issuerPath:
			fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, srv.URL+issuerPath+claimed, srv.URL+"/keys")
		case "/keys":
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{jwk, map[string]any{"kty": "oct", "k": "c2VjcmV0"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	d := &Discovery{}
	keys, err := d.IssuerKeys(context.Background(), srv.URL+"/mcp")
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := keys[ri.kid].(*rsa.PublicKey); !ok || !pub.Equal(&ri.key.PublicKey) || len(keys) != 1 {
		t.Errorf("keys %v, want the issuer's RSA key only", keys)
	}
	// RFC 8414 §3.3: an issuer that differs is not trusted.
	claimed = "/other"
	if _, err := d.JWKSURI(context.Background(), srv.URL+"/mcp"); err == nil || !strings.Contains(err.Error(), "RFC 8414 §3.3") {
		t.Errorf("an issuer mismatch: %v", err)
	}
	// Nothing leaves the machine.
	if _, err := d.FetchKeys(context.Background(), "https://192.0.2.1/keys"); err == nil || !strings.Contains(err.Error(), "jwks_file") {
		t.Errorf("a remote key set: %v", err)
	}
}

// The same_org token plays the member of A's organization whose scopes are
// exactly its own, also where user A appears (narrowOK false); the narrow
// token, A's own, never does there. A same_org token of another
// organization, or of user A, plays no one.
func TestSuppliedSameOrg(t *testing.T) {
	ri := newRSAIssuer(t)
	exp := time.Now().Add(10 * time.Minute)
	alice, bob, erin := Users["alice"], Users["bob"], Users["erin"]
	narrowA := alice
	narrowA.Scopes = []string{"read"}
	files := map[string]string{
		RoleUserA:   ri.mint(t, alice, exp, nil),
		RoleNarrow:  ri.mint(t, narrowA, exp, nil),
		RoleSameOrg: ri.mint(t, erin, exp, nil),
	}
	st := &SuppliedTokens{}
	for role, tok := range files {
		spec := &TokenSpec{File: writeTemp(t, role+".jwt", tok)}
		switch role {
		case RoleUserA:
			st.UserA = spec
		case RoleNarrow:
			st.Narrow = spec
		case RoleSameOrg:
			st.SameOrg = spec
		}
	}
	ctx := context.Background()
	s, err := NewSupplied(ctx, st, "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	tok, played, role, err := s.PlayRole(ctx, erin, false)
	if err != nil || role != RoleSameOrg || tok != files[RoleSameOrg] || played.Subject != "user-erin" {
		t.Fatalf("erin beside alice: %v role %q %+v", err, role, played)
	}
	if tok, _, role, err := s.PlayRole(ctx, bob, true); err != nil || role != RoleNarrow || tok != files[RoleNarrow] {
		t.Fatalf("bob without alice: %v role %q", err, role)
	}
	_, _, _, err = s.PlayRole(ctx, bob, false)
	if me, ok := IsMaterial(err); !ok || me.Need != NeedSameOrg {
		t.Fatalf("bob beside alice, same_org holds write: %v; want a same-org-user material error", err)
	}

	// A same_org token of another organization, or user A's own.
	for name, u := range map[string]User{"another organization": Users["henry"], "user A": alice} {
		v := u
		v.Scopes = []string{"write"}
		st.SameOrg = &TokenSpec{File: writeTemp(t, "other.jwt", ri.mint(t, v, exp, nil))}
		s, err := NewSupplied(ctx, st, "mcp-server")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.PlayRole(ctx, erin, false); err == nil {
			t.Errorf("a same_org token of %s plays erin", name)
		}
	}
}
