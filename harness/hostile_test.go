package harness

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const testAttackerURL = "http://127.0.0.1:1/attack/42"

func TestCatalogue(t *testing.T) {
	seen := map[string]string{}
	for list, cases := range map[string][]HostileCase{"Hostile": Hostile, "Acceptable": Acceptable} {
		for _, c := range cases {
			if prev, dup := seen[c.Name]; dup {
				t.Errorf("%s: name %q repeats (also in %s)", list, c.Name, prev)
			}
			seen[c.Name] = list
			if c.Name == "" || c.Name != strings.TrimSpace(c.Name) || strings.ContainsAny(c.Name, "\"\n\t") {
				t.Errorf("%s: name %q cannot be quoted in a feature file", list, c.Name)
			}
			if strings.TrimSpace(c.Rule) == "" {
				t.Errorf("%s: %q has no Rule", list, c.Name)
			}
			if c.Build == nil {
				t.Errorf("%s: %q has no Build", list, c.Name)
			}
		}
	}
	// The cases the brief requires, by name.
	for _, name := range []string{
		"two segments", "four segments", "padded base64", "standard base64 alphabet", "header not json",
		"payload not json", "payload json array", "jwe compact", "json serialization", "empty token segments",
		"alg none, no signature", "alg none, with signature", "alg None", "alg NONE", "alg nOnE", "alg missing",
		"alg lowercase hs256", "alg HS384", "alg HS512", "duplicate alg keys", "duplicate alg keys, HS256 first",
		"tampered payload", "truncated signature", "empty signature", "null signature bytes", "wrong secret",
		"weak secret secret", "weak secret password", "weak secret empty", "weak secret changeme",
		"weak secret your-256-bit-secret", "crit header", "embedded jwk", "jku header", "x5u header",
		"kid path traversal", "kid sql injection", "kid command injection", "huge token",
		"oversized valid-looking token", "exp in the past", "exp missing", "exp zero", "exp null", "exp string", "exp string in the past",
		"exp duplicated as EXP", "exp expired, EXP valid", "nbf in the future", "iat in the future", "iss wrong",
		"iss missing", "iss number", "aud missing", "aud other", "aud wrong case", "aud empty array", "aud number",
		"sub missing", "org_id missing", "duplicate exp keys", "duplicate exp keys, expired last", "exp just outside leeway",
	} {
		if seen[name] != "Hostile" {
			t.Errorf("Hostile lacks %q", name)
		}
	}
	for _, name := range []string{"aud array containing ours", "exp just inside leeway", "nbf just inside leeway", "typ at+jwt"} {
		if seen[name] != "Acceptable" {
			t.Errorf("Acceptable lacks %q", name)
		}
	}
}

func TestLookupHostile(t *testing.T) {
	for _, c := range Hostile {
		got, err := LookupHostile(c.Name)
		if err != nil || got.Name != c.Name {
			t.Errorf("LookupHostile(%q) = %q, %v", c.Name, got.Name, err)
		}
	}
	tests := []struct {
		name    string
		mention []string
	}{
		{"alg none", []string{`"alg none, no signature"`, `"alg none, with signature"`}},
		{"alg hs384", []string{`"alg HS384"`}},
		{"weak secret secrets", []string{`"weak secret secret"`}},
		{"expired", []string{`"exp expired, EXP valid"`}},
		{"qwertyuiopasdfgh", []string{"harness.Hostile"}},
		{"typ at+jwt", []string{"acceptable"}},
		{"", []string{"harness.Hostile"}},
	}
	for _, tt := range tests {
		_, err := LookupHostile(tt.name)
		if err == nil {
			t.Errorf("LookupHostile(%q): no error", tt.name)
			continue
		}
		for _, m := range tt.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("LookupHostile(%q) error %q does not mention %s", tt.name, err, m)
			}
		}
	}
}

