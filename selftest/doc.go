// Package selftest measures the suite itself: it builds single-flaw variants
// of the reference server (mutants) and checks that the specification in
// features/ catches every one of them.
//
// A conformance suite is worth the faults it catches. Each mutant is the
// reference stack (harness.StartEmbedded) with one realistic bug put in
// through the server's own seams (refserver's Options and the harness's
// EmbeddedOptions.Wrap): an expired token accepted, a scope matched as a
// substring, a user's identity kept in a package-level variable, a client
// token passed through to the backend, a token written to the log, and so
// on. The mutants live in this package's _test.go files only, so that no
// binary the project ships can ever select one.
//
// TestKillMatrix runs the whole specification against the pristine stack in
// each key mode (shared secret, JWKS), which must pass every scenario, and
// against each mutant, which must fail at least one scenario, among them the
// scenarios it names as its killers. Every @must scenario must kill at least
// one mutant or be listed, with a reason, in positives_test.go: as a
// positive check (it guards against false refusals, so only a mutant that
// refuses too much can fail it) or as defence in depth (another layer,
// net/http or the backend, stops every single flaw of the reference server
// first). The outcome is docs/kill-matrix.md, which the test compares with
// the fresh run so that it never goes stale; regenerate it with
//
//	go test ./selftest -run TestKillMatrix -update
//
// With -short, each mutant runs only the outlines of its named killers and
// the matrix is neither compared nor written.
package selftest
