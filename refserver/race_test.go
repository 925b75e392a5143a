//go:build race

package refserver

// raceEnabled: under the race detector, which instruments every memory
// access, allocation counts mean nothing, so the allocation tests do not run.
const raceEnabled = true
