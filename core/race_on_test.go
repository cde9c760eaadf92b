//go:build race

package core_test

// raceEnabled: the race detector randomises sync.Pool and adds allocations.
const raceEnabled = true
