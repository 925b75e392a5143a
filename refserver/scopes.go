package refserver

// toolScopes is the scope table of the target contract (section 4): the one
// scope each tool needs. An empty scope means any valid token will do.
var toolScopes = map[string]string{
	"whoami":            "",
	"list_tickets":      ScopeRead,
	"get_ticket":        ScopeRead,
	"create_ticket":     ScopeWrite,
	"update_ticket":     ScopeWrite,
	"delete_ticket":     ScopeAdmin,
	"list_integrations": ScopeRead,
	"sync_integration":  ScopeWrite,
	"system_status":     ScopeAdmin,
}

// supportedScopes is what the protected resource metadata advertises
// (RFC 9728 §2, scopes_supported).
var supportedScopes = []string{ScopeRead, ScopeWrite, ScopeAdmin}

// RequiredScope returns the scope tool needs, and whether the tool exists.
func RequiredScope(tool string) (scope string, known bool) {
	scope, known = toolScopes[tool]
	return scope, known
}

// ScopeCheck decides whether claims may call a tool that needs scope. It is a
// plug point so that tests can swap the rule; the default is exact matching.
type ScopeCheck func(c *Claims, scope string) bool

func exactScope(c *Claims, scope string) bool { return scope == "" || c.HasScope(scope) }
