package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// Material: what key material a scenario needs beyond user A's token, so
// that a run with supplied tokens (harness.Supplied: tokens the target's own
// issuer minted, and no key) runs every scenario it can and skips the rest
// with the reason. The needs are read off the scenario's steps by the table
// below; TestMaterialTags writes them as tags above each scenario
// (go test ./steps -run TestMaterialTags -update).

// Material tags, one per need (harness.Need*).
var materialTags = map[string]string{
	harness.NeedSigningKey:    "@needs-signing-key",
	harness.NeedUserB:         "@needs-user-b",
	harness.NeedNarrow:        "@needs-narrow-token",
	harness.NeedOtherAudience: "@needs-other-audience",
	harness.NeedSameOrg:       "@needs-same-org-user",
}

// materialRule maps the steps matching pattern to their needs; jwks is true
// in a @jwks scenario, where a plain "a valid token for" is an HS256 token
// of the shared secret.
type materialRule struct {
	pattern *regexp.Regexp
	needs   func(m []string, jwks bool) []string
}

func needs(n ...string) func([]string, bool) []string {
	return func([]string, bool) []string { return n }
}

// castNeeds is what a valid token of the cast member name needs.
func castNeeds(name string) []string {
	if _, need := harness.CastRole(name); need != "" {
		return []string{need}
	}
	return nil
}

var materialName = regexp.MustCompile(`"([^"]*)"`)

// materialTable lists every step that sends a token other than user A's.
// Steps not listed need nothing beyond it.
var materialTable = []materialRule{
	{regexp.MustCompile(`^a valid token for "([^"]*)"$`), func(m []string, jwks bool) []string {
		if jwks {
			return []string{harness.NeedSigningKey}
		}
		return castNeeds(m[1])
	}},
	{regexp.MustCompile(`^a token for "([^"]*)" with scope "([^"]*)"$`), func(m []string, _ bool) []string {
		if m[1] == "alice" {
			return []string{harness.NeedNarrow}
		}
		return []string{harness.NeedSigningKey}
	}},
	{regexp.MustCompile(`^a token for "([^"]*)" with claim "([^"]*)" set to "((?:[^"\\]|\\.)*)"$`), func(m []string, _ bool) []string {
		return claimNeeds(m[1], m[2], m[3])
	}},
	{regexp.MustCompile(`^a token for "([^"]*)" without claim "([^"]*)"$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^the hostile token "([^"]*)"(?: for "([^"]*)")?$`), func(m []string, _ bool) []string {
		var out []string
		if n := harness.HostileNeeds(m[1]); n != "" {
			out = append(out, n)
		} else if harness.IsTampered(m[1]) {
			out = append(out, needDerived)
		}
		if m[2] != "" {
			out = append(out, castNeeds(m[2])...)
		}
		return out
	}},
	{regexp.MustCompile(`^the acceptable token "([^"]*)"$`), needs(harness.NeedSigningKey)},
	// A valid token about to expire, or a fresh one beside the token that
	// opened a session: a supplied token is neither.
	{regexp.MustCompile(`^a valid token for "([^"]*)" that expires in \d+ s$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^a fresh token for "([^"]*)"$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^"([^"]*)" has opened a session$`), func(m []string, _ bool) []string { return castNeeds(m[1]) }},
	{regexp.MustCompile(`^(\d+) concurrent calls run as (.*)$`), func(m []string, _ bool) []string {
		var out []string
		for _, q := range materialName.FindAllStringSubmatch(m[2], -1) {
			out = append(out, castNeeds(q[1])...)
		}
		return out
	}},
	// A backend fault on the token exchange, or on one token, meets the
	// target only with a token it has not exchanged and cached yet: a fresh
	// one, which only the issuer's key can make. A supplied token is the
	// same in every scenario.
	{regexp.MustCompile(`^the backend fails with "exchange-[^"]*"$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^the backend fails with "([^"]*)" for that token$`), needs(harness.NeedSigningKey)},
	// The load run mints expired and forged tokens for every user.
	{regexp.MustCompile(`^(\d+) concurrent clients call tools as `), needs(harness.NeedSigningKey)},
	// JWKS mode: user A's token when its algorithm is the one asked for;
	// everything that acts as the issuer needs its key.
	{regexp.MustCompile(`^a valid "(RS256|ES256)" token for "([^"]*)"$`), func(m []string, _ bool) []string { return castNeeds(m[2]) }},
	{regexp.MustCompile(`^a valid "(RS256|ES256)" token for "([^"]*)" from the "([^"]*)" key$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^an? "(RS256|ES256)" token for "([^"]*)" with claim "([^"]*)" set to "((?:[^"\\]|\\.)*)"$`), func(m []string, _ bool) []string {
		return claimNeeds(m[2], m[3], m[4])
	}},
	{regexp.MustCompile(`^the hostile JWKS token "([^"]*)"$`), func(m []string, _ bool) []string {
		if n := harness.HostileNeeds(m[1]); n != "" {
			return []string{n}
		}
		if harness.IsTampered(m[1]) {
			return []string{needDerived}
		}
		return nil
	}},
	{regexp.MustCompile(`^the issuer (publishes|rotates) `), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^the JWKS endpoint is down$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^the target has (fetched|tried to fetch) the `), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^(\d+) tokens with unknown kids are sent$`), needs(harness.NeedSigningKey)},
	{regexp.MustCompile(`^the JWKS endpoint was fetched`), needs(harness.NeedSigningKey)},
}

