package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func startKeySet(t *testing.T) *KeySet {
	t.Helper()
	ks, err := StartKeySet()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ks.Close() })
	for _, u := range []string{ks.URL(), ks.AttackerKeyURL("/x", "jwks")} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("server at %s, want 127.0.0.1", u)
		}
	}
	return ks
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// parseJWKS reads a served set back into public keys, by hand (RFC 7518
// §6), independently of the code that wrote it.
func parseJWKS(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	dec := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("JWK member %q: %v", s, err)
		}
		return new(big.Int).SetBytes(b)
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		switch k["kty"] {
		case "RSA":
			keys[k["kid"]] = &rsa.PublicKey{N: dec(k["n"]), E: int(dec(k["e"]).Int64())}
		case "EC":
			keys[k["kid"]] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: dec(k["x"]), Y: dec(k["y"])}
		default:
			t.Errorf("key of type %q in the set", k["kty"])
		}
		if k["kid"] != "" && !strings.HasPrefix(k["kid"], "rsa-noalg") && (k["alg"] == "" || k["use"] != "sig") {
			t.Errorf("key %s lacks alg or use", k["kid"])
		}
	}
	return keys
}

func TestKeySetServesAndRotates(t *testing.T) {
	ks := startKeySet(t)
	is := &Issuer{Issuer: DefaultIssuer, Audience: DefaultAudience}
	alice := Users["alice"]

	status, body := get(t, ks.URL())
	if status != http.StatusOK {
		t.Fatalf("JWKS: HTTP %d", status)
	}
	keys := parseJWKS(t, body)
	if len(keys) != 3 || keys[ks.Current(AlgRS256)] == nil || keys[ks.Current(AlgES256)] == nil || keys[ks.BareKID()] == nil {
		t.Fatalf("keys %v, want the RS256, ES256 and bare RSA keys", keys)
	}
	for _, alg := range []string{AlgRS256, AlgES256} {
		tok, err := ks.Token(is, alice, alg)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) { return keys[tk.Header["kid"].(string)], nil },
			jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(DefaultIssuer), jwt.WithAudience(DefaultAudience))
		if err != nil || parsed.Claims.(jwt.MapClaims)["sub"] != "user-alice" {
			t.Errorf("%s token does not verify under the served key: %v", alg, err)
		}
	}

	old, next, err := ks.Rotate(AlgRS256)
	if err != nil {
		t.Fatal(err)
	}
	_, body = get(t, ks.URL())
	keys = parseJWKS(t, body)
	if keys[old] != nil || keys[next] == nil || ks.Current(AlgRS256) != next {
		t.Errorf("after rotation: old in set %v, new in set %v, current %s", keys[old] != nil, keys[next] != nil, ks.Current(AlgRS256))
	}
	if _, err := ks.TokenFrom(is, alice, old, nil, nil); err != nil {
		t.Errorf("the rotated-out key can no longer sign: %v", err)
	}
	pub, err := ks.Publish(AlgES256)
	if err != nil {
		t.Fatal(err)
	}
	unpub, err := ks.Unpublished(AlgRS256)
	if err != nil {
		t.Fatal(err)
	}
	_, body = get(t, ks.URL())
	keys = parseJWKS(t, body)
	if keys[pub] == nil || keys[unpub] != nil || ks.Current(AlgES256) == pub {
		t.Errorf("published %v, unpublished %v, current ES256 %s", keys[pub] != nil, keys[unpub] != nil, ks.Current(AlgES256))
	}

	ks.SetDown(true)
	if status, _ := get(t, ks.URL()); status != http.StatusServiceUnavailable {
		t.Errorf("down: HTTP %d, want 503", status)
	}
	ks.SetDown(false)
	if n := ks.Hits(); n != 4 {
		t.Errorf("%d hits, want 4", n)
	}
}

