package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// runToken implements "mcpauthspec token": it mints a token for one of the
// suite's users with the secret in JWT_SECRET_KEY, for trying a server by
// hand (curl, an MCP client). The token goes to stdout and nowhere else.
func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mcpauthspec token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("user", "alice", "one of the suite's users: alice, bob, carol, dave, erin, frank, gina, henry")
	scope := fs.String("scope", "", `override the user's scopes, e.g. "read" (default: the user's own)`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: mcpauthspec token [--user NAME] [--scope SCOPES]  (reads JWT_SECRET_KEY, JWT_ISSUER, JWT_AUDIENCE)")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "mcpauthspec token: %v\n", err)
		return 2
	}
	secret := getenv("JWT_SECRET_KEY")
	if len(secret) < 32 {
		fmt.Fprintln(stderr, "mcpauthspec token: JWT_SECRET_KEY must hold the target's secret (at least 32 bytes)")
		return 2
	}
	u, err := harness.LookupUser(*name)
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec token: %v\n", err)
		return 2
	}
	if *scope != "" {
		u.Scopes = strings.Fields(*scope)
	}
	is := &harness.Issuer{Secret: []byte(secret), Issuer: orDefault(getenv("JWT_ISSUER"), harness.DefaultIssuer), Audience: orDefault(getenv("JWT_AUDIENCE"), harness.DefaultAudience)}
	tok, err := is.Token(u)
	if err != nil {
		fmt.Fprintf(stderr, "mcpauthspec token: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
