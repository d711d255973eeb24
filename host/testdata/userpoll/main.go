// Command userpoll is a test plugin for long polls that outlive a
// change of their site: its "poll" handler waits on topic "t" past the
// argument cursor and answers the signed-in user, as the site serving
// when it answers reads the user cookie, and the messages; "post"
// publishes the body argument.
package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("poll", poll{})
	sdk.Handle("post", post{})
}

type poll struct{}

func (poll) Get(c *sdk.Context) {
	cursor, _ := strconv.ParseInt(c.Argument("cursor", "0"), 10, 64)
	msgs, err := c.Wait("t", cursor, time.Duration(0))
	if err != nil {
		c.Error(503, err.Error())
		return
	}
	user, ok := c.CurrentUser()
	if !ok {
		user = "(none)"
	}
	c.SetHeader("Content-Type", "text/plain")
	fmt.Fprintf(c, "user=%s", user)
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
