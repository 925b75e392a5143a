package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// JWKS mode (features/14_jwks.feature): the suite plays an issuer that
// signs RS256/ES256 tokens and publishes its keys at the target's
// JWT_JWKS_URL (harness.KeySet, Target.Keys).

// tagJWKS marks the scenarios of JWKS mode. They run only against a target
// in JWKS mode, and in that mode only they run: every other scenario mints
// HS256 tokens with the shared secret, which such a target refuses by
// design.
const tagJWKS = "@jwks"

// refreshPoll is how often the steps that wait for the target to refresh
// its key set try again.
const refreshPoll = 100 * time.Millisecond

// jwksScenario is the JWKS state of one scenario, beside scenario.
type jwksScenario struct {
	keys   *harness.KeySet
	labels map[string]string // "new/RS256", "old/ES256" → kid

	markOnce sync.Once
	mark     int64 // JWKS hits when the scenario's first JWKS step ran
	down     bool  // this scenario took the endpoint down

	storm []int // statuses of the unknown-kid burst
}

type jwksKey struct{}

func getJWKS(ctx context.Context) *jwksScenario {
	js, _ := ctx.Value(jwksKey{}).(*jwksScenario)
	if js != nil && js.keys != nil {
		// The mark is taken by the first step, not in a Before hook: steps
		// run after the @serial lock is taken, hooks may not.
		js.markOnce.Do(func() { js.mark = js.keys.Hits() })
	}
	return js
}

// registerJWKS wires the JWKS hooks and steps. Register calls it first, so
// that its After hook brings the endpoint back before the @serial lock is
// released.
func registerJWKS(sc *godog.ScenarioContext, env *Env) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		js := &jwksScenario{keys: env.Target.Keys, labels: map[string]string{}}
		ctx = context.WithValue(ctx, jwksKey{}, js)
		jwks := hasTag(tagNames(p), tagJWKS)
		if reason := suppliedJWKSSkip(ctx, env, jwks); reason != "" || env.Target.Supplied != nil {
			if reason != "" {
				return ctx, skip("%s", reason)
			}
			return ctx, nil
		}
		switch {
		case jwks && js.keys == nil:
			return ctx, skip("the target verifies HS256 tokens with the shared secret; @jwks scenarios need a target in JWKS mode (--keys jwks)")
		case !jwks && js.keys != nil:
			return ctx, skip("the scenario mints HS256 tokens with the shared secret, which a target in JWKS mode refuses by design; run it in HS256 mode")
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
		// An outage never outlives its scenario.
		if js, _ := ctx.Value(jwksKey{}).(*jwksScenario); js != nil && js.down {
			js.keys.SetDown(false)
			js.down = false
		}
		return ctx, nil
	})

	// Given: tokens.
	step(sc, `^a valid "(RS256|ES256)" token for "([^"]*)"$`, jwksValidToken)
	step(sc, `^a valid "(RS256|ES256)" token for "([^"]*)" from the "(new|old|unpublished|bare)" key$`, jwksTokenFromKey)
	step(sc, `^an? "(RS256|ES256)" token for "([^"]*)" with claim "([^"]*)" set to "((?:[^"\\]|\\.)*)"$`, jwksTokenWithClaim)
	step(sc, `^the hostile JWKS token "([^"]*)"$`, jwksHostileToken)

	// Given: the issuer and its endpoint.
	step(sc, `^the issuer publishes a new "(RS256|ES256)" key$`, issuerPublishes)
	step(sc, `^the issuer rotates its "(RS256|ES256)" key$`, issuerRotates)
	step(sc, `^the JWKS endpoint is down$`, jwksEndpointDown)
	step(sc, `^the target has fetched the current key set$`, targetHasFetchedKeys)
	step(sc, `^the target has tried to fetch the key set during the outage$`, targetTriedDuringOutage)
	step(sc, `^the target holds the issuer's current "([^"]*)" key$`, targetHoldsCurrentKey)

	// When.
	step(sc, `^the client sends "([^"]*)" until it is accepted, for at most (\d+) s$`, clientSendsUntilAccepted)
	step(sc, `^(\d+) tokens with unknown kids are sent$`, unknownKIDBurst)

	// Then.
	step(sc, `^every one of them was refused with (\d+)$`, burstRefusedWith)
	step(sc, `^the JWKS endpoint was fetched at most (\d+) times? since the scenario began$`, jwksFetchedAtMost)
	step(sc, `^the JWKS endpoint was fetched since the scenario began$`, jwksFetched)
	step(sc, `^the attacker key server received no request$`, attackerKeyServerNoRequest)
}

