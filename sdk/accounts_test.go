package sdk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("test-accounts-login", func(c *sdk.Context) {
		if c.Header("X-Finish") != "" {
			c.Redirect("/")
		}
		err := c.Login(c.Header("X-Name"), c.Header("X-Password"))
		var ce *sdk.CallError
		switch {
		case err == nil:
			c.WriteString("ok")
		case errors.As(err, &ce) && ce.Func == abi.FuncUserLogin:
			c.Infof("login: %v", err)
			c.WriteString(errorName(err))
		default:
			c.Errorf("unexpected error %v", err)
		}
	})
}

func errorName(err error) string {
	for _, e := range []error{sdk.ErrDenied, sdk.ErrInvalid, sdk.ErrNotFound, sdk.ErrFinished} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "?"
}

func TestLogin(t *testing.T) {
	site := sdktest.NewRequest("POST", "/login").WithAccount("alice", "wonderland").WithAccount("bob", "")
	long := strings.Repeat("x", sdk.MaxPasswordLen+1)
	for _, tc := range []struct {
		name           string
		req            *sdktest.Request
		user, password string
		want           string
		signedIn       bool
	}{
		{"right password", site, "alice", "wonderland", "ok", true},
		{"wrong password", site, "alice", "Wonderland", "denied", false},
		{"unknown user", site, "carol", "wonderland", "denied", false},
		{"names are exact", site, "Alice", "wonderland", "denied", false},
		{"password too long", site, "alice", long, "invalid argument", false},
		{"site without accounts", sdktest.NewRequest("POST", "/login"), "alice", "wonderland", "not found", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("test-accounts-login", tc.req.WithHeader("X-Name", tc.user).WithHeader("X-Password", tc.password))
			if resp.Status != 200 || string(resp.Body) != tc.want {
				t.Fatalf("%d %q (%s), want 200 %q", resp.Status, resp.Body, resp.Failure, tc.want)
			}
			sc := resp.Header.Get("Set-Cookie")
			if signedIn := strings.HasPrefix(sc, abi.UserCookie+"="); signedIn != tc.signedIn {
				t.Fatalf("Set-Cookie %q, want signed in: %v", sc, tc.signedIn)
			}
			if tc.signedIn {
				// The cookie carries the user, as SetCurrentUser's does.
				val, _, _ := strings.Cut(sc, ";")
				if who := sdktest.Serve("test-accounts-whoami", sdktest.NewRequest("GET", "/").WithHeader("Cookie", val)); string(who.Body) != tc.user {
					t.Errorf("signed in as %q, want %q", who.Body, tc.user)
				}
			}
			for _, line := range resp.Trace {
				if strings.Contains(line, tc.password) && tc.password != "" {
					t.Errorf("the trace shows the password: %s", line)
				}
			}
		})
	}
}

func TestLoginAfterFinish(t *testing.T) {
	req := sdktest.NewRequest("POST", "/login").WithAccount("alice", "wonderland").
		WithHeader("X-Name", "alice").WithHeader("X-Password", "wonderland").WithHeader("X-Finish", "1")
	resp := sdktest.Serve("test-accounts-login", req)
	if resp.Status != 302 || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("%d, Set-Cookie %q: want a redirect without a user cookie", resp.Status, resp.Header.Values("Set-Cookie"))
	}
	if len(resp.Logs) != 1 || !strings.Contains(resp.Logs[0], "response already finished") {
		t.Errorf("logs %q", resp.Logs)
	}
}

func init() {
	sdk.Handle("test-accounts-whoami", func(c *sdk.Context) {
		u, _ := c.CurrentUser()
		c.WriteString(u)
	})
}
