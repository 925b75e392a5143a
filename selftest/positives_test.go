package selftest

// positiveChecks are the @must scenarios that guard against false refusals
// rather than false acceptances: they pass when a valid request is served,
// so only a mutant that refuses too much can fail them. A key is a scenario
// ID (auth-1.6/1) or an outline's ID, which covers all its rows. The
// false-refusal mutants (bearer-case-sensitive, no-leeway, ...) make most of
// them kill as well; the reason says what each one protects.
var positiveChecks = map[string]string{
	"auth-1.2":  "a valid token in the Authorization header is accepted: the baseline every refusal is measured against",
	"auth-1.6":  "a Bearer header in any letter case or with several spaces is accepted (RFC 9110 §11.1, §11.4): guards against the seed's 401 for a lower-case bearer",
	"auth-3.16": "tokens the contract allows (aud array, at+jwt) are accepted: a false refusal locks real users out",
	"auth-3.17": "a token without an optional claim (iat, nbf, email, name) is accepted",
	"auth-3.18": "an unknown claim is ignored, not refused (RFC 7519 §4)",
	"auth-3.19": "a token with a jti is accepted (RFC 7519 §4.1.7)",
	"auth-6.9":  "a valid token is accepted on every request of the transport, not only on initialize",
	"auth-7.1":  "a token holding exactly the tool's scope may call it: guards against over-strict or implied-scope rules",
	"auth-7.2":  "a token holding exactly admin may delete, and the call reaches the backend as that user",
	"auth-8.3":  "a create succeeds and lands in the caller's own organization",
	"auth-9.1":  "whoami answers with the token's own user and organization",
	"auth-9.2":  "whoami lists the token's own scopes",
	"auth-9.3":  "a created ticket is recorded as created by the token's user",
	"auth-10.1": "the user who opened a session is served on it",
	"auth-14.1": "a token signed with the issuer's current RS256 or ES256 key is accepted in JWKS mode",
	"auth-14.2": "an RSA key published without \"alg\" verifies RS256 (RFC 7517 §4.4: alg is optional)",
}

// defenceInDepth are @must scenarios that no single flaw of the reference
// server can fail, because another layer stops the fault first: net/http,
// or the fake backend, which scopes every call to the organization of the
// token it is given. They stay @must because other targets may lack that
// layer (a backend that trusts a service account, a server without header
// limits). A key is a scenario ID or an outline's ID.
var defenceInDepth = map[string]string{
	"auth-2.9":   "net/http answers a 1 MiB header with 431 before any handler runs, so no flaw in the server's own code can fail it; it guards other stacks against crashes and 5xx (CVE-2025-30204)",
	"auth-8.1/1": foreignResource, "auth-8.1/2": foreignResource, "auth-8.1/4": foreignResource,
	"auth-8.1/6": foreignResource, "auth-8.1/8": foreignResource,
}

const foreignResource = "the backend scopes every call to the organization of the exchanged token, so a server flaw can reach another organization's resource only through a backend token of that organization; it guards targets whose backend trusts them more"
