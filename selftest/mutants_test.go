package selftest

import (
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// mutant is one single-flaw variant of the reference server.
type mutant struct {
	// name is stable: it is the mutant's row in docs/kill-matrix.md.
	name string
	// flaw is the realistic bug, in one line.
	flaw string
	// killers are scenario IDs (a row of an outline: auth-2.4/5) written
	// for this kind of flaw; each must fail against the mutant, every time.
	killers []string
	// racy are scenarios that catch the flaw only under some schedules (a
	// race between concurrent requests); they count for nothing and are
	// left out of the matrix's failing set.
	racy []string
	// options builds the stack; called once per run, so that state a mutant
	// keeps (caches, opened sessions) starts empty.
	options func() harness.EmbeddedOptions
}

func withOptions(opts ...refserver.Option) func() harness.EmbeddedOptions {
	return func() harness.EmbeddedOptions { return harness.EmbeddedOptions{ServerOptions: opts} }
}

func wrapped(w wrapper) func() harness.EmbeddedOptions {
	return func() harness.EmbeddedOptions { return harness.EmbeddedOptions{Wrap: w} }
}

// mutants is the catalogue, grouped as the feature files are.
var mutants = []mutant{
	// --- 1. credentials ---
	{
		name:    "bearer-case-sensitive",
		flaw:    `strings.HasPrefix(h, "Bearer "): a lower- or upper-case scheme carries no token (false refusal)`,
		killers: []string{"auth-1.6/1", "auth-1.6/2", "auth-1.6/3"},
		options: wrapped(bearerCaseSensitive),
	},
	{
		name:    "single-space-only",
		flaw:    `strings.Split(h, " ") must give two parts: two spaces before the token are refused (false refusal)`,
		killers: []string{"auth-1.6/4"},
		options: wrapped(singleSpaceOnly),
	},
	{
		name:    "scheme-ignored",
		flaw:    "the token is the header's last word, whatever the scheme: Basic, Token, JWT or none",
		killers: []string{"auth-1.3/2", "auth-1.3/3", "auth-1.3/4", "auth-1.3/5"},
		options: wrapped(schemeIgnored),
	},
	{
		name:    "first-authorization-header",
		flaw:    `r.Header.Get("Authorization"): the first of two Authorization headers is used`,
		killers: []string{"auth-1.8/1", "auth-1.8/3", "auth-1.8/4"},
		options: wrapped(firstAuthorization),
	},
	{
		name:    "last-authorization-header",
		flaw:    "the last of two Authorization headers is used",
		killers: []string{"auth-1.8/2", "auth-1.8/3"},
		options: wrapped(lastAuthorization),
	},
	{
		name:    "other-scheme-400",
		flaw:    "an Authorization header of another scheme is answered 400 invalid_request instead of 401",
		killers: []string{"auth-1.3/1", "auth-1.3/2"},
		options: wrapped(otherScheme400),
	},
	{
		name:    "token-from-form-value",
		flaw:    `without a header the token is r.FormValue("access_token"): query string or form body`,
		killers: []string{"auth-1.10", "auth-1.11", "auth-1.13"},
		options: wrapped(formValueToken),
	},
	{
		name:    "token-from-cookie",
		flaw:    "without a header the token is read from an access_token cookie",
		killers: []string{"auth-1.12"},
		options: wrapped(cookieToken),
	},

	// --- 2. token integrity ---
	{
		name:    "syntax-errors-400",
		flaw:    "a malformed or empty token is answered 400 invalid_request instead of 401 invalid_token",
		killers: []string{"auth-2.1/1", "auth-2.1/5", "auth-2.1/10"},
		options: wrapped(syntaxAs400),
	},
	{
		name:    "lenient-base64",
		flaw:    "segments are decoded whatever their alphabet or padding (hand-rolled verifier)",
		killers: []string{"auth-2.1/3", "auth-2.1/4"},
		options: withOptions(gated(func(cfg refserver.VerifierConfig) verifyFunc {
			return handRolled{cfg: cfg, readHeader: true, lenientBase64: true}.verify
		}, refserver.ErrMalformed)),
	},
	{
		name:    "alg-none",
		flaw:    "the keyfunc answers alg none with jwt.UnsafeAllowNoneSignatureType",
		killers: []string{"auth-2.2/1", "auth-4.2/3", "auth-10.5/4"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) {
			v.allowNone = true
			v.methods = append(v.methods, jwt.SigningMethodNone.Alg())
		}), refserver.ErrAlgorithm)),
	},
	{
		name:    "alg-none-any-case",
		flaw:    `strings.EqualFold(alg, "none") skips the signature check (hand-rolled verifier)`,
		killers: []string{"auth-2.2/2", "auth-2.2/3", "auth-2.2/4", "auth-2.2/5"},
		options: withOptions(gated(func(cfg refserver.VerifierConfig) verifyFunc {
			return handRolled{cfg: cfg, readHeader: true, noneAnyCase: true}.verify
		}, refserver.ErrAlgorithm, refserver.ErrSignature)),
	},
	{
		name:    "header-ignored",
		flaw:    "the header is never read: HMAC-SHA256 over the first two parts is the whole check (hand-rolled verifier)",
		killers: []string{"auth-2.1/5", "auth-2.2/6", "auth-2.2/7", "auth-2.2/10"},
		options: withOptions(gated(func(cfg refserver.VerifierConfig) verifyFunc {
			return handRolled{cfg: cfg}.verify
		}, refserver.ErrMalformed, refserver.ErrAlgorithm, refserver.ErrUnsupported)),
	},
	{
		name:    "any-hmac-alg",
		flaw:    "no jwt.WithValidMethods: the keyfunc hands the secret to HS384 and HS512 too",
		killers: []string{"auth-2.2/8", "auth-2.2/9"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.methods = nil }), refserver.ErrAlgorithm)),
	},
	{
		name:    "signature-unchecked",
		flaw:    "claims read with parser.ParseUnverified and validated; the signature is never checked",
		killers: []string{"auth-2.4/1", "auth-2.4/5", "auth-6.4/1", "auth-10.6"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.unverified = true }), refserver.ErrSignature)),
	},
	{
		name:    "verify-cache-by-claims",
		flaw:    "accepted tokens are cached by their payload: the same claims with another signature, or none, are served from the cache",
		killers: []string{"auth-2.12/1", "auth-2.12/2", "auth-2.12/3"},
		options: withOptions(cachedByClaims()),
	},
	{
		name:    "dev-key-fallback",
		flaw:    `a token that fails with the secret is tried again with the development key "secret"`,
		killers: []string{"auth-2.4/6", "auth-2.5/4"},
		options: withOptions(gated(devKeyFallback, refserver.ErrSignature)),
	},
	{
		name:    "crit-ignored",
		flaw:    "the crit header parameter is ignored (golang-jwt does not look at it)",
		killers: []string{"auth-2.5/1"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.ignoreCrit = true }), refserver.ErrUnsupported)),
	},
	{
		name:    "embedded-jwk-trusted",
		flaw:    "an oct key in the token's jwk header verifies the token (CVE-2018-0114)",
		killers: []string{"auth-2.5/2"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.key = headerJWK(v.cfg) }), refserver.ErrSignature)),
	},
	{
		name:    "kid-key-file",
		flaw:    "kid names a key file, read with the error ignored: ../../dev/null or a missing file is an empty key",
		killers: []string{"auth-2.5/3", "auth-2.5/5"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.key = keyFile(v.cfg) }), refserver.ErrSignature)),
	},
	{
		name:    "key-url-followed",
		flaw:    "the key is fetched from the jku (or x5u) URL in the token's header",
		killers: []string{"auth-2.6/1", "auth-2.6/2"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.key = keyURL(v.cfg) }), refserver.ErrSignature)),
	},

	// --- 3. claims ---
	{
		name:    "expired-accepted",
		flaw:    `errors.Is(err, jwt.ErrTokenExpired) is let through ("clock skew")`,
		killers: []string{"auth-3.1/1", "auth-3.1/3", "auth-6.7/1", "auth-10.5/1"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.registered, v.tolerateExpired = true, true }), refserver.ErrExpired)),
	},
	{
		name:    "exp-optional",
		flaw:    "claims in a jwt.RegisteredClaims struct, no jwt.WithExpirationRequired: exp missing or null never expires, a numeric string is a date",
		killers: []string{"auth-3.1/2", "auth-3.1/4"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.registered, v.requireExp = true, false }), refserver.ErrMissingClaim, refserver.ErrInvalidClaim)),
	},
	{
		name:    "claim-names-case-folded",
		flaw:    "claim names are lower-cased before validation, the first spelling winning: EXP stands in for exp",
		killers: []string{"auth-3.1/6"},
		options: withOptions(gated(caseFolded, refserver.ErrInvalidClaim)),
	},
	{
		name:    "leeway-one-hour",
		flaw:    "jwt.WithLeeway(time.Hour) \"for clock skew\"",
		killers: []string{"auth-3.2", "auth-3.4", "auth-3.5"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.leeway = time.Hour }), refserver.ErrExpired, refserver.ErrNotYetValid)),
	},
	{
		name:    "issuer-ignored",
		flaw:    "no jwt.WithIssuer: a token of any issuer is accepted",
		killers: []string{"auth-3.6/1", "auth-3.6/3", "auth-3.7", "auth-10.5/6"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.checkIssuer = false }), refserver.ErrIssuer)),
	},
	{
		name:    "audience-ignored",
		flaw:    "no jwt.WithAudience: a token for any audience, the backend API's included, is accepted",
		killers: []string{"auth-3.8/2", "auth-3.8/5", "auth-3.9", "auth-3.10", "auth-10.5/5"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.checkAudience = false }), refserver.ErrAudience)),
	},
	{
		name:    "sub-optional",
		flaw:    "sub is read as an optional string: a token without a user is served as user \"\"",
		killers: []string{"auth-3.11/1", "auth-3.12"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.requireSub = false }), refserver.ErrMissingClaim)),
	},
	{
		name:    "org-optional",
		flaw:    "org_id is read as an optional string: a token without an organization is served with org \"\"",
		killers: []string{"auth-3.11/2", "auth-3.13", "auth-3.14", "auth-3.15"},
		options: withOptions(gated(flawed(func(v *jwtVerifier) { v.requireOrg = false }), refserver.ErrMissingClaim)),
	},
	{
		name:    "aud-array-refused",
		flaw:    "aud decoded into a string field: an audience array is refused (false refusal)",
		killers: []string{"auth-3.16/1"},
		options: withOptions(stricter(nil, audString)),
	},
	{
		name:    "no-leeway",
		flaw:    "no clock-skew leeway on exp and nbf (conformant: RFC 7519 §4.1.4 makes leeway a MAY; the @may check notes it)",
		killers: []string{"auth-3.20/1", "auth-3.20/2"},
		options: withOptions(stricter(func(c *refserver.VerifierConfig) { c.Leeway = 0 }, nil)),
	},
	{
		name:    "typ-jwt-only",
		flaw:    `typ must be "JWT" when present: RFC 9068's at+jwt is refused (false refusal)`,
		killers: []string{"auth-3.16/2"},
		options: withOptions(stricter(nil, typJWT)),
	},
	{
		name:    "unknown-claims-refused",
		flaw:    "claims decoded with DisallowUnknownFields: a claim the core app does not issue today is refused (false refusal)",
		killers: []string{"auth-3.18"},
		options: withOptions(stricter(nil, knownClaimsOnly)),
	},
	{
		name:    "issuer-trailing-slash",
		flaw:    `the issuer is compared with a trailing slash ("core-app/"), as OIDC discovery URLs have it: every token is refused (false refusal)`,
		killers: []string{"auth-1.2", "auth-6.9/1", "auth-3.17/1", "auth-9.1/1", "auth-10.1"},
		options: withOptions(stricter(func(c *refserver.VerifierConfig) { c.Issuer += "/" }, nil)),
	},

	// --- 4. challenges, 5. discovery ---
	{
		name:    "no-www-authenticate",
		flaw:    "401 answers carry no WWW-Authenticate header",
		killers: []string{"auth-4.1", "auth-4.2/1"},
		options: wrapped(noChallengeHeader),
	},
	{
		name:    "forbidden-as-401",
		flaw:    "every refusal is 401 invalid_token, a missing scope included",
		killers: []string{"auth-4.8/1", "auth-7.6/1"},
		options: wrapped(forbiddenAs401),
	},
	{
		name:    "no-metadata",
		flaw:    "the protected resource metadata is not served (only /mcp is routed)",
		killers: []string{"auth-5.1/1", "auth-5.1/2", "auth-5.2/1", "auth-5.3/1"},
		options: wrapped(noMetadata),
	},

	// --- 6. every request ---
	{
		name:    "auth-in-tools",
		flaw:    "credentials are checked in the tools: a request without a token gets HTTP 200 and a tool error",
		killers: []string{"auth-1.1", "auth-6.1/1"},
		options: wrapped(authInTools),
	},
	{
		name:    "session-trusted",
		flaw:    "only initialize is authenticated: later requests on a session ride on the token that opened it",
		killers: []string{"auth-6.1/3", "auth-6.2", "auth-6.3", "auth-6.4/3", "auth-6.8", "auth-10.4"},
		options: wrapped(sessionTrusted),
	},

	// --- 7. scopes ---
	{
		name:    "no-scope-check",
		flaw:    "the tools' scopes are never checked",
		killers: []string{"auth-7.3/1", "auth-7.4/1"},
		options: withOptions(refserver.WithScopeCheck(anyScope)),
	},
	{
		name:    "scope-substring",
		flaw:    "strings.Contains(scopeClaim, scope): readonly, read:all and reads grant read",
		killers: []string{"auth-7.5/1", "auth-7.5/2", "auth-7.5/4"},
		options: withOptions(refserver.WithScopeCheck(substringScope)),
	},

	// --- 8. organizations, 9. user context ---
	{
		name:    "response-cache",
		flaw:    "backend GET answers are cached by path and query, not by caller",
		killers: []string{"auth-8.2/4", "auth-9.4"},
		options: func() harness.EmbeddedOptions {
			return harness.EmbeddedOptions{ServerOptions: []refserver.Option{refserver.WrapBackendTransport(func(rt http.RoundTripper) http.RoundTripper {
				return &pathCache{next: rt, answers: map[string]cachedAnswer{}}
			})}}
		},
	},
	{
		name:    "delete-404-as-success",
		flaw:    "a 404 answer to DELETE counts as success: deleting another organization's ticket reports a deletion",
		killers: []string{"auth-8.1/3", "auth-8.1/7"},
		options: withOptions(refserver.WrapBackendTransport(func(rt http.RoundTripper) http.RoundTripper { return deleteIdempotent{rt} })),
	},
	{
		name:    "global-caller",
		flaw:    "the caller is kept in a package-level variable, written at request start and read in the tool",
		killers: []string{"auth-13.1"},
		racy:    []string{"auth-9.4", "auth-9.5"},
		options: withOptions(refserver.WithCallerContext(globalCaller{})),
	},
	{
		name:    "org-from-argument",
		flaw:    "the server mints its own backend tokens and lets an org_id tool argument choose the organization",
		killers: []string{"auth-8.4/1", "auth-8.4/3", "auth-8.5/1", "auth-8.6/1"},
		options: func() harness.EmbeddedOptions {
			return harness.EmbeddedOptions{ServerOptions: (&minter{orgFromArgument: true}).options()}
		},
	},

	// --- 10. sessions ---
	{
		name:    "session-identity",
		flaw:    "the session is the identity: any valid token on a session is served as the session's first caller",
		killers: []string{"auth-10.2/1", "auth-10.3"},
		options: func() harness.EmbeddedOptions {
			return harness.EmbeddedOptions{ServerOptions: []refserver.Option{
				refserver.WithSessionOwnerMatch(anyOwner),
				refserver.WithCallerContext(&sessionCaller{first: map[string]caller{}}),
			}}
		},
	},
	{
		name:    "unbound-sessions",
		flaw:    "sessions are not bound to their user: any valid token may use, stream or end any session",
		killers: []string{"auth-10.7/1", "auth-10.8", "auth-10.9"},
		options: withOptions(refserver.WithSessionOwnerMatch(anyOwner)),
	},

	// --- 11. backend delegation ---
	{
		name:    "passthrough",
		flaw:    "the client's token is passed through to the backend instead of exchanged",
		killers: []string{"auth-11.1/1"},
		options: withOptions(refserver.WithBackendTokenSource(passthrough)),
	},
	{
		name:    "self-minted-backend-token",
		flaw:    "the server signs its own backend token with the shared secret instead of exchanging the client's",
		killers: []string{"auth-11.1/1"},
		options: func() harness.EmbeddedOptions {
			return harness.EmbeddedOptions{ServerOptions: (&minter{}).options()}
		},
	},
	{
		name:    "passthrough-on-exchange-failure",
		flaw:    "when the exchange fails the client's token is used instead",
		killers: []string{"auth-11.2/1", "auth-11.2/2"},
		options: withOptions(refserver.WrapBackendTokenSource(fallBackToClientToken)),
	},
	{
		name:    "retry-with-client-token",
		flaw:    "a failed backend call is retried once with the client's own token",
		killers: []string{"auth-11.2/3", "auth-11.2/4"},
		options: withOptions(refserver.WrapBackendTransport(func(rt http.RoundTripper) http.RoundTripper { return clientTokenRetry{rt} })),
	},
	{
		name:    "exchange-cache-by-user",
		flaw:    "exchanged tokens are cached by user id, so another token of the same user reuses the first one's",
		killers: []string{"auth-11.5"},
		options: withOptions(refserver.WrapBackendTokenSource(cacheByUser)),
	},
	{
		name:    "shared-backend-token",
		flaw:    "one backend token, the first caller's, serves every caller as if it were a service token",
		killers: []string{"auth-11.1/9", "auth-8.2/4"},
		options: withOptions(refserver.WrapBackendTokenSource(sharedBackendToken)),
	},

	// --- 12. hygiene ---
	{
		name:    "token-logged",
		flaw:    "the auth layer logs the Authorization header at debug level",
		killers: []string{"auth-12.1", "auth-12.2"},
		options: wrapped(tokenLogged),
	},

	// --- 10. sessions (continued) ---
	{
		name:    "scopes-cached-by-user",
		flaw:    "the scope check remembers every scope a user's tokens were granted: a narrower token of the same user runs the tool, and only the backend refuses it",
		killers: []string{"auth-10.10/1"},
		options: func() harness.EmbeddedOptions {
			return harness.EmbeddedOptions{ServerOptions: []refserver.Option{refserver.WithScopeCheck((&userScopes{}).check)}}
		},
	},

	// --- the flaws behind checks narrowed to what their sources require ---
	{
		name:    "dup-header-first-wins",
		flaw:    `a header with a repeated parameter is read first-wins: {"alg":"HS256","alg":"none"} is verified as HS256`,
		killers: []string{"auth-2.2/10"},
		options: withOptions(gated(firstWinsHeader, refserver.ErrMalformed, refserver.ErrAlgorithm, refserver.ErrSignature)),
	},
	{
		name:    "dup-claims-first-wins",
		flaw:    `a payload with a repeated claim is read first-wins: {"exp":future,"exp":past} is not expired`,
		killers: []string{"auth-3.3"},
		options: withOptions(gated(firstWinsClaims, refserver.ErrInvalidClaim, refserver.ErrExpired, refserver.ErrMalformed)),
	},
	{
		name:    "leeway-ten-minutes",
		flaw:    "jwt.WithLeeway(10 * time.Minute): a token 6 to 10 minutes past exp is still served",
		killers: []string{"auth-3.2"},
		options: withOptions(gated(tenMinuteLeeway, refserver.ErrExpired, refserver.ErrNotYetValid)),
	},
	{
		name:    "exp-number-only",
		flaw:    `exp checked by hand, only when claims["exp"].(float64) is ok: a quoted exp, an hour past, never expires`,
		killers: []string{"auth-3.1/5"},
		options: withOptions(gated(expNumberOnly, refserver.ErrInvalidClaim)),
	},
	{
		name:    "refusal-echoes-token",
		flaw:    "a 4xx answer quotes the request's Authorization header in its body",
		killers: []string{"auth-4.12", "auth-4.13", "auth-4.14/1", "auth-4.15", "auth-4.16"},
		options: wrapped(refusalEchoesToken),
	},
	{
		name:    "empty-bearer-panics",
		flaw:    `the token is strings.Fields(h)[1]: "Bearer" and "Bearer " panic, and the connection drops without an answer`,
		killers: []string{"auth-1.4", "auth-1.5"},
		options: wrapped(fieldsPanic),
	},
	{
		name:    "write-scope-unchecked",
		flaw:    "write tools skip the scope check and rely on the backend, which refuses the narrower token after the call",
		killers: []string{"auth-7.3/10", "auth-7.3/14", "auth-7.4/4"},
		options: withOptions(refserver.WithScopeCheck(writeScopeUnchecked)),
	},
}
