package harness

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// testNow is the frozen clock of the tests.
var testNow = time.Unix(1_750_000_000, 0)

func testIssuer(t *testing.T) *Issuer {
	t.Helper()
	is, err := NewIssuer("core-app", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	is.Now = func() time.Time { return testNow }
	return is
}

// jws is a token split into its parts and decoded as base64url.
type jws struct {
	parts                []string
	header, payload, sig []byte
	headerErr, sigErr    error
	payloadErr           error
}

func split(tok string) jws {
	j := jws{parts: strings.Split(tok, ".")}
	dec := base64.RawURLEncoding.DecodeString
	if len(j.parts) > 0 {
		j.header, j.headerErr = dec(j.parts[0])
	}
	if len(j.parts) > 1 {
		j.payload, j.payloadErr = dec(j.parts[1])
	}
	if len(j.parts) > 2 {
		j.sig, j.sigErr = dec(j.parts[2])
	}
	return j
}

func (j jws) input() string { return j.parts[0] + "." + j.parts[1] }

// verifies reports whether the token's third part is the HMAC (h) with key
// of its first two.
func (j jws) verifies(h func() hash.Hash, key []byte) bool {
	if len(j.parts) < 3 || j.sigErr != nil {
		return false
	}
	return hmac.Equal(j.sig, hmacSum(h, key, j.input()))
}

func (j jws) claims(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	if j.payloadErr != nil {
		t.Fatalf("payload is not base64url: %v", j.payloadErr)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(j.payload, &m); err != nil {
		t.Fatalf("payload %s: %v", j.payload, err)
	}
	return m
}

func (j jws) headerMap(t *testing.T) map[string]any {
	t.Helper()
	if j.headerErr != nil {
		t.Fatalf("header is not base64url: %v", j.headerErr)
	}
	var m map[string]any
	if err := json.Unmarshal(j.header, &m); err != nil {
		t.Fatalf("header %s: %v", j.header, err)
	}
	return m
}

func TestNewIssuer(t *testing.T) {
	a, err := NewIssuer("core-app", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewIssuer("core-app", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	// 256 random bits, hex-encoded so that it can travel in an environment
	// variable.
	if len(a.Secret) != 64 || strings.Trim(string(a.Secret), "0123456789abcdef") != "" {
		t.Errorf("secret is %d bytes (%s), want 64 hex digits", len(a.Secret), Fingerprint(string(a.Secret)))
	}
	if bytes.Equal(a.Secret, b.Secret) {
		t.Error("two issuers share a secret")
	}
	if a.Issuer != "core-app" || a.Audience != "mcp-server" || a.Now != nil || a.AttackerURL != "" {
		t.Errorf("NewIssuer = %+v", a)
	}
	if d := time.Since(a.now()); d < 0 || d > time.Minute {
		t.Errorf("nil Now is not time.Now: off by %v", d)
	}
}

func TestUsers(t *testing.T) {
	type row struct {
		sub, org, scope, email string
	}
	want := map[string]row{
		"alice": {"user-alice", "org-acme", "read write admin", "alice@acme.example"},
		"bob":   {"user-bob", "org-acme", "read", "bob@acme.example"},
		"carol": {"user-carol", "org-globex", "read write admin", "carol@globex.example"},
		"dave":  {"user-dave", "org-globex", "read", "dave@globex.example"},
		"erin":  {"user-erin", "org-acme", "write", "erin@acme.example"},
		"frank": {"user-frank", "org-globex", "admin", "frank@globex.example"},
		"gina":  {"user-gina", "org-acme", "", "gina@acme.example"},
		"henry": {"user-henry", "org-globex", "read write", "henry@globex.example"},
	}
	got := map[string]row{}
	for name, u := range Users {
		if u.Name != name {
			t.Errorf("Users[%q].Name = %q", name, u.Name)
		}
		if u.Scopes == nil {
			t.Errorf("Users[%q].Scopes is nil", name)
		}
		got[name] = row{u.Subject, u.OrgID, strings.Join(u.Scopes, " "), u.Email}
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(row{})); d != "" {
		t.Errorf("Users (-want +got):\n%s", d)
	}
}

func TestLookupUser(t *testing.T) {
	u, err := LookupUser("bob")
	if err != nil || u.Subject != "user-bob" {
		t.Fatalf("LookupUser(bob) = %+v, %v", u, err)
	}
	u.Scopes[0] = "admin"
	if Users["bob"].Scopes[0] != "read" {
		t.Error("LookupUser shares its Scopes with Users")
	}
	_, err = LookupUser("mallory")
	if err == nil {
		t.Fatal("LookupUser(mallory): no error")
	}
	for name := range Users {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestToken(t *testing.T) {
	is := testIssuer(t)
	for name, u := range Users {
		t.Run(name, func(t *testing.T) {
			tok, err := is.Token(u)
			if err != nil {
				t.Fatal(err)
			}
			j := split(tok)
			if string(j.header) != `{"alg":"HS256","typ":"JWT"}` {
				t.Errorf("header = %s", j.header)
			}
			p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("core-app"),
				jwt.WithAudience("mcp-server"), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
				jwt.WithTimeFunc(func() time.Time { return testNow }))
			var claims jwt.MapClaims
			if _, err := p.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return is.Secret, nil }); err != nil {
				t.Fatalf("golang-jwt rejects the token: %v", err)
			}
			now := float64(testNow.Unix())
			jti, _ := claims["jti"].(string)
			if len(jti) != 32 {
				t.Errorf("jti = %q", jti)
			}
			delete(claims, "jti")
			want := jwt.MapClaims{
				"iss": "core-app", "aud": "mcp-server", "sub": u.Subject, "org_id": u.OrgID,
				"scope": strings.Join(u.Scopes, " "), "email": u.Email, "name": u.DisplayName(),
				"iat": now, "exp": now + 600,
			}
			if d := cmp.Diff(want, claims); d != "" {
				t.Errorf("claims (-want +got):\n%s", d)
			}
		})
	}
	a, _ := is.Token(Users["alice"])
	b, _ := is.Token(Users["alice"])
	if a == b {
		t.Error("two tokens of alice are equal: jti is not random")
	}
	if got := Users["gina"].DisplayName(); got != "Gina" {
		t.Errorf("DisplayName = %q", got)
	}
}

func TestTokenWith(t *testing.T) {
	is := testIssuer(t)
	alice := Users["alice"]
	tests := []struct {
		name  string
		set   map[string]json.RawMessage
		del   []string
		want  map[string]string // claim -> compact JSON; "" means absent
		error bool
	}{
		{name: "null", set: map[string]json.RawMessage{"exp": json.RawMessage("null")}, want: map[string]string{"exp": "null"}},
		{name: "string", set: map[string]json.RawMessage{"exp": json.RawMessage(`"soon"`)}, want: map[string]string{"exp": `"soon"`}},
		{name: "zero", set: map[string]json.RawMessage{"exp": json.RawMessage("0")}, want: map[string]string{"exp": "0"}},
		{name: "array", set: map[string]json.RawMessage{"aud": json.RawMessage(` ["a", "b"] `)}, want: map[string]string{"aud": `["a","b"]`}},
		{name: "exact numbers", set: map[string]json.RawMessage{"exp": json.RawMessage("123456789012345678901234567890"), "nbf": json.RawMessage("1.50")},
			want: map[string]string{"exp": "123456789012345678901234567890", "nbf": "1.50"}},
		{name: "new claim", set: map[string]json.RawMessage{"x": json.RawMessage(`{"a":1}`)}, want: map[string]string{"x": `{"a":1}`, "sub": `"user-alice"`}},
		{name: "delete", del: []string{"exp", "org_id"}, want: map[string]string{"exp": "", "org_id": "", "sub": `"user-alice"`}},
		{name: "set then delete", set: map[string]json.RawMessage{"exp": json.RawMessage("1")}, del: []string{"exp"}, want: map[string]string{"exp": ""}},
		{name: "not json", set: map[string]json.RawMessage{"exp": json.RawMessage("soon")}, error: true},
		{name: "two values", set: map[string]json.RawMessage{"exp": json.RawMessage("1 2")}, error: true},
		{name: "empty", set: map[string]json.RawMessage{"exp": json.RawMessage("")}, error: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := is.TokenWith(alice, tt.set, tt.del)
			if tt.error {
				if err == nil {
					t.Fatalf("no error; token %s", Fingerprint(tok))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			j := split(tok)
			if !j.verifies(sha256.New, is.Secret) {
				t.Error("not signed with the issuer's secret")
			}
			claims := j.claims(t)
			for name, want := range tt.want {
				got, ok := claims[name]
				switch {
				case want == "" && ok:
					t.Errorf("%s = %s, want absent", name, got)
				case want != "" && string(got) != want:
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

func TestSignRaw(t *testing.T) {
	is := testIssuer(t)
	header := []byte(`{"alg":"HS256", "alg":"x"}`)
	payload := []byte("not json\x00")
	tok := is.SignRaw(header, payload, nil)
	j := split(tok)
	if len(j.parts) != 3 || !bytes.Equal(j.header, header) || !bytes.Equal(j.payload, payload) {
		t.Fatalf("SignRaw did not keep the bytes: %q %q", j.header, j.payload)
	}
	if strings.ContainsAny(tok, "=+/") {
		t.Errorf("not unpadded base64url: %s", tok)
	}
	if !j.verifies(sha256.New, is.Secret) {
		t.Error("nil key: not signed with the issuer's secret")
	}
	if !split(is.SignRaw(header, payload, []byte{})).verifies(sha256.New, []byte{}) {
		t.Error("empty key: not signed with the empty key")
	}
	if split(is.SignRaw(header, payload, []byte{})).verifies(sha256.New, is.Secret) {
		t.Error("empty key: signed with the issuer's secret")
	}
}

func TestFingerprint(t *testing.T) {
	is := testIssuer(t)
	seen := map[string]bool{}
	for _, name := range []string{"alice", "bob", "carol"} {
		tok, err := is.Token(Users[name])
		if err != nil {
			t.Fatal(err)
		}
		fp := Fingerprint(tok)
		if _, err := hex.DecodeString(fp); err != nil || len(fp) != 8 {
			t.Errorf("Fingerprint = %q, want 8 hex characters", fp)
		}
		if fp != Fingerprint(tok) {
			t.Error("Fingerprint is not deterministic")
		}
		if fp == tok || strings.Contains(fp, tok) || strings.Contains(tok, fp) {
			t.Errorf("Fingerprint %q reveals the token", fp)
		}
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(part, fp) {
				t.Errorf("Fingerprint %q appears in the token", fp)
			}
		}
		if seen[fp] {
			t.Errorf("Fingerprint %q repeats", fp)
		}
		seen[fp] = true
	}
	if Fingerprint("a.b.c") == Fingerprint("a.b.d") {
		t.Error("Fingerprint ignores the signature")
	}
}
