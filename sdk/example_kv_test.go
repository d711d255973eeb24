package sdk_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	// visit counts the visits of a page, and the visits of the last
	// minute from the client's address.
	sdk.Handle("visit", func(c *sdk.Context) {
		kv := c.KV()
		total, err := kv.Incr("visits/total", 1)
		if err != nil {
			c.Error(503)
			return
		}
		recent, _ := kv.Incr("visits/recent", 1, sdk.KVTTL(time.Minute))
		c.Printf("visit %d (%d this minute)\n", total, recent)
	})
	// rename changes a profile's name only if nobody changed it since
	// the client read it: its form carries the version it read.
	sdk.Handle("rename", func(c *sdk.Context) {
		kv := c.KV()
		e, err := kv.Get("profile/name")
		if errors.Is(err, sdk.ErrNotFound) {
			_, err = kv.SetString("profile/name", c.Argument("name"), sdk.KVIfAbsent())
		} else if err == nil {
			_, err = kv.SetString("profile/name", c.Argument("name"), sdk.KVIfVersion(e.Version))
		}
		if errors.Is(err, sdk.ErrConflict) {
			c.Error(409)
			return
		}
		c.Printf("renamed from %q\n", e.Value)
	})
}

func Example_keyValue() {
	sdktest.DefaultKV.Reset()
	for range 3 {
		fmt.Print(string(sdktest.Serve("visit", sdktest.NewRequest("GET", "/")).Body))
	}
	fmt.Print(string(sdktest.Serve("rename", sdktest.NewRequest("POST", "/?name=Ada")).Body))
	fmt.Print(string(sdktest.Serve("rename", sdktest.NewRequest("POST", "/?name=Grace")).Body))
	// Output:
	// visit 1 (1 this minute)
	// visit 2 (2 this minute)
	// visit 3 (3 this minute)
	// renamed from ""
	// renamed from "Ada"
}