// needDerived marks a step whose token is user A's with a claim changed
// under the original signature: a target refuses it for the signature, so
// it serves only a scenario that expects a refusal.
const needDerived = "derived"

// claimNeeds is what "a token for <name> with claim <claim> set to
// <value>" needs: another audience comes from the other_audience token,
// the claims of harness.TamperedClaims (but scope) are changed under the
// original signature, anything else is minted.
func claimNeeds(name, claim, value string) []string {
	value = strings.ReplaceAll(value, `\"`, `"`)
	switch {
	case name != "alice":
	case claim == "aud" && !harness.AudienceContains([]byte(value), harness.DefaultAudience):
		return []string{harness.NeedOtherAudience}
	case claim != "scope" && slices.Contains(harness.TamperedClaims, claim):
		return []string{needDerived}
	}
	return []string{harness.NeedSigningKey}
}

// acceptance matches the steps that expect the target to accept a token.
var acceptance = regexp.MustCompile(`^(the request is accepted|the tool succeeds)$`)

// castMention finds the cast members a step names.
var castMention = regexp.MustCompile(`"([a-z]+)"`)

// scenarioNeeds is the sorted material the steps need, in a scenario with
// the given tags.
func scenarioNeeds(tags, stepTexts []string) []string {
	jwks := hasTag(tags, tagJWKS)
	set := map[string]bool{}
	accepts := false
	for _, text := range stepTexts {
		accepts = accepts || acceptance.MatchString(text)
		for _, r := range materialTable {
			if m := r.pattern.FindStringSubmatch(text); m != nil {
				for _, n := range r.needs(m, jwks) {
					set[n] = true
				}
			}
		}
	}
	byRole := castByRole(stepTexts)
	// Neither the narrow token, nor the same_org one, nor user B's can play
	// two members at once.
	if len(byRole[harness.RoleNarrow]) > 1 {
		set[harness.NeedSigningKey] = true
	}
	// The narrow token is user A's: another member of A's organization in a
	// scenario where alice appears is played by the same_org token only.
	if narrowExcluded(byRole) {
		delete(set, harness.NeedNarrow)
		set[harness.NeedSameOrg] = true
	}
	if len(byRole[harness.RoleUserB]) > 1 {
		set[harness.NeedSigningKey] = true
	}
	if set[needDerived] {
		delete(set, needDerived)
		if accepts {
			set[harness.NeedSigningKey] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// castByRole lists the cast members the steps name by the supplied role
// that would play them (harness.CastRole), in order of appearance; alice
// with fewer scopes counts as a member the narrow token plays.
func castByRole(stepTexts []string) map[string][]string {
	byRole := map[string][]string{}
	for _, text := range stepTexts {
		for _, q := range castMention.FindAllStringSubmatch(text, -1) {
			if _, ok := harness.Users[q[1]]; !ok {
				continue
			}
			role, _ := harness.CastRole(q[1])
			if !slices.Contains(byRole[role], q[1]) {
				byRole[role] = append(byRole[role], q[1])
			}
		}
		if strings.Contains(text, `token for "alice" with scope`) && !slices.Contains(byRole[harness.RoleNarrow], "alice") {
			byRole[harness.RoleNarrow] = append(byRole[harness.RoleNarrow], "alice")
		}
	}
	return byRole
}

// narrowExcluded: one member of A's organization other than alice, in a
// scenario where alice appears, which the narrow token (alice's own)
// cannot play.
func narrowExcluded(byRole map[string][]string) bool {
	names := byRole[harness.RoleNarrow]
	return len(names) == 1 && names[0] != "alice" && len(byRole[harness.RoleUserA]) > 0
}

// materialSkip is why a scenario cannot run with the target's supplied
// tokens ("" when it can, or when the suite holds the key).
func materialSkip(env *Env, p *godog.Scenario) string {
	sup := env.Target.Supplied
	if sup == nil {
		return ""
	}
	var missing []string
	for _, n := range scenarioNeeds(tagNames(p), stepTexts(p)) {
		if !hasMaterial(sup, n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("needs %s, which this run with supplied tokens lacks", strings.Join(missing, ", "))
}

func stepTexts(p *godog.Scenario) []string {
	texts := make([]string, len(p.Steps))
	for i, st := range p.Steps {
		texts[i] = st.Text
	}
	return texts
}

func hasMaterial(sup *harness.Supplied, need string) bool {
	switch need {
	case harness.NeedUserB:
		return sup.Has(harness.RoleUserB)
	case harness.NeedNarrow:
		// The members of A's organization the narrow token plays, the
		// same_org token may play; rows it cannot skip at run time.
		return sup.Has(harness.RoleNarrow) || sup.Has(harness.RoleSameOrg)
	case harness.NeedSameOrg:
		return sup.Has(harness.RoleSameOrg)
	case harness.NeedOtherAudience:
		return sup.Has(harness.RoleOtherAudience)
	}
	return false // the signing key: never, by construction
}

// material turns a missing-material error of the token source into a skip
// with its reason; other errors pass unchanged.
func material(err error) error {
	if me, ok := harness.IsMaterial(err); ok {
		return skip("%s", me.Reason)
	}
	return err
}

// secret is the issuer's signing secret, nil when the suite holds none.
func (e *Env) secret() []byte {
	if e.Target.Issuer == nil {
		return nil
	}
	return e.Target.Issuer.Secret
}

// castValue maps a value of the cast (alice's or carol's subject and
// organization, as the features write them) to what the supplied token
// that plays that member carries; unchanged when the suite mints.
func (s *scenario) castValue(ctx context.Context, v string) string {
	sup := s.env.Target.Supplied
	if sup == nil {
		return v
	}
	for _, name := range slices.Sorted(maps.Keys(harness.Users)) {
		u := harness.Users[name]
		if v != u.Subject && v != u.OrgID {
			continue
		}
		if _, played, _, err := sup.PlayRole(ctx, u, !s.noNarrow); err == nil {
			if v == u.Subject {
				return played.Subject
			}
			return played.OrgID
		}
	}
	return v
}

// castUser is the cast member name as the target knows it in this run.
func (s *scenario) castUser(ctx context.Context, name string) (harness.User, error) {
	u, err := user(name)
	if err != nil || s.env.Target.Supplied == nil {
		return u, err
	}
	if _, played, _, err := s.env.Target.Supplied.PlayRole(ctx, u, !s.noNarrow); err == nil {
		return played, nil
	}
	return u, nil
}

// suppliedJWKSToken is "a valid <alg> token for <name>" with supplied
// tokens: the token that plays name, when the issuer signed it with alg.
func suppliedJWKSToken(ctx context.Context, alg, name string) error {
	s := get(ctx)
	u, err := user(name)
	if err != nil {
		return err
	}
	tok, err := s.validToken(u)
	if err != nil {
		return err
	}
	_, _, role, err := s.env.Target.Supplied.PlayRole(ctx, u, !s.noNarrow)
	if err != nil {
		return material(err)
	}
	who, err := s.env.Target.Supplied.Identity(ctx, role)
	if err != nil {
		return err
	}
	if who.Alg != alg {
		return skip("the supplied %s token is signed with %s, the scenario needs %s", role, who.Alg, alg)
	}
	s.user = u
	s.useToken(tok)
	return nil
}

// suppliedJWKSHostile is "the hostile JWKS token <name>" with supplied
// tokens: derived from user A's token.
func suppliedJWKSHostile(ctx context.Context, name string) error {
	s := get(ctx)
	s.noteTampered(nil, name)
	if _, err := harness.LookupJWKSHostile(name); err != nil {
		return err
	}
	tok, err := s.env.Target.Supplied.Derive(ctx, name, s.user, s.env.attacker.URL+s.attackPath)
	if err != nil {
		return material(err)
	}
	s.useToken(tok)
	return nil
}

// suppliedJWKSSkip is why a scenario is skipped in JWKS terms with
// supplied tokens: the @jwks scenarios need an asymmetric issuer.
func suppliedJWKSSkip(ctx context.Context, env *Env, jwks bool) string {
	sup := env.Target.Supplied
	if sup == nil || !jwks {
		return ""
	}
	who, err := sup.Identity(ctx, harness.RoleUserA)
	if err != nil {
		return err.Error()
	}
	if strings.HasPrefix(who.Alg, "HS") {
		return fmt.Sprintf("the supplied tokens are %s-signed; the @jwks scenarios are for an issuer with asymmetric keys", who.Alg)
	}
	return ""
}

// suppliedJWKSClaim is "a <alg> token for <name> with claim …" with
// supplied tokens: derived like "a token for … with claim …" from user A's
// token, when the issuer signed it with alg.
func suppliedJWKSClaim(ctx context.Context, alg, name, claim, value string) error {
	if err := tokenWithClaim(ctx, name, claim, value); err != nil {
		return err
	}
	who, err := get(ctx).env.Target.Supplied.Identity(ctx, harness.RoleUserA)
	if err != nil {
		return err
	}
	if who.Alg != alg {
		return skip("the supplied user_a token is signed with %s, the scenario needs %s", who.Alg, alg)
	}
	return nil
}

// TamperedNote is the result message of a scenario that passed on a
// supplied token whose claim was changed under its original signature.
const TamperedNote = "derived: a claim changed under the original signature; the refusal shows that the signature guards the claim, not that the target checks it"

// noteTampered records that the scenario's token is a supplied one with a
// claim changed under its signature: set holds the changed claims (Mint),
// names the hostile cases.
func (s *scenario) noteTampered(set map[string]json.RawMessage, names ...string) {
	sup := s.env.Target.Supplied
	if sup == nil {
		return
	}
	for claim, raw := range set {
		if claim != "scope" && slices.Contains(harness.TamperedClaims, claim) &&
			(claim != "aud" || harness.AudienceContains(raw, sup.Audience)) {
			s.tampered = true
		}
	}
	for _, n := range names {
		if harness.IsTampered(n) {
			s.tampered = true
		}
	}
}

// Tampered reports whether the scenario in ctx ran on a supplied token with
// a claim changed under its original signature.
func Tampered(ctx context.Context) bool {
	s := get(ctx)
	return s != nil && s.tampered
}
