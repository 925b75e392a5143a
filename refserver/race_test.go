//go:build race

package refserver

// raceEnabled: under the race detector sync.Pool drops items at random and
// allocation counts mean nothing, so the allocation tests do not run.
const raceEnabled = true
