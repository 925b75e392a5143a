// Package harness starts targets (in-process, subprocess, container,
// external URL), mints good and hostile tokens, and talks MCP and raw HTTP
// to them.
//
// In tests the suite plays the core app, the issuer: an [Issuer] holds the
// HS256 secret (generated at run time, never committed) and signs every
// token the suite sends. [Users] is the fixed cast of the feature files;
// [Hostile] and [Acceptable] are catalogues of named forged, malformed and
// edge-case tokens that feature files refer to by name.
package harness
