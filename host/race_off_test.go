//go:build !race

package host_test

// raceEnabled: the race detector is off.
const raceEnabled = false
