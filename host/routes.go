package host

import "github.com/wasmweb/wasmweb/host/internal/route"

// siteRoute is one configured route of a site. Immutable after the site
// is built.
type siteRoute struct {
	pattern  string
	segs     route.Pattern
	methods  map[string]bool // nil: any method
	allow    string          // Allow header for 405
	plugin   string
	handler  string
	id       int32 // the route number passed to wasmweb_handle
	auth     bool  // auth = "required": no user, no call
	noXSRF   bool  // xsrf = false: exempt from the site's XSRF check
	counters *statusCounters
}
