// Command shareguest is a test plugin for shared answers to resumed
// waits (resp_share). Its "updates" handler waits on topic "t" from the
// argument cursor and answers with the caller's X-Probe header and the
// messages, so a test can tell which request's answer a client got.
// Arguments: share=no skips ShareResponse, cookie=yes also sets a cookie.
// Its "post" handler publishes the body argument, and "recent" lists the
// messages after the cursor without waiting.
package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("updates", updates{})
	sdk.Handle("post", post{})
	sdk.Handle("recent", recent{})
}

type recent struct{}

func (recent) Get(c *sdk.Context) {
	cursor, _ := strconv.ParseInt(c.Argument("cursor", "0"), 10, 64)
	msgs, err := c.Messages("t", cursor)
	if err != nil {
		c.Error(503, err.Error())
		return
	}
	fmt.Fprintf(c, "%d", len(msgs))
	for _, m := range msgs {
		fmt.Fprintf(c, " %d:%s", m.ID, m.Data)
	}
}

type updates struct{}

func (updates) Get(c *sdk.Context) {
	cursor, _ := strconv.ParseInt(c.Argument("cursor", "0"), 10, 64)
	msgs, err := c.Wait("t", cursor, time.Duration(0))
	if err != nil {
		c.Error(503, err.Error())
		return
	}
	if c.Argument("cookie", "") == "yes" {
		c.SetCookie("seen", "1", sdk.CookieOptions{})
	}
	if len(msgs) > 0 && c.Argument("share", "") != "no" {
		if err := c.ShareResponse(); err != nil {
			c.Error(500, err.Error())
			return
		}
	}
	c.SetHeader("Content-Type", "text/plain")
	fmt.Fprintf(c, "probe=%s", c.Header("X-Probe"))
	for _, m := range msgs {
		fmt.Fprintf(c, " %d:%s", m.ID, m.Data)
	}
}

type post struct{}

func (post) Get(c *sdk.Context) {
	id, err := c.PublishString("t", c.Argument("body", ""))
	if err != nil {
		c.Error(503, err.Error())
		return
	}
	fmt.Fprint(c, id)
}
