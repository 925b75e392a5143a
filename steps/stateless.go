package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// The MCP revision a run speaks (docs/protocol.md). The runner sets it per
// pass; steps that open a conversation ask the client, which speaks it.

// Feature-level tags that say which wire a feature applies to.
const (
	tagLegacyOnly = "@legacy-only" // sessions: 2025-06-18 and 2025-11-25
	tagModernOnly = "@modern-only" // the stateless rules of 2026-07-28
)

// SetRevision makes the run speak revision (harness.Revisions).
func (e *Env) SetRevision(revision string) { e.Client.Protocol = revision }

// Revision is the revision the run speaks.
func (e *Env) Revision() string {
	if e.Client.Protocol == "" {
		return harness.ProtocolVersion
	}
	return e.Client.Protocol
}

// Speaks asks the target which of harness.Revisions it speaks, with a
// valid token for alice (server/discover, then initialize): the first
// requests of a run, and in JWKS mode the target's first key fetch.
func (e *Env) Speaks(ctx context.Context) ([]string, error) {
	alice := harness.Users["alice"]
	var tok string
	var err error
	switch t := e.Target; {
	case t.Supplied != nil: // user A's supplied token: the suite holds no key
		tok, _, err = t.Supplied.Play(ctx, alice)
	case t.Keys != nil: // JWKS mode: the shared secret signs nothing the target accepts
		tok, err = t.Keys.Token(t.Issuer, alice, "RS256")
	default:
		tok, err = t.Issuer.Token(alice)
	}
	if err != nil {
		return nil, err
	}
	e.remember(tok)
	return e.Client.Speaks(ctx, harness.BearerHeader(tok))
}

// registerStateless adds the hook that skips a scenario whose feature
// applies to the other wire, when a caller selected it anyway (the runner
// does not select them).
func registerStateless(sc *godog.ScenarioContext, env *Env) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		tags := tagNames(p)
		switch {
		case hasTag(tags, tagModernOnly) && !env.Client.Modern():
			return ctx, wireSkip("the scenario applies to MCP %s only; this run speaks %s", harness.Revision20260728, env.Revision())
		case hasTag(tags, tagLegacyOnly) && env.Client.Modern():
			return ctx, wireSkip("the scenario applies to the MCP revisions with sessions (%s, %s) only; this run speaks %s",
				harness.Revision20251125, harness.Revision20250618, env.Revision())
		}
		return ctx, nil
	})
}

// wireSkip skips a scenario, or an outline row, that does not apply to the
// revision the run speaks: a message or an HTTP method that revision does
// not have. The runner leaves it out of the report, as it does a feature of
// the other wire.
func wireSkip(format string, args ...any) error {
	return &SkipReason{Reason: fmt.Sprintf(format, args...), Wire: true}
}

// SkippedForWire reports whether the scenario running in ctx was skipped
// because it does not apply to the revision the run speaks.
func SkippedForWire(ctx context.Context) bool {
	s := get(ctx)
	return s != nil && s.skipped != nil && s.skipped.Wire
}

// listenStreamFor is how long "the client sends "subscriptions/listen""
// reads an accepted stream before it lets go, and verbStreamFor how long a
// GET or DELETE may take: a refusal comes at once, so the bounds matter
// only to a target that serves a stream, and they are wide so that a busy
// machine cannot turn a slow refusal into a failure.
const (
	listenStreamFor = 2 * time.Second
	verbStreamFor   = 5 * time.Second
)

// statelessExchange is the request of a 2026-07-28 method with the
// scenario's credentials: server/discover, or a subscriptions/listen for
// tool list changes, read for listenStreamFor.
func statelessExchange(s *scenario, method string) harness.Exchange {
	ex := harness.Exchange{Creds: s.creds, Message: &harness.Message{ID: s.env.Client.NewID(), Method: method, Params: map[string]any{}}}
	if method == "subscriptions/listen" {
		ex.Message.Params = listenParams()
		ex.StreamFor = listenStreamFor
	}
	return ex
}

// listenParams opt in to tool list changes (basic/patterns/subscriptions).
func listenParams() map[string]any {
	return map[string]any{"notifications": map[string]any{"toolsListChanged": true}}
}

