package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// Tags that describe what a scenario needs of the target.
const (
	tagSerial        = "@serial"
	tagNeedsBackend  = "@needs-backend"
	tagNeedsLogs     = "@needs-logs"
	tagNeedsSessions = "@needs-sessions"
)

// SkipReason is returned (wrapped) when a scenario cannot run against this
// target; the runner reports the reason.
type SkipReason struct{ Reason string }

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
	sc.Step(`^no credentials$`, noCredentials)
	sc.Step(`^a valid token for "([^"]*)"$`, validTokenFor)
	sc.Step(`^a token for "([^"]*)" with scope "([^"]*)"$`, tokenWithScope)
	sc.Step(`^a token for "([^"]*)" with claim "([^"]*)" set to "((?:[^"\\]|\\.)*)"$`, tokenWithClaim)
	sc.Step(`^a token for "([^"]*)" without claim "([^"]*)"$`, tokenWithoutClaim)
	sc.Step(`^the hostile token "([^"]*)"$`, hostileToken)
	sc.Step(`^the acceptable token "([^"]*)"$`, acceptableToken)
	sc.Step(`^the hostile token "([^"]*)" for "([^"]*)"$`, hostileTokenFor)
	sc.Step(`^the Authorization header "((?:[^"\\]|\\.)*)"$`, authorizationHeader)
	sc.Step(`^the Authorization headers "((?:[^"\\]|\\.)*)" and "((?:[^"\\]|\\.)*)"$`, authorizationHeaders)
	sc.Step(`^the token is only in the query string$`, tokenOnlyInQuery)
	sc.Step(`^the token is only in a form body$`, tokenOnlyInForm)
	sc.Step(`^the token is only in a cookie$`, tokenOnlyInCookie)
	sc.Step(`^the token is also in the query string$`, tokenAlsoInQuery)

	// Given: the world.
	sc.Step(`^"([^"]*)" has opened a session$`, hasOpenedSession)
	sc.Step(`^the backend fails with "([^"]*)"$`, backendFails)
	sc.Step(`^the backend recording is cleared$`, backendRecordingCleared)

	// When.
	sc.Step(`^the client sends "([^"]*)"$`, clientSends)
	sc.Step(`^the client opens the GET stream$`, clientOpensStream)
	sc.Step(`^the client deletes the session$`, clientDeletesSession)
	sc.Step(`^the client calls "([^"]*)"$`, clientCalls)
	sc.Step(`^the client calls "([^"]*)" with (\{.*\})$`, clientCallsWith)
	sc.Step(`^the client calls "([^"]*)" on the session of "([^"]*)"$`, clientCallsOnSession)
	sc.Step(`^the client fetches "([^"]*)"$`, clientFetches)
	sc.Step(`^(\d+) concurrent calls run as ((?:"[^"]*"(?:, | and )?)+)$`, concurrentCalls)
	sc.Step(`^the fault clears$`, faultClears)

	// Then: HTTP and challenges.
	sc.Step(`^the response status is (\d+)$`, responseStatusIs)
	sc.Step(`^the request is accepted$`, requestAccepted)
	sc.Step(`^the request is refused$`, requestRefused)
	sc.Step(`^the challenge has no error code$`, challengeNoErrorCode)
	sc.Step(`^the challenge error is "([^"]*)"$`, challengeErrorIs)
	sc.Step(`^the challenge names the resource metadata$`, challengeNamesMetadata)
	sc.Step(`^the challenge scope is "([^"]*)"$`, challengeScopeIs)
	sc.Step(`^the challenge has a scope$`, challengeHasScope)
	sc.Step(`^the response body is JSON$`, responseBodyIsJSON)
	sc.Step(`^the response does not contain the token$`, responseHasNoToken)
	sc.Step(`^the response arrived within (\d+) ms$`, responseWithin)
	sc.Step(`^the attacker listener received no request$`, attackerNoRequest)

	// Then: tools.
	sc.Step(`^the tool succeeds$`, toolSucceeds)
	sc.Step(`^the tool fails$`, toolFails)
	sc.Step(`^the tool fails with "([^"]*)"$`, toolFailsWith)
	sc.Step(`^the result field "([^"]*)" is "([^"]*)"$`, resultFieldIs)
	sc.Step(`^the result field "([^"]*)" lists "([^"]*)"$`, resultFieldLists)
	sc.Step(`^every row of "([^"]*)" has "([^"]*)" equal to "([^"]*)"$`, everyRowHas)
	sc.Step(`^no row of "([^"]*)" has "([^"]*)" equal to "([^"]*)"$`, noRowHas)
	sc.Step(`^the result is the same as for "([^"]*)" with (\{.*\})$`, resultSameAs)
	sc.Step(`^the call is not served as "([^"]*)"$`, callNotServedAs)
	sc.Step(`^every concurrent call saw only its own identity and organization$`, concurrentIsolated)

	// Then: metadata.
	sc.Step(`^the metadata "resource" is the MCP URL$`, metadataResourceIsMCPURL)
	sc.Step(`^the metadata "([^"]*)" is not empty$`, metadataNotEmpty)
	sc.Step(`^the metadata "([^"]*)" contains "([^"]*)"$`, metadataContains)
	sc.Step(`^the metadata "([^"]*)" is exactly "([^"]*)"$`, metadataExactly)

	// Then: backend and hygiene.
	sc.Step(`^the backend recorded no call$`, backendRecordedNoCall)
	sc.Step(`^the backend received a token for "([^"]*)"$`, backendReceivedTokenFor)
	sc.Step(`^the backend never received a client token$`, backendNeverReceivedClientToken)
	sc.Step(`^the server is healthy$`, serverIsHealthy)
	sc.Step(`^the target's logs contain no minted token or secret$`, logsHaveNoSecrets)
	sc.Step(`^the target's logs contain no error-level line$`, logsHaveNoErrors)
}