func TestNeedsURL(t *testing.T) {
	is := testIssuer(t)
	n := 0
	for _, c := range Hostile {
		if !c.NeedsURL {
			continue
		}
		n++
		if tok, err := c.Build(is, Users["alice"]); err == nil {
			t.Errorf("%q built without AttackerURL: %s", c.Name, Fingerprint(tok))
		}
	}
	if n != 2 {
		t.Errorf("%d cases need a URL, want 2 (jku, x5u)", n)
	}
}

// claimIs checks that the payload verifies with the real secret and that
// each named claim has the given compact JSON text ("" means absent).
func claimIs(want map[string]string) func(t *testing.T, is *Issuer, u User, j jws) {
	return func(t *testing.T, is *Issuer, u User, j jws) {
		t.Helper()
		if string(j.header) != hs256Header {
			t.Errorf("header = %s", j.header)
		}
		if !j.verifies(sha256.New, is.Secret) {
			t.Error("not signed with the real secret")
		}
		claims := j.claims(t)
		for name, w := range want {
			got, ok := claims[name]
			switch {
			case w == "" && ok:
				t.Errorf("%s = %s, want absent", name, got)
			case w != "" && string(got) != w:
				t.Errorf("%s = %s, want %s", name, got, w)
			}
		}
	}
}

func n(v int64) string { return fmt.Sprint(v) }

// signedWith checks that the token's header has the given parameters
// (compact JSON values), that it verifies with key and, unless key is the
// real secret, not with the real secret.
func signedWith(key []byte, params map[string]string) func(t *testing.T, is *Issuer, u User, j jws) {
	return func(t *testing.T, is *Issuer, u User, j jws) {
		t.Helper()
		if len(j.parts) != 3 {
			t.Fatalf("%d parts", len(j.parts))
		}
		k := key
		if k == nil {
			k = is.Secret
		}
		if !j.verifies(sha256.New, k) {
			t.Errorf("does not verify with key %q", k)
		}
		if key != nil && j.verifies(sha256.New, is.Secret) {
			t.Error("verifies with the real secret")
		}
		var h map[string]json.RawMessage
		if err := json.Unmarshal(j.header, &h); err != nil {
			t.Fatalf("header %s: %v", j.header, err)
		}
		for name, want := range params {
			got, ok := h[name]
			switch {
			case want == "" && ok:
				t.Errorf("header %s = %s, want absent", name, got)
			case want != "" && string(got) != want:
				t.Errorf("header %s = %s, want %s", name, got, want)
			}
		}
		if string(j.claims(t)["sub"]) != fmt.Sprintf("%q", u.Subject) {
			t.Errorf("sub = %s", j.claims(t)["sub"])
		}
	}
}

func unsecuredAs(alg string) func(t *testing.T, is *Issuer, u User, j jws) {
	return func(t *testing.T, is *Issuer, u User, j jws) {
		if got := j.headerMap(t)["alg"]; got != alg {
			t.Errorf("alg = %v, want %q", got, alg)
		}
		if len(j.parts) != 3 || j.parts[2] != "" {
			t.Errorf("signature part %q, want empty", j.parts[2:])
		}
		if string(j.claims(t)["sub"]) != fmt.Sprintf("%q", u.Subject) {
			t.Error("payload is not the user's claims")
		}
	}
}

