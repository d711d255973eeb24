package oauth

// SetMaxExchanges sets the cap on a's callbacks that wait on their
// provider at once, for a test that reaches it.
func SetMaxExchanges(a *Auth, n int) { a.exchanges = make(chan struct{}, n) }