// jwks returns the scenario's JWKS state, or an error for a scenario that
// uses a JWKS step without running in JWKS mode (its @jwks tag missing).
func jwks(ctx context.Context) (*jwksScenario, *scenario, error) {
	js, s := getJWKS(ctx), get(ctx)
	if js == nil || js.keys == nil {
		return nil, nil, fmt.Errorf("a JWKS step needs a target in JWKS mode; tag the scenario %s", tagJWKS)
	}
	return js, s, nil
}

func jwksValidToken(ctx context.Context, alg, name string) error {
	if get(ctx).env.Target.Supplied != nil {
		return suppliedJWKSToken(ctx, alg, name)
	}
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	return js.useToken(s, name, js.keys.Current(alg), nil)
}

func jwksTokenFromKey(ctx context.Context, alg, name, label string) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	var kid string
	switch label {
	case "unpublished":
		if kid, err = js.keys.Unpublished(alg); err != nil {
			return err
		}
	case "bare":
		if alg != harness.AlgRS256 {
			return fmt.Errorf(`the "bare" key is an RSA key: use it with "RS256"`)
		}
		kid = js.keys.BareKID()
	default:
		var ok bool
		if kid, ok = js.labels[label+"/"+alg]; !ok {
			return fmt.Errorf(`no %q %s key yet: an earlier step must publish or rotate one`, label, alg)
		}
	}
	return js.useToken(s, name, kid, nil)
}

func jwksTokenWithClaim(ctx context.Context, alg, name, claim, value string) error {
	if get(ctx).env.Target.Supplied != nil {
		return suppliedJWKSClaim(ctx, alg, name, claim, value)
	}
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	value = strings.ReplaceAll(value, `\"`, `"`)
	if !json.Valid([]byte(value)) {
		return fmt.Errorf("claim %q: %q is not JSON", claim, value)
	}
	return js.useToken(s, name, js.keys.Current(alg), map[string]json.RawMessage{claim: json.RawMessage(value)})
}

// useToken makes a token of user name, signed with kid, the scenario's
// credential.
func (js *jwksScenario) useToken(s *scenario, name, kid string, set map[string]json.RawMessage) error {
	u, err := user(name)
	if err != nil {
		return err
	}
	s.user = u
	tok, err := js.keys.TokenFrom(s.env.Target.Issuer, u, kid, set, nil)
	if err != nil {
		return err
	}
	s.useToken(tok)
	return nil
}

func jwksHostileToken(ctx context.Context, name string) error {
	if get(ctx).env.Target.Supplied != nil {
		return suppliedJWKSHostile(ctx, name)
	}
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	c, err := harness.LookupJWKSHostile(name)
	if err != nil {
		return err
	}
	tok, err := c.Build(js.keys, s.env.Target.Issuer, s.user, s.attackPath)
	if err != nil {
		return fmt.Errorf("building %q: %w", c.Name, err)
	}
	s.useToken(tok)
	return nil
}

func issuerPublishes(ctx context.Context, alg string) error {
	js, _, err := jwks(ctx)
	if err != nil {
		return err
	}
	kid, err := js.keys.Publish(alg)
	if err != nil {
		return err
	}
	js.labels["new/"+alg] = kid
	return nil
}

func issuerRotates(ctx context.Context, alg string) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !s.serial {
		// Every scenario signs with the current key: a rotation under a
		// running scenario would change its key.
		return fmt.Errorf("a scenario that rotates keys must be tagged %s", tagSerial)
	}
	old, next, err := js.keys.Rotate(alg)
	if err != nil {
		return err
	}
	js.labels["old/"+alg], js.labels["new/"+alg] = old, next
	return nil
}