// hostileChecks assert that each Hostile token has the shape its name says.
// Every Hostile case must have one.
func hostileChecks() map[string]func(t *testing.T, is *Issuer, u User, j jws) {
	now := testNow.Unix()
	checks := map[string]func(t *testing.T, is *Issuer, u User, j jws){
		"two segments": func(t *testing.T, is *Issuer, u User, j jws) {
			if len(j.parts) != 2 || string(j.header) != hs256Header {
				t.Errorf("parts %d, header %s", len(j.parts), j.header)
			}
			j.claims(t)
		},
		"four segments": func(t *testing.T, is *Issuer, u User, j jws) {
			if len(j.parts) != 4 || !j.verifies(sha256.New, is.Secret) {
				t.Errorf("parts %d, want 4 with a valid token in front", len(j.parts))
			}
		},
		"padded base64": func(t *testing.T, is *Issuer, u User, j jws) {
			if len(j.parts) != 3 || !strings.HasSuffix(j.parts[1], "=") || !strings.HasSuffix(j.parts[2], "=") {
				t.Fatalf("payload and signature not padded: %d parts", len(j.parts))
			}
			if j.payloadErr == nil || j.sigErr == nil {
				t.Error("padded parts decode as unpadded base64url")
			}
			p, err := base64.URLEncoding.DecodeString(j.parts[1])
			s, err2 := base64.URLEncoding.DecodeString(j.parts[2])
			if err != nil || err2 != nil || !json.Valid(p) {
				t.Fatalf("not padded base64url of JSON: %v %v", err, err2)
			}
			if !bytes.Equal(s, hmacSum(sha256.New, is.Secret, j.input())) {
				t.Error("HMAC is not over the padded text")
			}
		},
		"standard base64 alphabet": func(t *testing.T, is *Issuer, u User, j jws) {
			if !strings.ContainsAny(j.parts[1], "+/") {
				t.Fatal("payload has no '+' or '/'")
			}
			if j.payloadErr == nil {
				t.Error("payload decodes as base64url")
			}
			p, err := base64.RawStdEncoding.DecodeString(j.parts[1])
			s, err2 := base64.RawStdEncoding.DecodeString(j.parts[2])
			if err != nil || err2 != nil || !json.Valid(p) {
				t.Fatalf("not standard base64 of JSON: %v %v", err, err2)
			}
			if !bytes.Equal(s, hmacSum(sha256.New, is.Secret, j.input())) {
				t.Error("HMAC is not over the literal text")
			}
		},
		"header not json": func(t *testing.T, is *Issuer, u User, j jws) {
			if json.Valid(j.header) || !j.verifies(sha256.New, is.Secret) {
				t.Errorf("header %s, verifies %v", j.header, j.verifies(sha256.New, is.Secret))
			}
		},
		"payload not json": func(t *testing.T, is *Issuer, u User, j jws) {
			if json.Valid(j.payload) || !j.verifies(sha256.New, is.Secret) {
				t.Errorf("payload %s, verifies %v", j.payload, j.verifies(sha256.New, is.Secret))
			}
		},
		"payload json array": func(t *testing.T, is *Issuer, u User, j jws) {
			var a []map[string]any
			if err := json.Unmarshal(j.payload, &a); err != nil || len(a) != 1 || a[0]["sub"] != u.Subject {
				t.Errorf("payload %s: %v", j.payload, err)
			}
			if !j.verifies(sha256.New, is.Secret) {
				t.Error("not signed")
			}
		},
		"jwe compact": func(t *testing.T, is *Issuer, u User, j jws) {
			if len(j.parts) != 5 || j.parts[1] != "" {
				t.Fatalf("%d parts, encrypted key %q", len(j.parts), j.parts[1])
			}
			h := j.headerMap(t)
			if h["alg"] != "dir" || h["enc"] != "A256GCM" {
				t.Errorf("header %s", j.header)
			}
			dec := base64.RawURLEncoding.DecodeString
			iv, _ := dec(j.parts[2])
			ct, _ := dec(j.parts[3])
			tag, _ := dec(j.parts[4])
			key := is.Secret
			if len(key) != 32 {
				sum := sha256.Sum256(key)
				key = sum[:]
			}
			block, _ := aes.NewCipher(key)
			gcm, _ := cipher.NewGCM(block)
			plain, err := gcm.Open(nil, iv, append(ct, tag...), []byte(j.parts[0]))
			if err != nil {
				t.Fatalf("does not decrypt with the secret: %v", err)
			}
			var c map[string]any
			if err := json.Unmarshal(plain, &c); err != nil || c["sub"] != u.Subject {
				t.Errorf("plaintext %s: %v", plain, err)
			}
		},
		"json serialization": func(t *testing.T, is *Issuer, u User, j jws) {
			var m map[string]string
			tok := strings.Join(j.parts, ".")
			if err := json.Unmarshal([]byte(tok), &m); err != nil || len(m) != 3 {
				t.Fatalf("not a flattened JWS JSON object: %v", err)
			}
			if !split(m["protected"]+"."+m["payload"]+"."+m["signature"]).verifies(sha256.New, is.Secret) {
				t.Error("not signed")
			}
		},
		"empty token segments": func(t *testing.T, is *Issuer, u User, j jws) {
			if strings.Join(j.parts, ".") != ".." {
				t.Errorf("token %q", strings.Join(j.parts, "."))
			}
		},
		"alg none, no signature": unsecuredAs("none"),
		"alg None":               unsecuredAs("None"),
		"alg NONE":               unsecuredAs("NONE"),
		"alg nOnE":               unsecuredAs("nOnE"),
		"alg none, with signature": func(t *testing.T, is *Issuer, u User, j jws) {
			if j.headerMap(t)["alg"] != "none" || len(j.sig) != 32 {
				t.Errorf("alg %v, signature %d bytes", j.headerMap(t)["alg"], len(j.sig))
			}
			if j.verifies(sha256.New, is.Secret) {
				t.Error("signature verifies over the none header")
			}
			// It is the signature of the same payload under the HS256 header.
			orig := b64([]byte(hs256Header)) + "." + j.parts[1]
			if !bytes.Equal(j.sig, hmacSum(sha256.New, is.Secret, orig)) {
				t.Error("not the original HS256 signature")
			}
		},
		"alg missing":         signedWith(nil, map[string]string{"alg": "", "typ": `"JWT"`}),
		"alg lowercase hs256": signedWith(nil, map[string]string{"alg": `"hs256"`}),
		"alg HS384": func(t *testing.T, is *Issuer, u User, j jws) {
			if j.headerMap(t)["alg"] != "HS384" || len(j.sig) != 48 || !j.verifies(sha512.New384, is.Secret) {
				t.Errorf("header %s, %d-byte signature", j.header, len(j.sig))
			}
		},
		"alg HS512": func(t *testing.T, is *Issuer, u User, j jws) {
			if j.headerMap(t)["alg"] != "HS512" || len(j.sig) != 64 || !j.verifies(sha512.New, is.Secret) {
				t.Errorf("header %s, %d-byte signature", j.header, len(j.sig))
			}
		},
		"duplicate alg keys": func(t *testing.T, is *Issuer, u User, j jws) {
			if string(j.header) != `{"alg":"none","alg":"HS256","typ":"JWT"}` || !j.verifies(sha256.New, is.Secret) {
				t.Errorf("header %s", j.header)
			}
		},
		"duplicate alg keys, HS256 first": func(t *testing.T, is *Issuer, u User, j jws) {
			if string(j.header) != `{"alg":"HS256","alg":"none","typ":"JWT"}` || !j.verifies(sha256.New, is.Secret) {
				t.Errorf("header %s", j.header)
			}
		},
		"tampered payload": func(t *testing.T, is *Issuer, u User, j jws) {
			other := map[string]string{"org-acme": "org-globex", "org-globex": "org-acme"}[u.OrgID]
			c := j.claims(t)
			if string(c["org_id"]) != fmt.Sprintf("%q", other) {
				t.Errorf("org_id = %s, want %s", c["org_id"], other)
			}
			if j.verifies(sha256.New, is.Secret) {
				t.Error("signature verifies")
			}
			orig := strings.Replace(string(j.payload), `"org_id":"`+other+`"`, `"org_id":"`+u.OrgID+`"`, 1)
			if !split(j.parts[0]+"."+b64([]byte(orig))+"."+j.parts[2]).verifies(sha256.New, is.Secret) {
				t.Error("the signature is not the original one")
			}
		},
		"truncated signature": func(t *testing.T, is *Issuer, u User, j jws) {
			full := hmacSum(sha256.New, is.Secret, j.input())
			if len(j.sig) != 16 || !bytes.Equal(j.sig, full[:16]) {
				t.Errorf("signature %x, want the first 16 bytes of %x", j.sig, full)
			}
		},
		"empty signature": func(t *testing.T, is *Issuer, u User, j jws) {
			if string(j.header) != hs256Header || len(j.parts) != 3 || j.parts[2] != "" {
				t.Errorf("header %s, parts %q", j.header, j.parts[2:])
			}
		},
		"null signature bytes": func(t *testing.T, is *Issuer, u User, j jws) {
			if !bytes.Equal(j.sig, make([]byte, 32)) || string(j.header) != hs256Header {
				t.Errorf("signature %x", j.sig)
			}
		},
		"wrong secret": func(t *testing.T, is *Issuer, u User, j jws) {
			if len(j.sig) != 32 || j.verifies(sha256.New, is.Secret) || string(j.header) != hs256Header {
				t.Errorf("header %s, signature %d bytes", j.header, len(j.sig))
			}
		},
		"weak secret secret":              signedWith([]byte("secret"), map[string]string{"alg": `"HS256"`}),
		"weak secret password":            signedWith([]byte("password"), map[string]string{"alg": `"HS256"`}),
		"weak secret empty":               signedWith([]byte{}, map[string]string{"alg": `"HS256"`}),
		"weak secret changeme":            signedWith([]byte("changeme"), map[string]string{"alg": `"HS256"`}),
		"weak secret your-256-bit-secret": signedWith([]byte("your-256-bit-secret"), map[string]string{"alg": `"HS256"`}),
		"crit header": func(t *testing.T, is *Issuer, u User, j jws) {
			signedWith(nil, map[string]string{"crit": `["exp"]`, "exp": n(now + 600)})(t, is, u, j)
		},
		"embedded jwk": func(t *testing.T, is *Issuer, u User, j jws) {
			signedWith(AttackerKey, nil)(t, is, u, j)
			jwk, _ := j.headerMap(t)["jwk"].(map[string]any)
			k, _ := base64.RawURLEncoding.DecodeString(fmt.Sprint(jwk["k"]))
			if jwk["kty"] != "oct" || !bytes.Equal(k, AttackerKey) {
				t.Errorf("jwk = %v", jwk)
			}
		},
		"jku header":            signedWith(AttackerKey, map[string]string{"jku": `"` + testAttackerURL + `"`, "kid": `"attacker"`}),
		"x5u header":            signedWith(AttackerKey, map[string]string{"x5u": `"` + testAttackerURL + `"`}),
		"kid path traversal":    signedWith([]byte{}, map[string]string{"kid": `"../../../../dev/null"`}),
		"kid sql injection":     signedWith([]byte("secret"), map[string]string{"kid": `"x' UNION SELECT 'secret'--"`}),
		"kid command injection": signedWith([]byte{}, map[string]string{"kid": `"|sleep 5"`}),
		"huge token": func(t *testing.T, is *Issuer, u User, j jws) {
			tok := strings.Join(j.parts, ".")
			if len(tok) <= 1<<20 || strings.Count(tok, ".") != 1<<20 || string(j.header) != hs256Header {
				t.Errorf("%d bytes, %d dots, header %s", len(tok), strings.Count(tok, "."), j.header)
			}
		},
		"oversized valid-looking token": func(t *testing.T, is *Issuer, u User, j jws) {
			claimIs(map[string]string{"sub": fmt.Sprintf("%q", u.Subject), "exp": n(now + 600)})(t, is, u, j)
			if tok := strings.Join(j.parts, "."); len(tok) < 16<<10 {
				t.Errorf("only %d bytes", len(tok))
			}
			if p := j.claims(t)["padding"]; len(p) != 16<<10+2 {
				t.Errorf("padding claim is %d bytes", len(p))
			}
		},
		"exp in the past":         claimIs(map[string]string{"exp": n(now - 3600), "iat": n(now - 4200)}),
		"exp just outside leeway": claimIs(map[string]string{"exp": n(now - 360), "iat": n(now - 960)}),
		"exp missing":             claimIs(map[string]string{"exp": "", "iat": n(now)}),
		"exp zero":                claimIs(map[string]string{"exp": "0"}),
		"exp null":                claimIs(map[string]string{"exp": "null"}),
		"exp string":              claimIs(map[string]string{"exp": `"` + n(now+600) + `"`}),
		"exp string in the past":  claimIs(map[string]string{"exp": `"` + n(now-3600) + `"`}),
		"exp duplicated as EXP":   claimIs(map[string]string{"exp": n(now + 600), "EXP": n(now + 10*365*24*3600)}),
		"exp expired, EXP valid":  claimIs(map[string]string{"exp": n(now - 3600), "EXP": n(now + 600)}),
		"nbf in the future":       claimIs(map[string]string{"nbf": n(now + 3600), "exp": n(now + 7200), "iat": n(now)}),
		"iat in the future":       claimIs(map[string]string{"iat": n(now + 3600), "exp": n(now + 7200)}),
		"iss wrong":               claimIs(map[string]string{"iss": `"core-app-evil"`}),
		"iss missing":             claimIs(map[string]string{"iss": ""}),
		"iss number":              claimIs(map[string]string{"iss": "42"}),
		"aud missing":             claimIs(map[string]string{"aud": ""}),
		"aud other":               claimIs(map[string]string{"aud": `"other-api"`}),
		"aud wrong case":          claimIs(map[string]string{"aud": `"MCP-SERVER"`}),
		"aud empty array":         claimIs(map[string]string{"aud": "[]"}),
		"aud array without ours":  claimIs(map[string]string{"aud": `["other-api","another-api"]`}),
		"aud number":              claimIs(map[string]string{"aud": "42"}),
		"sub missing":             claimIs(map[string]string{"sub": ""}),
		"duplicate exp keys, expired last": func(t *testing.T, is *Issuer, u User, j jws) {
			want := fmt.Sprintf(`{"exp":%d,"exp":%d,`, now+600, now-3600)
			if !bytes.HasPrefix(j.payload, []byte(want)) || bytes.Count(j.payload, []byte(`"exp":`)) != 2 {
				t.Errorf("payload %s", j.payload)
			}
			if !json.Valid(j.payload) || !j.verifies(sha256.New, is.Secret) {
				t.Error("not valid JSON, correctly signed")
			}
		},
		"duplicate exp keys": func(t *testing.T, is *Issuer, u User, j jws) {
			want := fmt.Sprintf(`{"exp":%d,"exp":%d,`, now-3600, now+600)
			if !bytes.HasPrefix(j.payload, []byte(want)) || bytes.Count(j.payload, []byte(`"exp":`)) != 2 {
				t.Errorf("payload %s", j.payload)
			}
			if !json.Valid(j.payload) || !j.verifies(sha256.New, is.Secret) {
				t.Error("not valid JSON, correctly signed")
			}
		},
	}
	checks["org_id missing"] = func(t *testing.T, is *Issuer, u User, j jws) {
		claimIs(map[string]string{"org_id": "", "sub": fmt.Sprintf("%q", u.Subject)})(t, is, u, j)
	}
	return checks
}