// clientSendsVerb sends GET or DELETE to the MCP endpoint with the
// scenario's credentials and, on 2026-07-28, the MCP-Protocol-Version
// header; no session, as this wire has none.
func clientSendsVerb(ctx context.Context, verb string) error {
	s := get(ctx)
	ex := harness.Exchange{Method: verb, Creds: s.creds, StreamFor: verbStreamFor}
	if s.env.Client.Modern() {
		ex.Header = map[string]string{"MCP-Protocol-Version": s.env.Revision()}
	}
	return s.send(ctx, ex)
}

// clientCallsWithHeader calls a contract tool with one request header
// replaced: "the client calls "<tool>" [with <args> and] the header "<h>"
// set to "<v>"". v is sent as written (contract tool names, not the
// target's), so that a row cannot agree with the body by accident; a
// target whose tool is called v itself skips the row.
func clientCallsWithHeader(ctx context.Context, tool, header, value string) error {
	return clientCallsWithArgsAndHeader(ctx, tool, "{}", header, value)
}

func clientCallsWithArgsAndHeader(ctx context.Context, tool, args, header, value string) error {
	s := get(ctx)
	if value == "" {
		return errors.New(`the header value is empty: to leave the header out, say "without the header"`)
	}
	return s.callToolHeader(ctx, tool, args, header, value)
}

func clientCallsWithoutHeader(ctx context.Context, tool, header string) error {
	return get(ctx).callToolHeader(ctx, tool, "{}", header, "")
}

func (s *scenario) callToolHeader(ctx context.Context, tool, rawArgs, header, value string) error {
	name, ok := s.env.Target.Tool(tool)
	if !ok {
		return skip("the profile maps no tool to %q", tool)
	}
	if strings.EqualFold(header, "Mcp-Name") && value == name {
		return skip("the target's %s is called %q, so the header agrees with the body", tool, value)
	}
	args, err := s.parseArgs(rawArgs)
	if err != nil {
		return err
	}
	s.call = &toolCall{tool: tool, args: args}
	sess, _, err := s.env.Client.Open(ctx, s.creds)
	if err != nil {
		return err
	}
	if sess == nil {
		return fmt.Errorf("could not open a session to call %s", tool)
	}
	resp, result, err := s.env.Client.CallToolHeader(ctx, sess, s.creds, name, args, map[string]string{header: value})
	if err != nil && resp == nil {
		return err
	}
	s.resp, s.result = resp, result
	return nil
}

// responseHasBearerChallenge: a WWW-Authenticate header with the Bearer
// scheme (RFC 6750 §3), whatever its parameters.
func responseHasBearerChallenge(ctx context.Context) error {
	_, err := get(ctx).challenge()
	return err
}

// jsonRPCErrorCodeIs: the answer holds a JSON-RPC error with code.
func jsonRPCErrorCodeIs(ctx context.Context, code int) error {
	s := get(ctx)
	v, err := s.response()
	if err != nil {
		return err
	}
	var codes []int
	for _, m := range s.resp.Messages {
		var msg struct {
			Error *struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(m, &msg) == nil && msg.Error != nil {
			if msg.Error.Code == code {
				return nil
			}
			codes = append(codes, msg.Error.Code)
		}
	}
	return mismatch(fmt.Sprintf("a JSON-RPC error with code %d", code), "error codes %v; %s", codes, v.describe())
}

// challengeScopeWithin: the challenge's scope lists want, and any other
// scope it lists is one the scenario's token already holds (MCP 2026-07-28
// lets a server add the granted scopes, nothing else).
func challengeScopeWithin(ctx context.Context, want string) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	held := map[string]bool{}
	for _, sc := range tokenScopes(s.token) {
		held[sc] = true
	}
	got := strings.Fields(p["scope"])
	var extra []string
	for _, sc := range got {
		if sc != want && !held[sc] {
			extra = append(extra, sc)
		}
	}
	if !slices.Contains(got, want) || len(extra) > 0 {
		return mismatch(fmt.Sprintf("scope=%q, plus at most scopes the token holds %v", want, tokenScopes(s.token)),
			"scope=%q (beyond the operation and the token: %v)", p["scope"], extra)
	}
	return nil
}

