package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// HandOverOptions say where the tokens of HandOver go.
type HandOverOptions struct {
	Dir    string                  // files: the profile and the token files of user_b, narrow and same_org
	Setenv func(key, value string) // sets the variables of user_a and other_audience (t.Setenv)
	Prefix string                  // of the variable names; "" means MCPAUTHSPEC_SUPPLIED
	// LogFile is the target's log file (EmbeddedOptions.LogFile), named in
	// the profile as log_file; "" names none.
	LogFile string
}

// HandOver plays an identity provider for a target the suite started: it
// mints the five tokens of a supplied-token run (RS256 with the target's
// key set in JWKS mode, else HS256 with its secret) and writes a profile
// that hands them over the way a user would (user_a and other_audience in
// environment variables, user_b and same_org in files, the narrow token
// through token_cmd). The run that loads the profile holds none of the keys. It
// returns the profile's path.
func HandOver(src *Target, o HandOverOptions) (string, error) {
	if src.Issuer == nil {
		return "", errors.New("hand over: the source target has no issuer of the suite's")
	}
	if o.Prefix == "" {
		o.Prefix = "MCPAUTHSPEC_SUPPLIED"
	}
	mint := func(name string, set map[string]json.RawMessage) (string, error) {
		if src.Keys == nil {
			return src.Issuer.TokenWith(Users[name], set, nil)
		}
		return src.Keys.TokenFrom(src.Issuer, Users[name], src.Keys.Current(AlgRS256), set, nil)
	}
	a, err := mint("alice", nil)
	if err != nil {
		return "", err
	}
	b, err := mint("carol", nil)
	if err != nil {
		return "", err
	}
	narrow, err := mint("alice", map[string]json.RawMessage{"scope": json.RawMessage(`"read"`)})
	if err != nil {
		return "", err
	}
	other, err := mint("alice", map[string]json.RawMessage{"aud": json.RawMessage(`"core-api"`)})
	if err != nil {
		return "", err
	}
	// The second user of A's organization: erin, who holds write without
	// read, plays the scope and identity rows no other token can.
	same, err := mint("erin", nil)
	if err != nil {
		return "", err
	}
	bFile, nFile, sFile := filepath.Join(o.Dir, "user_b.jwt"), filepath.Join(o.Dir, "narrow.jwt"), filepath.Join(o.Dir, "same_org.jwt")
	for path, tok := range map[string]string{bFile: b + "\n", nFile: narrow, sFile: "Bearer " + same + "\n"} {
		if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
			return "", err
		}
	}
	o.Setenv(o.Prefix+"_USER_A", a)
	o.Setenv(o.Prefix+"_OTHER_AUDIENCE", other)
	tokens := map[string]any{
		"user_a":         map[string]string{"token_env": o.Prefix + "_USER_A"},
		"user_b":         map[string]string{"token_file": bFile},
		"narrow":         map[string]string{"token_cmd": "cat " + shellQuote(nFile)},
		"other_audience": map[string]string{"token_env": o.Prefix + "_OTHER_AUDIENCE"},
		"same_org":       map[string]string{"token_file": sFile},
	}
	p := map[string]any{
		"issuer":   src.Issuer.Issuer,
		"audience": src.Issuer.Audience,
		"fixtures": src.Fixtures,
		"tokens":   tokens,
	}
	if src.Keys != nil {
		p["keys"], tokens["jwks_uri"] = KeysJWKS, src.Keys.URL()
	}
	if src.BackendURL != "" {
		p["backend_admin_url"] = src.BackendURL
	}
	if o.LogFile != "" {
		p["log_file"] = o.LogFile
	}
	out, err := yaml.Marshal(p)
	if err != nil {
		return "", err
	}
	path := filepath.Join(o.Dir, "supplied.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return "", fmt.Errorf("hand over: %w", err)
	}
	return path, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
