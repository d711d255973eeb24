package sdk_test

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	// say publishes a line to the topic "news".
	sdk.Handle("say", func(c *sdk.Context) {
		id, err := c.PublishString("news", c.Argument("line"))
		if err != nil {
			c.Error(503)
			return
		}
		c.Printf("%d\n", id)
	})
	// listen answers the lines after the cursor, waiting for one if
	// there are none. Nothing before Wait has side effects: it runs again
	// when the request resumes.
	sdk.Handle("listen", func(c *sdk.Context) {
		cursor := sdk.ParseCursor(c.Argument("cursor", ""))
		msgs, err := c.Wait("news", cursor, 30*time.Second)
		if err != nil {
			c.Error(503)
			return
		}
		if msgs == nil {
			c.WriteString("timed out\n")
			return
		}
		for _, m := range msgs {
			c.Printf("%d %s\n", m.ID, m.Data)
		}
	})
}

func Example_publishAndWait() {
	sdktest.Reset()
	say := func(line string) {
		sdktest.Serve("say", sdktest.NewRequest("POST", "/say").WithForm(url.Values{"line": {line}}))
	}
	listen := func(cursor int64) *sdktest.Response {
		return sdktest.Serve("listen", sdktest.NewRequest("GET", "/listen?cursor="+strconv.FormatInt(cursor, 10)))
	}

	say("hello")
	say("world")
	// No cursor: the history, at once.
	fmt.Print(string(listen(0).Body))

	// Nothing after 2: the request is parked, with no response yet.
	resp := listen(2)
	fmt.Println("parked:", resp.Parked)

	// A publish wakes it; the handler runs again and Wait returns.
	say("again")
	fmt.Print(string(resp.Resume().Body))

	// A wait that times out returns no messages.
	fmt.Print(string(listen(3).Timeout().Body))
	// Output:
	// 1 hello
	// 2 world
	// parked: true
	// 3 again
	// timed out
}
