// Package refserver is the reference MCP server of mcpauthspec: a pure OAuth
// 2.1 resource server in front of the core app's REST API.
//
// It verifies the bearer JWT the core app issued on every MCP request
// (middleware.go), refuses what is missing, forged, expired, meant for someone
// else or short of scope with the challenges of RFC 6750 and the MCP
// authorization specification (challenge.go), binds MCP sessions to the user
// who created them (sessions.go), hands the verified identity to tools through
// the context (claims.go), and calls the backend on the caller's behalf with a
// token obtained by RFC 8693 token exchange, never with the client's own token
// (exchange.go, backend.go).
//
// Every rule it implements is checked by the scenarios under features/; the
// comment next to each check names the scenario IDs and the specification.
package refserver