func TestHostileShapes(t *testing.T) {
	checks := hostileChecks()
	for _, c := range Hostile {
		if checks[c.Name] == nil {
			t.Errorf("no shape check for %q", c.Name)
		}
	}
	for name := range checks {
		if _, err := LookupHostile(name); err != nil {
			t.Errorf("check for unknown case %q", name)
		}
	}
	is := testIssuer(t)
	is.AttackerURL = testAttackerURL
	for _, userName := range []string{"alice", "carol", "gina"} {
		u := Users[userName]
		for _, c := range Hostile {
			t.Run(userName+"/"+c.Name, func(t *testing.T) {
				tok, err := c.Build(is, u)
				if err != nil {
					t.Fatal(err)
				}
				if check := checks[c.Name]; check != nil {
					check(t, is, u, split(tok))
				}
			})
		}
	}
}

func TestAcceptable(t *testing.T) {
	is := testIssuer(t)
	now := testNow.Unix()
	shape := map[string]func(t *testing.T, j jws){
		"aud array containing ours": func(t *testing.T, j jws) {
			if got := string(j.claims(t)["aud"]); got != `["other-api","mcp-server"]` {
				t.Errorf("aud = %s", got)
			}
		},
		"exp just inside leeway": func(t *testing.T, j jws) {
			if got := string(j.claims(t)["exp"]); got != n(now-20) {
				t.Errorf("exp = %s", got)
			}
		},
		"nbf just inside leeway": func(t *testing.T, j jws) {
			if got := string(j.claims(t)["nbf"]); got != n(now+20) {
				t.Errorf("nbf = %s", got)
			}
		},
		"typ at+jwt": func(t *testing.T, j jws) {
			if string(j.header) != `{"alg":"HS256","typ":"at+jwt"}` {
				t.Errorf("header %s", j.header)
			}
		},
	}
	// A strict verifier with 30 s of leeway accepts every one.
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(is.Issuer),
		jwt.WithAudience(is.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second), jwt.WithTimeFunc(func() time.Time { return testNow }))
	for _, c := range Acceptable {
		t.Run(c.Name, func(t *testing.T) {
			if shape[c.Name] == nil {
				t.Fatalf("no shape check for %q", c.Name)
			}
			tok, err := c.Build(is, Users["bob"])
			if err != nil {
				t.Fatal(err)
			}
			j := split(tok)
			if !j.verifies(sha256.New, is.Secret) {
				t.Error("not signed with the real secret")
			}
			if _, err := p.Parse(tok, func(*jwt.Token) (any, error) { return is.Secret, nil }); err != nil {
				t.Errorf("golang-jwt rejects it: %v", err)
			}
			if got := string(j.claims(t)["sub"]); got != `"user-bob"` {
				t.Errorf("sub = %s", got)
			}
			shape[c.Name](t, j)
		})
	}
}

