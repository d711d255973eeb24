package netloop_test

// extraFuzzSeeds returns more seed inputs; the conformance table joins
// them once it exists.
func extraFuzzSeeds() []string { return nil }
