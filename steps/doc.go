// Package steps holds the godog step definitions of the specification in
// features/. Every step is registered in one place (steps.go) against one
// typed scenario state (state.go); the step grammar is features/GRAMMAR.md.
//
// Steps talk to the target only over HTTP, through the harness, so that the
// same steps check the reference server and any other implementation of the
// target contract.
package steps
