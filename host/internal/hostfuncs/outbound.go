package hostfuncs

import (
	"bytes"
	"context"
	"errors"
	neturl "net/url"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
)

// The variable and fetch functions (abi/ABI.md sections 7.14 and 7.15).

func varGet(c *Call, name string) (string, int32) {
	v, ok := c.site.Vars[name]
	if !ok {
		return "", abi.ErrNotFound
	}
	return v, 0
}

// fetch makes the request on the calling goroutine: the instance stays
// busy until the answer, the site's timeout or the call's deadline, and
// the site's client caps how many do so at once (RATIONALE.md, "Why
// does a fetch hold its instance?").
func fetch(in *guest.Instance, c *Call, method, url string, headers, body []byte) int32 {
	c.fetched, c.fetchedHeader = nil, nil
	if len(headers) > abi.MaxFetchHeaderBytes || c.site.Outbound != nil && int64(len(body)) > c.site.Outbound.MaxRequestBytes() {
		c.count("too_large")
		return abi.ErrTooLarge
	}
	hdr, err := outbound.ParseHeader(headers)
	switch {
	case err != nil:
		c.count("invalid")
		return abi.ErrInvalid
	case len(hdr) > abi.MaxFetchHeaders:
		c.count("too_large")
		return abi.ErrTooLarge
	}
	hdr, provider, asked, ok := takeProviderToken(hdr)
	if !ok {
		c.count("invalid")
		return abi.ErrInvalid
	}
	if c.site.Outbound == nil {
		c.count("denied")
		return abi.ErrDenied
	}
	// A copy: net/http may go on reading a request body after the
	// response has come, from its own goroutine, past this call and the
	// guest memory's lifetime.
	body = bytes.Clone(body)
	ctx, cancel := in.CallContext()
	req := outbound.Request{Method: method, URL: url, Header: hdr, Body: body}
	if asked {
		var r int32
		if req.Credential, r = c.providerToken(ctx, provider, url, hdr); r != 0 {
			cancel()
			in.Stopped()
			return r
		}
	}
	resp, err := c.site.Outbound.Fetch(ctx, req)
	cancel()
	in.Stopped() // past its deadline while waiting: the call is over
	switch {
	case errors.Is(err, outbound.ErrInvalid):
		c.count("invalid")
		return abi.ErrInvalid
	case errors.Is(err, outbound.ErrDenied):
		c.count("denied")
		return abi.ErrDenied
	case errors.Is(err, outbound.ErrTooLarge):
		c.count("too_large")
		return abi.ErrTooLarge
	case errors.Is(err, outbound.ErrBusy):
		c.count("busy")
		return abi.ErrUnavailable
	case err != nil:
		c.count("unavailable")
		return abi.ErrUnavailable
	}
	c.count("ok")
	c.fetched = resp
	return int32(resp.Status)
}

// takeProviderToken removes the abi.FetchProviderToken entry from a
// fetch's header list and returns the provider it names; ok is false
// when the list has more than one.
func takeProviderToken(hdr [][2]string) (out [][2]string, provider string, asked, ok bool) {
	out = hdr[:0]
	for _, f := range hdr {
		if f[0] != abi.FetchProviderToken {
			out = append(out, f)
			continue
		}
		if asked {
			return nil, "", false, false
		}
		provider, asked = f[1], true
	}
	return out, provider, asked, true
}

// providerToken returns the credential a fetch of url asks for with
// provider's token (abi/ABI.md section 7.15), or the ABI's answer when
// there is none to give: the site's rules first, then the user's token,
// which an expired one's refresh may take ctx's time to get. Nothing it
// answers or counts shows the token.
func (c *Call) providerToken(ctx context.Context, provider, rawURL string, hdr [][2]string) (*outbound.Credential, int32) {
	if c.site.Auth == nil || len(provider) > maxProviderName {
		c.count("denied")
		return nil, abi.ErrDenied
	}
	api, ok := c.site.Auth.API(provider)
	if !ok {
		c.count("denied")
		return nil, abi.ErrDenied
	}
	u, err := neturl.Parse(rawURL)
	if err != nil {
		c.count("invalid")
		return nil, abi.ErrInvalid
	}
	if !(&outbound.Credential{Prefixes: api}).Admits(u) {
		c.count("denied")
		return nil, abi.ErrDenied
	}
	for _, f := range hdr {
		if strings.EqualFold(f[0], "Authorization") {
			c.count("invalid")
			return nil, abi.ErrInvalid
		}
	}
	user, ok := c.site.Guard.User(c.cookie)
	if !ok {
		c.count("no_token")
		return nil, abi.ErrNotFound
	}
	cred, err := c.site.Auth.Credential(ctx, provider, user, c.cookie)
	switch {
	case errors.Is(err, oauth.ErrNotForwarded):
		c.count("denied")
		return nil, abi.ErrDenied
	case errors.Is(err, oauth.ErrNoToken):
		c.count("no_token")
		return nil, abi.ErrNotFound
	case err != nil:
		c.count("unavailable")
		return nil, abi.ErrUnavailable
	}
	return cred, 0
}

func fetchResult(c *Call, part int32) (string, int32) {
	if c.fetched == nil {
		return "", abi.ErrNotFound
	}
	switch part {
	case abi.FetchHeaders:
		if c.fetchedHeader == nil {
			c.fetchedHeader = outbound.AppendHeader([]byte{}, c.fetched.Header)
		}
		return view(c.fetchedHeader), 0
	case abi.FetchBody:
		return view(c.fetched.Body), 0
	}
	return "", abi.ErrInvalid
}

// blocking4 declares a function of four inputs that serves a request and
// may wait on something outside the host: its Go function gets the
// instance too, to end the wait with the call.
func blocking4[A, B, C, D any](name string, a param[A], b param[B], cp param[C], d param[D],
	fn func(*guest.Instance, *Call, A, B, C, D) int32) guest.Func {
	ob := len(a.types)
	oc := ob + len(b.types)
	od := oc + len(cp.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv, cv, dv := a.decode(mod, stack), b.decode(mod, stack[ob:]), cp.decode(mod, stack[oc:]), d.decode(mod, stack[od:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(guest.FromContext(ctx), c, av, bv, cv, dv))
	}, a, b, cp, d)
}

// count counts a fetch's result, when the site has the counter.
func (c *Call) count(result string) {
	if c.site.Fetches != nil {
		c.site.Fetches.WithLabelValues(result).Inc()
	}
}
