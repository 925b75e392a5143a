// Package fakebackend is the fake core app that the reference MCP server, and
// any other target, calls in tests (target contract §5).
//
// It is fake in its data, not in its checks: it verifies every JWT itself
// (HS256 only, issuer, audience, expiry, sub and org_id), scopes every read
// and write to the token's organization, serves RFC 8693 token exchange at
// /oauth/token, records each /api/ and /oauth/token request so that a test
// can tell exchanged tokens from passed-through ones, and injects faults on
// demand.
//
// The recording holds a SHA-256 of each token, never the token itself.
//
// The admin endpoints under /_admin/ are unauthenticated and exist for tests
// only: bind the server to a loopback address. /healthz answers without
// authentication. Faults never affect either.
package fakebackend
