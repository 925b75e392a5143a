package steps

import (
	"context"
	"fmt"

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
	tok, err := e.Target.Issuer.Token(alice)
	if e.Target.Keys != nil { // JWKS mode: the shared secret signs nothing the target accepts
		tok, err = e.Target.Keys.Token(e.Target.Issuer, alice, "RS256")
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
