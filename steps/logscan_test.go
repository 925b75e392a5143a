package steps

import (
	"strings"
	"testing"
)

func TestFindAny(t *testing.T) {
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLWFsaWNlIn0.c2lnbmF0dXJlLW9mLWF0LWxlYXN0LTE2"
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	needles := map[string]string{tok: tok, sig: tok, "short": "short-token"}
	for _, tc := range []struct {
		name, logs, want string
	}{
		{"whole token mid-line", `level=DEBUG msg=auth authorization="Bearer ` + tok + `"`, tok},
		{"signature alone at the end", "sig=" + sig, tok},
		{"at the very start", tok + " trailing", tok},
		{"short needle", "xx short xx", "short-token"},
		{"signature cut short", "sig=" + sig[:len(sig)-1], ""},
		{"nothing", strings.Repeat("level=INFO msg=request status=200\n", 100), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found := findAny([]byte(tc.logs), needles)
			if found != (tc.want != "") || got != tc.want {
				t.Errorf("findAny = %q, %v; want %q", got, found, tc.want)
			}
		})
	}
}
