package sdk

// ForgetScratch drops the output buffer that the Context kept from
// earlier requests, so that a test starts as a fresh instance does.
func ForgetScratch() { current.big = nil }

// ForgetRoutes empties the route cache, as in a fresh instance.
func ForgetRoutes() { routes = nil }

// HandlerNames returns what wasmweb_handlers returns the names of.
func HandlerNames() string { return string(handlerNames()) }