func jwksEndpointDown(ctx context.Context) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !s.serial {
		return fmt.Errorf("a scenario that takes the JWKS endpoint down must be tagged %s", tagSerial)
	}
	js.down = true
	js.keys.SetDown(true)
	return nil
}

// refreshWait bounds the steps that wait for the target to fetch its key
// set. A target may rate-limit the fetches unknown kids cause (jose's
// createRemoteJWKSet waits 30 s between fetches); the suite assumes it
// allows one within this time.
const refreshWait = 35 * time.Second

// targetHasFetchedKeys waits until the target accepts a token signed with
// each key the scenario published or rotated in: proof that it fetched the
// set holding them. The scenario's own credentials are left alone. A target
// that never does skips the scenario, with the reason.
func targetHasFetchedKeys(ctx context.Context) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	var kids []string
	for label, kid := range js.labels {
		if strings.HasPrefix(label, "new/") {
			kids = append(kids, kid)
		}
	}
	if len(kids) == 0 {
		return fmt.Errorf("no new key to wait for: publish or rotate one first")
	}
	for _, kid := range kids {
		tok, err := js.keys.TokenFrom(s.env.Target.Issuer, harness.Users["alice"], kid, nil, nil)
		if err != nil {
			return err
		}
		s.env.remember(tok)
		resp, tries, err := s.sendUntil(ctx, harness.BearerHeader(tok), refreshWait, func(r *harness.Response) bool { return r.Status/100 == 2 })
		if err != nil {
			return err
		}
		if resp.Status/100 != 2 {
			// What the scenario tests cannot be observed; the refetch
			// itself is @auth-14.12's requirement, which fails on its own.
			return skip("the target did not accept a token signed with the newly published key within %v (HTTP %d after %d tries), so it never held the new set (see @auth-14.12)", refreshWait, resp.Status, tries)
		}
	}
	return nil
}

// targetHoldsCurrentKey waits until the target accepts a token signed with
// the issuer's current key of alg, with the scenario's credentials left
// alone. After a rotation (auth-14.14) a target whose refetch cooldown has
// not passed may not hold it yet; one that never does within refreshWait
// skips the scenario, with the reason.
func targetHoldsCurrentKey(ctx context.Context, alg string) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	kid := js.keys.Current(alg)
	if kid == "" {
		return fmt.Errorf("the issuer has no %s key", alg)
	}
	tok, err := js.keys.TokenFrom(s.env.Target.Issuer, harness.Users["alice"], kid, nil, nil)
	if err != nil {
		return err
	}
	s.env.remember(tok)
	resp, tries, err := s.sendUntil(ctx, harness.BearerHeader(tok), refreshWait, func(r *harness.Response) bool { return r.Status/100 == 2 })
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		return skip("the target did not accept a token of the issuer's current %s key within %v (HTTP %d after %d tries), so it holds no key the scenario can test (see @auth-14.12)", alg, refreshWait, resp.Status, tries)
	}
	return nil
}

// targetTriedDuringOutage sends tokens with kids the target cannot know
// until the (down) endpoint records a fetch.
func targetTriedDuringOutage(ctx context.Context) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !js.down {
		return fmt.Errorf("take the JWKS endpoint down first")
	}
	before := js.keys.Hits()
	deadline := time.Now().Add(refreshWait)
	for tries := 1; ; tries++ {
		kid, err := js.keys.Unpublished(harness.AlgRS256)
		if err != nil {
			return err
		}
		tok, err := js.keys.TokenFrom(s.env.Target.Issuer, harness.Users["alice"], kid, nil, nil)
		if err != nil {
			return err
		}
		s.env.remember(tok)
		if _, err := s.initialize(ctx, harness.BearerHeader(tok)); err != nil {
			return err
		}
		if js.keys.Hits() > before {
			return nil
		}
		if time.Now().After(deadline) {
			return skip("the target did not try to fetch its JWKS within %v of %d tokens with unknown kids, so the outage never reached it (see @auth-14.12)", refreshWait, tries)
		}
		time.Sleep(refreshPoll)
	}
}

