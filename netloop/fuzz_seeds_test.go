package netloop_test

import "github.com/wasmweb/wasmweb/conformance/http1"

// extraFuzzSeeds returns the conformance table's inputs that are small
// enough to mutate usefully.
func extraFuzzSeeds() []string {
	var seeds []string
	for _, c := range http1.Cases() {
		if len(c.Input) <= 1024 {
			seeds = append(seeds, c.Input)
		}
	}
	return seeds
}
