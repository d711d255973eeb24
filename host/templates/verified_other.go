//go:build !go1.26 || go1.27

package templates

// verifiedOn is empty: the compiled pages were not checked against this
// Go release's html/template, so every page renders with html/template.
// To verify a release, run the differential tests against it
// (go test ./host/templates -args -templates.verify) and, if they pass,
// widen the constraint of verified_go126.go.
const verifiedOn = ""
