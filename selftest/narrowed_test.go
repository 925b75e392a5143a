package selftest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// firstWins decodes a JSON object keeping the first value of a repeated
// member name, as a hand-written scanner does when it stops at the first
// match; dup reports whether any name repeated. RFC 7515 §4 and RFC 7519 §4
// allow only rejecting duplicates or keeping the last.
func firstWins(data []byte) (out map[string]any, dup bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false, errFlawed
	}
	out = map[string]any{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		name, _ := t.(string)
		var value any
		if err := dec.Decode(&value); err != nil {
			return nil, false, err
		}
		if _, seen := out[name]; seen {
			dup = true
			continue
		}
		out[name] = value
	}
	return out, dup, nil
}

func jwsSegment(token string, i int) ([]byte, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	return b, err == nil
}

// firstWinsHeader is the judge of the mutant dup-header-first-wins: a
// header with a repeated parameter is read first-wins, so
// {"alg":"HS256","alg":"none"} is verified as HS256. Tokens without a
// repeated header parameter are left to the reference verifier.
func firstWinsHeader(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	return func(token string) (*refserver.Claims, error) {
		raw, ok := jwsSegment(token, 0)
		if !ok {
			return nil, errFlawed
		}
		header, dup, err := firstWins(raw)
		if err != nil || !dup || header["alg"] != jwt.SigningMethodHS256.Alg() {
			return nil, errFlawed
		}
		sig, ok := jwsSegment(token, 2)
		if !ok {
			return nil, errFlawed
		}
		if err := jwt.SigningMethodHS256.Verify(token[:strings.LastIndexByte(token, '.')], sig, cfg.Secret); err != nil {
			return nil, err
		}
		payload, _ := jwsSegment(token, 1)
		claims := jwt.MapClaims{}
		if err := json.Unmarshal(payload, &claims); err != nil {
			return nil, err
		}
		if err := jwt.NewValidator(v.options()...).Validate(claims); err != nil {
			return nil, err
		}
		cl := fromMap(claims)
		if cl.Subject == "" || cl.OrgID == "" {
			return nil, errFlawed
		}
		return cl.claims(), nil
	}
}

// firstWinsClaims is the judge of the mutant dup-claims-first-wins: the
// signature is checked by golang-jwt, then a payload with a repeated claim
// is read first-wins, so {"exp":future,"exp":past} is not expired. Tokens
// without a repeated claim are left to the reference verifier.
func firstWinsClaims(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	return func(token string) (*refserver.Claims, error) {
		if _, err := jwt.NewParser(jwt.WithValidMethods(v.methods), jwt.WithoutClaimsValidation()).Parse(token, v.keyfunc); err != nil {
			return nil, err
		}
		payload, ok := jwsSegment(token, 1)
		if !ok {
			return nil, errFlawed
		}
		claims, dup, err := firstWins(payload)
		if err != nil || !dup {
			return nil, errFlawed
		}
		mc := jwt.MapClaims(claims)
		if err := jwt.NewValidator(v.options()...).Validate(mc); err != nil {
			return nil, err
		}
		cl := fromMap(mc)
		if cl.Subject == "" || cl.OrgID == "" {
			return nil, errFlawed
		}
		return cl.claims(), nil
	}
}

// tenMinuteLeeway: the careful verifier with 10 minutes of "clock skew".
func tenMinuteLeeway(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	v.leeway = 10 * time.Minute
	return v.verify
}

// expNumberOnly checks the claims by hand after golang-jwt has checked the
// signature: exp is compared only when it decodes as a number, so an exp
// that is a string, of any time, is skipped and the token never expires.
func expNumberOnly(cfg refserver.VerifierConfig) verifyFunc {
	v := careful(cfg)
	return func(token string) (*refserver.Claims, error) {
		mc := jwt.MapClaims{}
		if _, err := jwt.NewParser(jwt.WithValidMethods(v.methods), jwt.WithoutClaimsValidation()).ParseWithClaims(token, mc, v.keyfunc); err != nil {
			return nil, err
		}
		if exp, ok := mc["exp"].(float64); ok && time.Now().Unix() >= int64(exp) {
			return nil, errFlawed
		}
		if _, ok := mc["exp"]; !ok {
			return nil, errFlawed
		}
		cl := fromMap(mc)
		cl.ExpiresAt = nil
		if cl.Issuer != cfg.Issuer || !slices.Contains(cl.Audience, cfg.Audience) || cl.Subject == "" || cl.OrgID == "" {
			return nil, errFlawed
		}
		return cl.claims(), nil
	}
}

// writeScopeUnchecked is the scope check with write left to the backend.
func writeScopeUnchecked(c *refserver.Claims, scope string) bool {
	return scope == "" || scope == "write" || slices.Contains(c.Scopes, scope)
}

// fieldsPanic reads the token as strings.Fields(h)[1], which panics on
// "Bearer" and "Bearer " (one field): net/http recovers the panic and drops
// the connection, so the client gets no answer at all.
func fieldsPanic(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Values("Authorization"); len(h) == 1 && len(strings.Fields(h[0])) == 1 && strings.EqualFold(strings.TrimSpace(h[0]), "bearer") {
			panic(http.ErrAbortHandler) // what the index out of range becomes, without the stack trace in the test log
		}
		next.ServeHTTP(w, r)
	})
}

// refusalEchoesToken writes "refused: <the Authorization header>" ahead of
// every 4xx answer's body, as an error page that quotes the request does.
func refusalEchoesToken(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&echoWriter{ResponseWriter: w, auth: strings.Join(r.Header.Values("Authorization"), ", ")}, r)
	})
}

type echoWriter struct {
	http.ResponseWriter
	auth  string
	wrote bool
}

func (e *echoWriter) WriteHeader(code int) {
	if e.wrote {
		return
	}
	e.wrote = true
	if code >= 400 && code < 500 && e.auth != "" {
		e.Header().Del("Content-Length")
		e.ResponseWriter.WriteHeader(code)
		_, _ = e.ResponseWriter.Write([]byte("refused: " + e.auth + "\n"))
		return
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *echoWriter) Write(b []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	return e.ResponseWriter.Write(b)
}

func (e *echoWriter) Flush() {
	if f, ok := e.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
