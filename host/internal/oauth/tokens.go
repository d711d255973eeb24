package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/wasmweb/wasmweb/host/internal/kv"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
)

// Forwarded tokens (abi/ABI.md section 7.15). A provider with
// forward_token has its tokens kept at the callback: in the host's own
// store for the site (kv.Stores.OpenHost, which no guest reaches), under
// the hash of a random handle, sealed (securecookie's AES and HMAC)
// with a key derived from the site's cookie secrets and bound to the
// store key, so that neither the store's files nor its operator's
// backups show a token, and a record moved to another key does not
// open. The handle travels in the encrypted claims cookie, bound to the
// user: a fetch uses the token only for the browser that signed in, and
// sign-out deletes the record.

// Errors of Credential.
var (
	// ErrNotForwarded: the site has no such provider, or it does not
	// forward its token.
	ErrNotForwarded = errors.New("oauth: the provider's token is not forwarded")
	// ErrNoToken: the request's user did not sign in with the provider
	// in this browser, signed out, or the token expired and cannot be
	// refreshed.
	ErrNoToken = errors.New("oauth: no token of that provider for the user")
	// ErrTokenUnavailable: the store or the provider's token endpoint
	// cannot be reached now.
	ErrTokenUnavailable = errors.New("oauth: the token cannot be read or refreshed now")
)

// Limits of the host's token store, which holds one record per
// signed-in browser of a forwarding provider.
var TokenLimits = kv.Limits{MaxKeys: 1_000_000, MaxBytes: 4 << 30, MaxKeyBytes: 64, MaxValueBytes: 8 << 10}

// kept is a token record, before sealing.
type kept struct {
	User     string    `json:"u"`
	Provider string    `json:"p"`
	Access   string    `json:"a"`
	Refresh  string    `json:"r,omitempty"`
	Expiry   time.Time `json:"e,omitzero"` // zero: the provider gave none
	Until    time.Time `json:"l"`          // the sign-in's end: the user cookie's
}

// tokenKey is the store key of a handle: its hash, so that the store
// alone does not give the handles.
func tokenKey(handle string) string {
	h := sha256.Sum256([]byte(handle))
	return "t/" + base64.RawURLEncoding.EncodeToString(h[:])
}

// keep stores tok for user, signed in with provider, under a new handle,
// which it returns.
func (a *Auth) keep(user, provider string, tok *oauth2.Token) (string, error) {
	st, err := a.openTokens()
	if err != nil {
		return "", err
	}
	handle := random()
	now := a.now()
	k := kept{User: user, Provider: provider, Access: tok.AccessToken, Refresh: tok.RefreshToken, Expiry: tok.Expiry,
		Until: now.Add(a.user.MaxAge())}
	if err := a.put(st, tokenKey(handle), k, kv.Absent, now); err != nil {
		return "", err
	}
	return handle, nil
}

// put seals k and stores it under key, when expect allows.
func (a *Auth) put(st kv.Store, key string, k kept, expect int64, now time.Time) error {
	raw, _ := json.Marshal(k)
	sealed, err := a.sealer.Sign(key, raw)
	if err != nil {
		return fmt.Errorf("oauth: the token does not fit a record: %w", err)
	}
	_, err = st.Set(key, []byte(sealed), k.Until.Sub(now), expect)
	return err
}

// load reads and opens the record under key.
func (a *Auth) load(st kv.Store, key string) (kept, uint64, error) {
	e, err := st.Get(key)
	if err != nil {
		return kept{}, 0, err
	}
	v, err := a.sealer.Verify(key, string(e.Value))
	var k kept
	if err == nil {
		err = json.Unmarshal(v, &k)
	}
	if err != nil {
		return kept{}, 0, kv.ErrNotFound // sealed with a retired secret, or damaged
	}
	return k, e.Version, nil
}

// openTokens returns the token store.
func (a *Auth) openTokens() (kv.Store, error) {
	if a.tokens == nil {
		return nil, errors.New("oauth: the host keeps no tokens")
	}
	return a.tokens()
}

// API returns the prefixes provider's token may go to; false when the
// site has no such provider or it does not forward its token.
func (a *Auth) API(provider string) ([]outbound.Prefix, bool) {
	p := a.providers[provider]
	if p == nil || !p.cfg.ForwardToken {
		return nil, false
	}
	return p.api, true
}