// tokenScopes reads the scope claim of a token the suite minted. The
// signature is not checked: the suite signed it.
func tokenScopes(token string) []string {
	if token == "" {
		return nil
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil
	}
	switch v := claims["scope"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			if str, ok := e.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// challengeScopeNotListing: the response's Bearer challenge, if it has a
// scope, does not list scope. A response without a challenge fails: the
// step is about a refusal.
func challengeScopeNotListing(ctx context.Context, scope string) error {
	s := get(ctx)
	p, err := s.challenge()
	if err != nil {
		return err
	}
	if slices.Contains(strings.Fields(p["scope"]), scope) {
		return mismatch(fmt.Sprintf("a challenge scope without %q", scope), "scope=%q", p["scope"])
	}
	return nil
}

// metadataNotContains: the metadata member, if it is present, does not
// contain value (a string or an array of strings).
func metadataNotContains(ctx context.Context, field, value string) error {
	s := get(ctx)
	if s.metadata == nil {
		return mismatch("a JSON metadata document", "%s", snippet(s.resp.Body))
	}
	switch v := s.metadata[field].(type) {
	case string:
		if v == value {
			return mismatch(fmt.Sprintf("%s without %q", field, value), "%q", v)
		}
	case []any:
		for _, e := range v {
			if e == value {
				return mismatch(fmt.Sprintf("%s without %q", field, value), "%v", v)
			}
		}
	}
	return nil
}

// listing is one caller's tools/list.
type listing struct {
	user       string
	tools      []string // names, sorted
	cacheScope string   // "" when absent
}

// usersListTools sends tools/list with a valid token of each user and
// keeps the tool names and the cacheScope of each answer.
func usersListTools(ctx context.Context, a, b string) error {
	s := get(ctx)
	s.listings = nil
	for _, name := range []string{a, b} {
		u, err := user(name)
		if err != nil {
			return err
		}
		tok, err := s.validToken(u)
		if err != nil {
			return err
		}
		creds := harness.BearerHeader(tok)
		sess, _, err := s.env.Client.Open(ctx, creds)
		if err != nil || sess == nil {
			return fmt.Errorf("%s could not open a conversation with a valid token: %v", name, err)
		}
		id := s.env.Client.NewID()
		resp, err := s.env.Client.Do(ctx, harness.Exchange{Session: sess.ID, Creds: creds, Message: &harness.Message{ID: id, Method: "tools/list"}})
		if err != nil {
			return err
		}
		s.resp = resp
		raw, err := resp.RPCResult(id)
		if err != nil {
			return mismatch(fmt.Sprintf("tools/list to answer %s", name), "%v", err)
		}
		var res struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
			CacheScope string `json:"cacheScope"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return mismatch("a tools/list result", "%v", err)
		}
		l := listing{user: name, cacheScope: res.CacheScope}
		for _, t := range res.Tools {
			l.tools = append(l.tools, t.Name)
		}
		slices.Sort(l.tools)
		s.listings = append(s.listings, l)
	}
	return nil
}

// callerListNotPublic: when the two listings differ, the list depends on
// the caller, and neither may be marked cacheScope "public" (MCP
// 2026-07-28 caching: public "does not contain user-specific data"). Two
// equal listings leave the server free to mark them public.
func callerListNotPublic(ctx context.Context, scope string) error {
	s := get(ctx)
	if len(s.listings) != 2 {
		return errors.New(`no two listings: say "When "<user>" and "<user>" list the tools" first`)
	}
	a, b := s.listings[0], s.listings[1]
	if slices.Equal(a.tools, b.tools) {
		return nil
	}
	for _, l := range s.listings {
		if l.cacheScope == scope {
			return mismatch(fmt.Sprintf("a tools/list that differs by caller (%s: %d tools, %s: %d) not marked cacheScope %q", a.user, len(a.tools), b.user, len(b.tools), scope),
				"%s's list is marked cacheScope %q", l.user, l.cacheScope)
		}
	}
	return nil
}

// listenAtMost bounds how long the suite holds a listen stream open.
const listenAtMost = 15 * time.Second

// clientListens opens subscriptions/listen for tool list changes with the
// scenario's credentials and reads the stream until the target ends it,
// or listenAtMost.
func clientListens(ctx context.Context) error {
	s := get(ctx)
	ex := harness.Exchange{Creds: s.creds, StreamFor: listenAtMost,
		Message: &harness.Message{ID: s.env.Client.NewID(), Method: "subscriptions/listen", Params: listenParams()}}
	start := time.Now()
	resp, err := s.env.Client.Do(ctx, ex)
	if err != nil {
		return err
	}
	s.resp, s.result = resp, nil
	s.streamEnd = start.Add(resp.Elapsed)
	return nil
}
