package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

// step registers fn for pattern, compiled once per process: godog compiles
// a string pattern each time a scenario registers it, which was a quarter of
// the CPU of a whole run (and the self-test runs the suite dozens of times).
func step(sc *godog.ScenarioContext, pattern string, fn any) {
	re, ok := stepPatterns.Load(pattern)
	if !ok {
		re, _ = stepPatterns.LoadOrStore(pattern, regexp.MustCompile(pattern))
	}
	sc.Step(re.(*regexp.Regexp), fn)
}

var stepPatterns sync.Map // pattern → *regexp.Regexp

// Tags that describe what a scenario needs of the target.
const (
	tagSerial        = "@serial"
	tagNeedsBackend  = "@needs-backend"
	tagNeedsLogs     = "@needs-logs"
	tagNeedsSessions = "@needs-sessions"
)

// SkipReason is returned (wrapped) when a scenario cannot run against this
// target; the runner reports the reason.
type SkipReason struct {
	Reason string
	// Wire: the scenario does not apply to the MCP revision the run
	// speaks (steps/stateless.go); the runner leaves it out of the report.
	Wire bool
}

func (s *SkipReason) Error() string { return "skipped: " + s.Reason }
func (s *SkipReason) Unwrap() error { return godog.ErrSkip }

func skip(format string, args ...any) error {
	return &SkipReason{Reason: fmt.Sprintf(format, args...)}
}

// Skipped returns why the scenario running in ctx was skipped, if it was.
func Skipped(ctx context.Context) (reason string, ok bool) {
	if s := get(ctx); s != nil && s.skipped != nil {
		return s.skipped.Reason, true
	}
	return "", false
}

// ScenarioID returns the @auth-… tag of a scenario, without the @.
func ScenarioID(tags []string) string {
	for _, t := range tags {
		if strings.HasPrefix(t, "@auth-") {
			return strings.TrimPrefix(t, "@")
		}
	}
	return ""
}

