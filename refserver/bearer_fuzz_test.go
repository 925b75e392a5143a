package refserver

import (
	"bufio"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// bearerSyntax is RFC 6750 §2.1 as this server reads it, written
// independently of bearerToken: the scheme "Bearer" in any ASCII casing
// (RFC 9110 §11.1), then, if anything follows, one space and the rest, of
// which leading spaces are dropped (1*SP, RFC 9110 §11.4).
var bearerSyntax = regexp.MustCompile(`(?s)^[Bb][Ee][Aa][Rr][Ee][Rr](?: (.*))?$`)

// FuzzBearerToken feeds arbitrary Authorization header values and query
// strings to bearerToken, directly and after net/http has parsed them out of
// a raw request as the server would. It must never panic, and it must agree
// with bearerSyntax: a token only from a single Authorization header with
// the Bearer scheme, never from the query (RFC 6750 §2.3 is not supported)
// and never when two credentials are offered (RFC 6750 §2: "MUST NOT use
// more than one method").
//
// n selects how many header lines are sent: n%4 == 0 none, else up to n%4
// values taken from raw split at newlines.
func FuzzBearerToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, n uint8, raw, query string) {
		var values []string
		if k := int(n % 4); k > 0 {
			values = strings.SplitN(raw, "\n", k)
		}
		r := &http.Request{Header: http.Header{}, URL: &url.URL{Path: "/mcp", RawQuery: query}}
		for _, v := range values {
			r.Header.Add("Authorization", v)
		}
		checkBearer(t, r)

		// The same request as bytes on the wire, where net/http trims
		// values and refuses control characters before bearerToken sees
		// them.
		var wire strings.Builder
		wire.WriteString("POST /mcp?" + strings.NewReplacer(" ", "%20", "\r", "", "\n", "").Replace(query) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		for _, v := range values {
			wire.WriteString("Authorization: " + v + "\r\n")
		}
		wire.WriteString("Content-Length: 0\r\n\r\n")
		if parsed, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire.String()))); err == nil {
			checkBearer(t, parsed)
		}
	})
}

func checkBearer(t *testing.T, r *http.Request) {
	t.Helper()
	got, err := bearerToken(r)
	values := r.Header.Values("Authorization")
	var want string
	var wantErr error
	switch {
	case len(values) > 1:
		wantErr = errMultipleCredentials
	case len(values) == 0:
		wantErr = errNoCredentials
	case r.URL.Query().Has("access_token"):
		wantErr = errMultipleCredentials
	default:
		m := bearerSyntax.FindStringSubmatch(values[0])
		if m == nil {
			wantErr = errNoCredentials
		} else if want = strings.TrimLeft(m[1], " "); want == "" {
			wantErr = errEmptyToken
		}
	}
	if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) || got != want {
		t.Fatalf("headers %q, query %q: got (%q, %v), want (%q, %v)", values, r.URL.RawQuery, got, err, want, wantErr)
	}
	if err == nil && (len(values) != 1 || !strings.HasSuffix(values[0], got) || strings.HasPrefix(got, " ")) {
		t.Fatalf("token %q does not end the single Authorization header %q", got, values)
	}
}