func TestKeySetAttackerServer(t *testing.T) {
	ks := startKeySet(t)
	status, body := get(t, ks.AttackerKeyURL("/scenario-1", "jwks"))
	keys := parseJWKS(t, body)
	if status != http.StatusOK || keys[ks.Current(AlgRS256)] == nil {
		t.Fatalf("attacker JWKS: HTTP %d, %s", status, body)
	}
	if !keys[ks.Current(AlgRS256)].(*rsa.PublicKey).Equal(ks.attacker.signer.Public()) {
		t.Error("the attacker JWKS does not hold the attacker's key")
	}
	_, body = get(t, ks.AttackerKeyURL("/scenario-1", "x5u"))
	block, _ := pem.Decode(body)
	if block == nil {
		t.Fatalf("x5u: not PEM: %q", body)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.PublicKey.(*rsa.PublicKey).Equal(ks.attacker.signer.Public()) {
		t.Errorf("x5u certificate: %v", err)
	}
	if n, m := ks.AttackerHits("/scenario-1"), ks.AttackerHits("/scenario-2"); n != 2 || m != 0 {
		t.Errorf("hits %d and %d, want 2 and 0", n, m)
	}
	if n := ks.AttackerHits("/scenario"); n != 0 {
		t.Errorf("a prefix of another scenario's path counts its hits: %d", n)
	}
}

// TestJWKSHostileCases: every case builds, and each family is what its name
// says (checked on the token, not by the target).
func TestJWKSHostileCases(t *testing.T) {
	ks := startKeySet(t)
	is := &Issuer{Issuer: DefaultIssuer, Audience: DefaultAudience}
	seen := map[string]bool{}
	for _, c := range JWKSHostile {
		if seen[c.Name] {
			t.Errorf("duplicate case %q", c.Name)
		}
		seen[c.Name] = true
		if _, err := LookupHostile(c.Name); err == nil {
			t.Errorf("%q is also a Hostile case name", c.Name)
		}
		tok, err := c.Build(ks, is, Users["alice"], "/p")
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if strings.Count(tok, ".") != 2 || c.Rule == "" {
			t.Errorf("%s: not a compact JWS, or no rule", c.Name)
		}
	}
	if _, err := LookupJWKSHostile("key confusion: RSA public key as pem"); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("misspelt name: %v", err)
	}

	// Key confusion: HS256 over the public key's bytes, which is what a
	// confused verifier would compute.
	c, _ := LookupJWKSHostile("key confusion: RSA public key as PEM")
	tok, _ := c.Build(ks, is, Users["alice"], "/p")
	k, _ := ks.key(ks.Current(AlgRS256))
	der, _ := x509.MarshalPKIXPublicKey(k.signer.Public())
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	i := strings.LastIndexByte(tok, '.')
	m := hmac.New(sha256.New, pemKey)
	m.Write([]byte(tok[:i]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != tok[i+1:] {
		t.Error("the PEM confusion token is not HMAC-SHA256 under the PEM public key")
	}

	// Psychic signature: 64 zero bytes.
	c, _ = LookupJWKSHostile("psychic signature r=s=0")
	tok, _ = c.Build(ks, is, Users["alice"], "/p")
	if tok[strings.LastIndexByte(tok, '.')+1:] != strings.Repeat("A", 86) {
		t.Error("the psychic signature is not r = s = 0")
	}

	// alg/key mismatch cases verify under the key that signed them: only
	// the alg-to-key binding can refuse them.
	for _, name := range []string{"RS384 signed with the RS256 key", "PS256 signed with the RS256 key", "ES256 signed by the EC key, kid of the RSA key"} {
		c, _ := LookupJWKSHostile(name)
		tok, _ := c.Build(ks, is, Users["alice"], "/p")
		_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
			if tk.Method.Alg() == AlgES256 {
				k, _ := ks.key(ks.Current(AlgES256))
				return k.signer.Public(), nil
			}
			k, _ := ks.key(ks.Current(AlgRS256))
			return k.signer.Public(), nil
		}, jwt.WithoutClaimsValidation())
		if err != nil {
			t.Errorf("%s: not correctly signed: %v", name, err)
		}
	}

	// Nothing was fetched while building.
	if n := ks.AttackerHits("/p"); n != 0 {
		t.Errorf("building fetched the attacker server %d times", n)
	}
}

// TestJWKSHostileRefusedByRefserver: the reference verifier refuses every
// case, and accepts the key set's valid tokens: the catalogue and the
// reference agree before the scenarios run.
func TestJWKSHostileRefusedByRefserver(t *testing.T) {
	ks := startKeySet(t)
	is := &Issuer{Issuer: DefaultIssuer, Audience: DefaultAudience}
	v, err := refserver.NewJWKSVerifier(refserver.JWKSConfig{URL: ks.URL(), Issuer: DefaultIssuer, Audience: DefaultAudience, Leeway: refserver.DefaultLeeway})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, alg := range []string{AlgRS256, AlgES256} {
		tok, _ := ks.Token(is, Users["bob"], alg)
		if c, err := v.Verify(context.Background(), tok); err != nil || c.Subject != "user-bob" {
			t.Errorf("%s: %v", alg, err)
		}
	}
	tok, _ := ks.TokenFrom(is, Users["bob"], ks.BareKID(), nil, nil)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Errorf("bare RSA key: %v", err)
	}
	for _, c := range JWKSHostile {
		tok, err := c.Build(ks, is, Users["alice"], "/p")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), tok); err == nil {
			t.Errorf("%s: accepted", c.Name)
		} else if errors.Is(err, refserver.ErrExpired) {
			t.Errorf("%s: refused only as expired", c.Name)
		}
	}
	if n := ks.AttackerHits("/p"); n != 0 {
		t.Errorf("the reference verifier fetched the attacker server %d times", n)
	}
}

func TestLoadProfileKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(keys string) string {
		p := dir + "/" + strings.ReplaceAll(keys, " ", "_") + ".yaml"
		body := "target_url: http://127.0.0.1:1/mcp\nsecret_env: X\n"
		if keys != "" {
			body += "keys: " + keys + "\n"
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, ok := range []string{"", "hs256"} {
		if _, err := LoadProfile(write(ok)); err != nil {
			t.Errorf("keys %q: %v", ok, err)
		}
	}
	if _, err := LoadProfile(write("jwks")); !errors.Is(err, ErrJWKSExternal) || strings.Contains(err.Error(), "\n") {
		t.Errorf("keys jwks: %v, want ErrJWKSExternal on one line", err)
	}
	if _, err := LoadProfile(write("rs256")); err == nil {
		t.Error("keys rs256 accepted")
	}
}