// Credential returns the Authorization to attach to a fetch for user,
// the request's signed-in user, with provider's token; lookup finds a
// request's cookie. An expired token is refreshed first, within ctx,
// and the new one kept. Errors: ErrNotForwarded, ErrNoToken,
// ErrTokenUnavailable. Neither the error nor the log shows the token.
func (a *Auth) Credential(ctx context.Context, provider, user string, lookup func(name string) (string, bool)) (*outbound.Credential, error) {
	api, ok := a.API(provider)
	if !ok {
		return nil, ErrNotForwarded
	}
	handle, ok := a.handle(user, lookup)
	if !ok {
		return nil, ErrNoToken
	}
	st, err := a.openTokens()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenUnavailable, err)
	}
	key := tokenKey(handle)
	k, ver, err := a.load(st, key)
	switch {
	case errors.Is(err, kv.ErrNotFound):
		return nil, ErrNoToken
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrTokenUnavailable, err)
	case k.User != user || k.Provider != provider || !a.now().Before(k.Until):
		return nil, ErrNoToken
	}
	tok := &oauth2.Token{AccessToken: k.Access, RefreshToken: k.Refresh, Expiry: k.Expiry}
	if !tok.Valid() {
		if tok, err = a.refresh(ctx, st, key, k, ver); err != nil {
			return nil, err
		}
	}
	return &outbound.Credential{Authorization: "Bearer " + tok.AccessToken, Prefixes: api}, nil
}

// refresh gets a new token for the record k (version ver) under key,
// keeps it and returns it. One refresh per key runs at a time on a node,
// and it reads the record again first: a refresh token that rotates is
// used once.
func (a *Auth) refresh(ctx context.Context, st kv.Store, key string, k kept, ver uint64) (*oauth2.Token, error) {
	if k.Refresh == "" {
		st.Delete(key, kv.Any)
		return nil, ErrNoToken
	}
	mu := &a.refreshing[key[len(key)-1]%byte(len(a.refreshing))]
	mu.Lock()
	defer mu.Unlock()
	if again, v, err := a.load(st, key); err == nil && v != ver {
		if tok := (&oauth2.Token{AccessToken: again.Access, RefreshToken: again.Refresh, Expiry: again.Expiry}); tok.Valid() {
			return tok, nil
		}
		k, ver = again, v
	}
	p := a.providers[k.Provider]
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.client)
	conf, err := p.oauth2Config(ctx, "")
	if err != nil {
		a.log.Warn("oauth: a token cannot be refreshed", "site", a.site, "provider", k.Provider, "err", err)
		return nil, fmt.Errorf("%w: %v", ErrTokenUnavailable, err)
	}
	tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: k.Refresh}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// Another node may have spent a rotating refresh token
			// first, and kept what it got.
			if again, v, err := a.load(st, key); err == nil && v != ver {
				if tok := (&oauth2.Token{AccessToken: again.Access, RefreshToken: again.Refresh, Expiry: again.Expiry}); tok.Valid() {
					return tok, nil
				}
			}
			// The provider's answer, not its body: it may echo what it
			// was sent.
			a.log.Info("oauth: the provider refused to refresh a token; the user must sign in again", "site", a.site,
				"provider", k.Provider, "status", re.Response.StatusCode, "error", shorten(re.ErrorCode))
			st.Delete(key, int64(ver))
			return nil, ErrNoToken
		}
		a.log.Warn("oauth: a token cannot be refreshed", "site", a.site, "provider", k.Provider, "err", err)
		return nil, fmt.Errorf("%w: the provider cannot be reached", ErrTokenUnavailable)
	}
	k.Access, k.Refresh, k.Expiry = tok.AccessToken, tok.RefreshToken, tok.Expiry
	if err := a.put(st, key, k, int64(ver), a.now()); err != nil {
		// The token works for this fetch; the next one refreshes again.
		a.log.Warn("oauth: a refreshed token is not kept", "site", a.site, "provider", k.Provider, "err", err)
	}
	return tok, nil
}

// handle returns the token handle the request's claims cookie holds for
// user.
func (a *Auth) handle(user string, lookup func(name string) (string, bool)) (string, bool) {
	b, ok := a.bound(lookup)
	if !ok || b.User != user || user == "" || b.Token == "" {
		return "", false
	}
	return b.Token, true
}

// SignOut deletes the token record the request's claims cookie names,
// whoever it was kept for: the browser signs out.
func (a *Auth) SignOut(lookup func(name string) (string, bool)) {
	b, ok := a.bound(lookup)
	if !ok || b.Token == "" {
		return
	}
	st, err := a.openTokens()
	if err != nil {
		a.log.Warn("oauth: a signed-out user's token cannot be deleted now; it expires with the sign-in", "site", a.site, "err", err)
		return
	}
	if err := st.Delete(tokenKey(b.Token), kv.Any); err != nil && !errors.Is(err, kv.ErrNotFound) {
		a.log.Warn("oauth: a signed-out user's token cannot be deleted now; it expires with the sign-in", "site", a.site, "err", err)
	}
}

// refreshLocks is the number of locks refreshes are spread over.
const refreshLocks = 16

// refreshMutexes serialize the refreshes of a key.
type refreshMutexes [refreshLocks]sync.Mutex
