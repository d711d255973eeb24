package sdktest

import (
	"encoding/json"
	"net/url"
	"slices"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/internal/localpath"
)

// WithProvider gives the request's site a sign-in provider named name
// ([site.auth.providers.NAME] in the config), which Context.LoginWith
// accepts. A site given none has none, and LoginWith returns
// sdk.ErrNotFound there.
func (r *Request) WithProvider(name string) *Request {
	c := r.clone()
	c.providers = append(c.providers, name)
	return c
}

// UserWithClaims returns the Cookie header value of a request made by a
// user who signed in with provider as subject: the user cookie
// (provider:subject) and the claims cookie, as the fake signs them.
// claims are the exposed claims besides provider and subject, which the
// fake adds as the host does.
func UserWithClaims(provider, subject string, claims map[string]any) string {
	user := provider + ":" + subject
	all := map[string]any{}
	for k, v := range claims {
		all[k] = v
	}
	all["provider"], all["subject"] = provider, subject
	c, err := json.Marshal(all)
	if err != nil {
		panic("sdktest: UserWithClaims: " + err.Error())
	}
	b, _ := json.Marshal(struct {
		User   string          `json:"u"`
		Claims json.RawMessage `json:"c"`
	}{user, c})
	return User(user) + "; " + SignedCookie(abi.ClaimsCookie, string(b))
}

// FakeLoginPath is where the fake's LoginWith redirects: the host's
// default login path for provider, with next, where the host would
// start the same sign-in. The host redirects to the provider itself.
func FakeLoginPath(provider, next string) string {
	return "/auth/" + provider + "/login?next=" + url.QueryEscape(next)
}

// AuthProviders lists the request's providers (see WithProvider), each
// titled with its name, with the host's default login path.
func (h *fakeHost) AuthProviders(buf []byte) int32 {
	type provider struct {
		Name      string `json:"name"`
		Title     string `json:"title"`
		LoginPath string `json:"login_path"`
	}
	list := []provider{}
	for _, n := range slices.Sorted(slices.Values(h.req.providers)) {
		list = append(list, provider{n, n, "/auth/" + n + "/login"})
	}
	b, _ := json.Marshal(list)
	return h.call(output(buf, b), abi.FuncAuthProviders, "buf_limit=%d", len(buf))
}

// UserClaims returns the claims of the user UserWithClaims signed in,
// when they belong to the request's current user (abi/ABI.md section
// 7.12).
func (h *fakeHost) UserClaims(buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	raw, ok1 := h.cookieValue(abi.UserCookie)
	rawClaims, ok2 := h.cookieValue(abi.ClaimsCookie)
	if ok1 && ok2 {
		user, ok1 := fakeVerify(abi.UserCookie, raw)
		v, ok2 := fakeVerify(abi.ClaimsCookie, rawClaims)
		var b struct {
			User   string          `json:"u"`
			Claims json.RawMessage `json:"c"`
		}
		if ok1 && ok2 && user != "" && json.Unmarshal([]byte(v), &b) == nil && b.User == user {
			r = output(buf, []byte(b.Claims))
		}
	}
	return h.call(r, abi.FuncUserClaims, "buf_limit=%d", len(buf))
}

// LoginWith finishes the response as a redirect to FakeLoginPath, as
// the host finishes it with a redirect to the provider; it refuses what
// the host refuses.
func (h *fakeHost) LoginWith(provider, next string) int32 {
	r := int32(0)
	if next == "" {
		next = "/"
	}
	switch {
	case !slices.Contains(h.req.providers, provider):
		r = abi.ErrNotFound
	case len(next) > localpath.MaxLen || !localpath.Safe(next):
		r = abi.ErrInvalid
	case h.finished:
		r = abi.ErrFinished
	default:
		loc := FakeLoginPath(provider, next)
		h.status, h.location, h.respBody, h.finished = 302, loc, nil, true
		h.respHeader.Set("Location", loc)
		h.respHeader.Set("Cache-Control", "no-store")
	}
	return h.call(r, abi.FuncLoginWith, "provider=%q, next=%q", provider, next)
}
