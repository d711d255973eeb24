//go:build race

package host_test

// raceEnabled: the race detector is on, and its shadow memory, which it
// does not give back, grows with every allocation.
const raceEnabled = true