func tagNames(sc *godog.Scenario) []string {
	names := make([]string, 0, len(sc.Tags))
	for _, t := range sc.Tags {
		names = append(names, t.Name)
	}
	return names
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Register wires every step of features/GRAMMAR.md, and the hooks that give
// each scenario its state, to sc. It is the only place steps are registered.
func Register(sc *godog.ScenarioContext, env *Env) {
	// JWKS mode (steps/jwks.go, features/14_jwks.feature): its hooks skip
	// @jwks scenarios against an HS256 target and the others against a JWKS
	// target. Registered before the hooks below so that its After hook
	// restores the JWKS endpoint before the @serial lock is released.
	registerJWKS(sc, env)
	// Which wire a feature applies to (steps/stateless.go).
	registerStateless(sc, env)

	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		tags := tagNames(p)
		s := &scenario{env: env, id: ScenarioID(tags), sessions: map[string]*harness.Session{}}
		s.user = harness.Users["alice"]
		s.creds = harness.NoCredentials
		s.attackPath = "/" + p.Id
		ctx = withScenario(ctx, s)
		t := env.Target
		switch {
		case hasTag(tags, tagNeedsBackend) && t.Backend == nil:
			return ctx, skip("the target's backend is not controlled by the suite (set backend_admin_url in the profile)")
		case hasTag(tags, tagNeedsLogs) && t.Logs == nil:
			return ctx, skip("the target's logs are not visible to the suite (set log_file in the profile)")
		}
		if reason := materialSkip(env, p); reason != "" {
			return ctx, skip("%s", reason)
		}
		s.noNarrow = narrowExcluded(castByRole(stepTexts(p)))
		s.serial = hasTag(tags, tagSerial)
		if s.serial {
			env.quiet.Lock()
		} else {
			env.quiet.RLock()
		}
		s.locked = true
		if t.Logs != nil {
			s.logMark = len(t.Logs())
		}
		return ctx, nil
	})
	// godog hands the After hooks only the last step's error, which is nil
	// when an earlier step (or the Before hook) skipped the scenario; the
	// skip is kept here so that Skipped can report it.
	sc.StepContext().After(func(ctx context.Context, _ *godog.Step, _ godog.StepResultStatus, err error) (context.Context, error) {
		var reason *SkipReason
		if s := get(ctx); s != nil && s.skipped == nil && errors.As(err, &reason) {
			s.skipped = reason
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
		s := get(ctx)
		if s == nil {
			return ctx, nil
		}
		if !s.locked {
			return ctx, nil
		}
		s.locked = false
		if s.tokenFault != "" && s.env.Target.Backend != nil {
			_ = s.env.Target.Backend.SetFault(ctx, fakebackend.Fault{TokenSHA256: s.tokenFault})
		}
		if s.serial {
			// A fault must never outlive its scenario.
			if s.env.Target.Backend != nil {
				_ = s.env.Target.Backend.SetFault(ctx, noFault)
			}
			env.quiet.Unlock()
		} else {
			env.quiet.RUnlock()
		}
		return ctx, nil
	})

	// Given: credentials.
	step(sc, `^no credentials$`, noCredentials)
	step(sc, `^a valid token for "([^"]*)"$`, validTokenFor)
	step(sc, `^a token for "([^"]*)" with scope "([^"]*)"$`, tokenWithScope)
	step(sc, `^a token for "([^"]*)" with claim "([^"]*)" set to "((?:[^"\\]|\\.)*)"$`, tokenWithClaim)
	step(sc, `^a token for "([^"]*)" without claim "([^"]*)"$`, tokenWithoutClaim)
	step(sc, `^the hostile token "([^"]*)"$`, hostileToken)
	step(sc, `^the acceptable token "([^"]*)"$`, acceptableToken)
	step(sc, `^the hostile token "([^"]*)" for "([^"]*)"$`, hostileTokenFor)
	step(sc, `^the token's signature is (forged|removed|removed with alg "none")$`, tokenSignatureChanged)
	step(sc, `^the Authorization header "((?:[^"\\]|\\.)*)"$`, authorizationHeader)
	step(sc, `^the Authorization headers "((?:[^"\\]|\\.)*)" and "((?:[^"\\]|\\.)*)"$`, authorizationHeaders)
	step(sc, `^the token is only in the query string$`, tokenOnlyInQuery)
	step(sc, `^the token is only in a form body$`, tokenOnlyInForm)
	step(sc, `^the token is only in a cookie$`, tokenOnlyInCookie)
	step(sc, `^the token is also in the query string$`, tokenAlsoInQuery)

	// Given: the world.
	step(sc, `^"([^"]*)" has opened a session$`, hasOpenedSession)
	step(sc, `^the backend fails with "([^"]*)"$`, backendFails)
	step(sc, `^the backend fails with "([^"]*)" for that token$`, backendFailsForToken)
	step(sc, `^the backend recording is cleared$`, backendRecordingCleared)

	// When.
	step(sc, `^the client sends "([^"]*)"$`, clientSends)
	step(sc, `^the client opens the GET stream$`, clientOpensStream)
	step(sc, `^the client deletes the session$`, clientDeletesSession)
	step(sc, `^the client calls "([^"]*)"$`, clientCalls)
	step(sc, `^the client calls "([^"]*)" with (\{.*\})$`, clientCallsWith)
	step(sc, `^the client calls "([^"]*)" on the session of "([^"]*)"$`, clientCallsOnSession)
	step(sc, `^the client fetches "([^"]*)"$`, clientFetches)
	step(sc, `^(\d+) concurrent calls run as ((?:"[^"]*"(?:, | and )?)+)$`, concurrentCalls)
	step(sc, `^the fault clears$`, faultClears)

	// Then: HTTP and challenges.
	step(sc, `^the response status is (\d+)$`, responseStatusIs)
	step(sc, `^the response status is (\d+) or (\d+)$`, responseStatusIsEither)
	step(sc, `^the response status is (\d+), or the scenario is skipped$`, responseStatusIsOrSkip)
	step(sc, `^the request is accepted$`, requestAccepted)
	step(sc, `^the request is refused$`, requestRefused)
	step(sc, `^the challenge has no error code$`, challengeNoErrorCode)
	step(sc, `^the challenge error is "([^"]*)"$`, challengeErrorIs)
	step(sc, `^the challenge names the resource metadata$`, challengeNamesMetadata)
	step(sc, `^the challenge scope is "([^"]*)"$`, challengeScopeIs)
	step(sc, `^the challenge has a scope$`, challengeHasScope)
	step(sc, `^the response body is JSON$`, responseBodyIsJSON)
	step(sc, `^the response does not contain the token$`, responseHasNoToken)
	step(sc, `^the response arrived within (\d+) ms$`, responseWithin)
	step(sc, `^the attacker listener received no request$`, attackerNoRequest)

	// Then: tools.
	step(sc, `^the tool succeeds$`, toolSucceeds)
	step(sc, `^the tool fails$`, toolFails)
	step(sc, `^the tool fails with "([^"]*)"$`, toolFailsWith)
	step(sc, `^the result field "([^"]*)" is "([^"]*)"$`, resultFieldIs)
	step(sc, `^the result field "([^"]*)" lists "([^"]*)"$`, resultFieldLists)
	step(sc, `^the result field "([^"]*)" does not list "([^"]*)"$`, resultFieldNotLists)
	step(sc, `^unless the call was refused, the result field "([^"]*)" lists "([^"]*)"$`, unlessRefused(resultFieldLists))
	step(sc, `^unless the call was refused, the result field "([^"]*)" does not list "([^"]*)"$`, unlessRefused(resultFieldNotLists))
	step(sc, `^every row of "([^"]*)" has "([^"]*)" equal to "([^"]*)"$`, everyRowHas)
	step(sc, `^no row of "([^"]*)" has "([^"]*)" equal to "([^"]*)"$`, noRowHas)
	step(sc, `^the result is the same as for "([^"]*)" with (\{.*\})$`, resultSameAs)
	step(sc, `^the call is not served as "([^"]*)"$`, callNotServedAs)
	step(sc, `^every concurrent call saw only its own identity and organization$`, concurrentIsolated)

	// Then: metadata.
	step(sc, `^the metadata "resource" is the MCP URL$`, metadataResourceIsMCPURL)
	step(sc, `^the metadata "([^"]*)" is not empty$`, metadataNotEmpty)
	step(sc, `^the metadata "([^"]*)" contains "([^"]*)"$`, metadataContains)
	step(sc, `^the metadata "([^"]*)" is exactly "([^"]*)"$`, metadataExactly)

	// Then: backend and hygiene.
	step(sc, `^the backend recorded no call$`, backendRecordedNoCall)
	step(sc, `^the backend received a token for "([^"]*)"$`, backendReceivedTokenFor)
	step(sc, `^the backend never received a client token$`, backendNeverReceivedClientToken)
	step(sc, `^the backend never received a scope beyond "([^"]*)"$`, backendScopeWithin)
	step(sc, `^the server is healthy$`, serverIsHealthy)
	step(sc, `^the target's logs contain no minted token or secret$`, logsHaveNoSecrets)
	step(sc, `^the target's logs contain no error-level line$`, logsHaveNoErrors)

	// Reliability: load, limits and backend faults (load.go, limits.go;
	// features/13_load_and_limits.feature and 11_backend_delegation.feature).
	step(sc, `^(\d+) concurrent clients call tools as ((?:"[^"]*"(?:, | and )?)+) with (\d+) % bad tokens$`, loadRuns)
	step(sc, `^no bad token was accepted$`, noBadTokenAccepted)
	step(sc, `^no good token was refused and no call failed$`, noGoodCallRefused)
	step(sc, `^no good token was refused$`, noGoodTokenRefused)
	step(sc, `^no call saw another caller's identity or data$`, noCrossTalk)
	step(sc, `^at least (\d+) % of the good calls were served$`, goodCallsServed)
	step(sc, `^the target is back to its baseline$`, backToBaseline)
	step(sc, `^the client sends an Authorization header of (\d+) KiB$`, clientSendsBigAuthorization)
	step(sc, `^the client sends a request body of (\d+) KiB$`, clientSendsBigBody)
	step(sc, `^the client sends a token of (\d+) KiB of periods$`, clientSendsPeriodsToken)
	step(sc, `^the target allocated at most (\d+) KiB for the request$`, allocatedAtMost)
	step(sc, `^the oversized request is refused$`, oversizedRefused)
	step(sc, `^the oversized request got the status ((?:\d+|2xx)(?: or (?:\d+|2xx))*)$`, oversizedStatus)
	step(sc, `^a client sends its headers one byte every (\d+) ms$`, slowClient)
	step(sc, `^the target closed the connection within (\d+) ms$`, targetClosedWithin)
	step(sc, `^the tool fails with a clear error within the backend timeout$`, toolFailsClearlyInTime)
	step(sc, `^the call ends as the backend fault "([^"]*)" allows$`, callEndsAsFaultAllows)
	step(sc, `^the tool fails, unless the fault "([^"]*)" only delays the backend$`, toolFailsUnlessDelayed)
	step(sc, `^the tool error contains no token$`, toolErrorHasNoToken)

	// Real clients: discovery, Origin, side doors, streams and the wider
	// log scan (clients.go; features/16_clients.feature).
	step(sc, `^the request carries the Origin "([^"]*)"$`, requestCarriesOrigin)
	step(sc, `^a valid token for "([^"]*)" that expires in (\d+) s$`, validTokenExpiringIn)
	step(sc, `^a fresh token for "([^"]*)"$`, freshTokenFor)
	step(sc, `^the client calls "([^"]*)" with (\{.*\}) on the session of "([^"]*)"$`, clientCallsWithOnSession)
	step(sc, `^the client opens the GET stream for (\d+) s$`, clientOpensStreamFor)
	step(sc, `^the client follows the challenge to the resource metadata$`, followChallengeToMetadata)
	step(sc, `^the client sends "(GET|POST)" to the side door "([^"]*)"$`, clientSendsToSideDoor)
	step(sc, `^no session was opened$`, noSessionOpened)
	step(sc, `^every authorization server is an issuer URL$`, everyAuthorizationServerIsURL)
	step(sc, `^every authorization server publishes its metadata with the same issuer$`, everyASPublishesMetadata)
	step(sc, `^the stream ended within (\d+) s of the token's expiry$`, streamEndedNearExpiry)
	step(sc, `^the side door did not serve the request$`, sideDoorNotServed)
	step(sc, `^the side door is absent or answers as the MCP endpoint does$`, sideDoorAbsentOrAsMCP)
	step(sc, `^the target's logs contain no token the backend received$`, logsHaveNoBackendToken)
	step(sc, `^the target's logs contain nothing shaped like a JWT$`, logsHaveNoJWT)
	step(sc, `^the target's logs do not contain the client secret$`, logsHaveNoClientSecret)
	step(sc, `^the target's logs do not contain the session ids of this scenario$`, logsHaveNoSessionID)

	// MCP 2026-07-28, the stateless wire (stateless.go,
	// features/15_stateless.feature).
	step(sc, `^the client sends "(GET|DELETE)" to the MCP endpoint$`, clientSendsVerb)
	step(sc, `^the client calls "([^"]*)" with the header "([^"]*)" set to "([^"]*)"$`, clientCallsWithHeader)
	step(sc, `^the client calls "([^"]*)" with (\{.*\}) and the header "([^"]*)" set to "([^"]*)"$`, clientCallsWithArgsAndHeader)
	step(sc, `^the client calls "([^"]*)" without the header "([^"]*)"$`, clientCallsWithoutHeader)
	step(sc, `^"([^"]*)" and "([^"]*)" list the tools$`, usersListTools)
	step(sc, `^the client listens for tool list changes$`, clientListens)
	step(sc, `^the response has a Bearer challenge$`, responseHasBearerChallenge)
	step(sc, `^the JSON-RPC error code is (-?\d+)$`, jsonRPCErrorCodeIs)
	step(sc, `^the challenge scope names "([^"]*)" and otherwise only scopes the token holds$`, challengeScopeWithin)
	step(sc, `^the challenge scope does not list "([^"]*)"$`, challengeScopeNotListing)
	step(sc, `^the metadata "([^"]*)" does not contain "([^"]*)"$`, metadataNotContains)
	step(sc, `^a tools/list that differs between them is not marked cacheScope "([^"]*)"$`, callerListNotPublic)
}