func (s *scenario) initialize(ctx context.Context, creds harness.Credentials) (*harness.Response, error) {
	return s.env.Client.Do(ctx, harness.Exchange{Creds: creds, Message: s.env.Client.OpeningMessage()})
}

// sendUntil sends initialize with creds until done or the wait is over, and
// returns the last answer.
func (s *scenario) sendUntil(ctx context.Context, creds harness.Credentials, wait time.Duration, done func(*harness.Response) bool) (*harness.Response, int, error) {
	deadline := time.Now().Add(wait)
	for tries := 1; ; tries++ {
		resp, err := s.initialize(ctx, creds)
		if err != nil || done(resp) || time.Now().After(deadline) {
			return resp, tries, err
		}
		select {
		case <-ctx.Done():
			return resp, tries, ctx.Err()
		case <-time.After(refreshPoll):
		}
	}
}

// clientSendsUntilAccepted repeats clientSends while the answer is not 2xx,
// for at most secs seconds: for a target that refreshes its key set when it
// meets an unknown kid, but may rate-limit the refresh.
func clientSendsUntilAccepted(ctx context.Context, method string, secs int) error {
	s := get(ctx)
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	for {
		if err := clientSends(ctx, method); err != nil {
			return err
		}
		if s.resp.Status/100 == 2 || time.Now().After(deadline) {
			return nil
		}
		time.Sleep(refreshPoll)
	}
}

// unknownKIDBurst sends n initialize requests, eight at a time, each with a
// token whose kid no key of the set has.
func unknownKIDBurst(ctx context.Context, n int) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !s.serial {
		return fmt.Errorf("a scenario that counts JWKS fetches must be tagged %s", tagSerial)
	}
	toks := make([]string, n)
	for i := range toks {
		kid, err := js.keys.Unpublished(harness.AlgRS256)
		if err != nil {
			return err
		}
		if toks[i], err = js.keys.TokenFrom(s.env.Target.Issuer, s.user, kid, nil, nil); err != nil {
			return err
		}
	}
	s.env.remember(toks...)
	js.storm = make([]int, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, tok := range toks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			resp, err := s.initialize(ctx, harness.BearerHeader(tok))
			if err != nil {
				errs[i] = err
				return
			}
			js.storm[i] = resp.Status
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func burstRefusedWith(ctx context.Context, code int) error {
	js, _, err := jwks(ctx)
	if err != nil {
		return err
	}
	if len(js.storm) == 0 {
		return fmt.Errorf("no burst of tokens was sent")
	}
	counts := map[int]int{}
	for _, st := range js.storm {
		counts[st]++
	}
	if counts[code] != len(js.storm) {
		return mismatch(fmt.Sprintf("HTTP %d for all %d tokens", code, len(js.storm)), "statuses %v", counts)
	}
	return nil
}

func jwksFetchedAtMost(ctx context.Context, n int) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !s.serial {
		return fmt.Errorf("a scenario that counts JWKS fetches must be tagged %s", tagSerial)
	}
	if got := js.keys.Hits() - js.mark; got > int64(n) {
		return mismatch(fmt.Sprintf("at most %d fetches of the JWKS (unknown kids must not make the target hammer its issuer)", n), "%d fetches", got)
	}
	return nil
}

func jwksFetched(ctx context.Context) error {
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if !s.serial {
		return fmt.Errorf("a scenario that counts JWKS fetches must be tagged %s", tagSerial)
	}
	if js.keys.Hits() == js.mark {
		return mismatch("a fetch of the JWKS since the scenario began", "none")
	}
	return nil
}

func attackerKeyServerNoRequest(ctx context.Context) error {
	if get(ctx).env.Target.Supplied != nil { // derived key URLs point at the attacker listener
		return attackerNoRequest(ctx)
	}
	js, s, err := jwks(ctx)
	if err != nil {
		return err
	}
	if n := js.keys.AttackerHits(s.attackPath); n != 0 {
		return mismatch("no request to the URL in the token header (RFC 8725 §3.10: keys come only from the configured JWKS)", "the target fetched it %d time(s)", n)
	}
	return nil
}
