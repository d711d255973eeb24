package sdk_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// login signs users in with the site's accounts and sends them on to the
// page that asked them to.
func login(c *sdk.Context) {
	if c.Method() != http.MethodPost {
		c.WriteString("<form method=post>" + c.XSRFFormHTML() + "...</form>")
		return
	}
	err := c.Login(c.Argument("name", ""), c.Argument("password", ""))
	switch {
	case errors.Is(err, sdk.ErrDenied), errors.Is(err, sdk.ErrInvalid):
		c.SetStatus(http.StatusForbidden)
		c.WriteString("wrong name or password")
	case err != nil:
		c.Errorf("login: %v", err)
	default:
		c.RedirectNext("/")
	}
}

func init() {
	sdk.Handle("login", login)
}

func ExampleContext_Login() {
	form := url.Values{"name": {"alice"}, "password": {"wonderland"}}
	req := sdktest.NewRequest("POST", "/login?next=/private").
		WithAccount("alice", "wonderland").
		WithForm(form)

	resp := sdktest.Serve("login", req)
	fmt.Println(resp.Status, resp.Location, resp.Header.Get("Set-Cookie") != "")

	form.Set("password", "guess")
	resp = sdktest.Serve("login", req.WithForm(form))
	fmt.Println(resp.Status, string(resp.Body))
	// Output:
	// 302 /private true
	// 403 wrong name or password
}