// TestGolangJWTDifferentials documents which hostile tokens a plain, strict
// golang-jwt verifier accepts: the cases where a target needs checks of its
// own. It guards the catalogue against cases that nothing would accept
// anyway only loosely; its real use is the list.
func TestGolangJWTDifferentials(t *testing.T) {
	is := testIssuer(t)
	is.AttackerURL = testAttackerURL
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(is.Issuer),
		jwt.WithAudience(is.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(60*time.Second), jwt.WithTimeFunc(func() time.Time { return testNow }))
	var accepted []string
	for _, c := range Hostile {
		tok, err := c.Build(is, Users["alice"])
		if err != nil {
			t.Fatalf("%q: %v", c.Name, err)
		}
		if _, err := p.Parse(tok, func(*jwt.Token) (any, error) { return is.Secret, nil }); err == nil {
			accepted = append(accepted, c.Name)
		}
	}
	want := []string{
		"duplicate alg keys",            // last wins: HS256, as RFC 7515 §4 allows
		"crit header",                   // golang-jwt ignores crit
		"oversized valid-looking token", // no size limit
		"exp duplicated as EXP",         // EXP is another claim to RFC 7519
		"sub missing",                   // contract claims: the target's own checks
		"org_id missing",
		"duplicate exp keys", // last wins: the future exp
	}
	if d := cmp.Diff(want, accepted); d != "" {
		t.Errorf("hostile tokens golang-jwt accepts (-want +got):\n%s", d)
	}
}
