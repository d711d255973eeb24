//go:build go1.26 && !go1.27

package templates

// verifiedOn is the Go release whose html/template and text/template the
// compiled pages were checked against (RATIONALE.md, "Why compile
// escaped templates"): with it, pages are compiled.
const verifiedOn = "go1.26"
