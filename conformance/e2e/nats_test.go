package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/natstest"
)

// TestChatTwoNodes runs two wasmweb servers sharing an embedded NATS
// JetStream: a message posted to one wakes a waiter on the other, and a
// cursor from one node works on the other.
func TestChatTwoNodes(t *testing.T) {
	ns := natstest.Start(t, t.TempDir())
	nats := fmt.Sprintf("[pubsub]\nbackend = \"nats\"\nurl = %q\nstream = \"E2E\"\n", ns.URL())
	a := startNode(t, nats+fmt.Sprintf(chatConfig, "30s"), "netpoll")
	b := startNode(t, nats+fmt.Sprintf(chatConfig, "30s"), "std")

	first := postMessage(t, a.addr, "from a")
	// The cursor of a message posted on A parks a waiter on B...
	w := waiterConn(t, b.addr, first.ID)
	waitUntil(t, "the waiter on B to park", func() bool { return parkedCount(t, b.host) == 1 })
	// ...which a message posted on A wakes.
	second := postMessage(t, a.addr, "also from a")
	_, msgs, ok := answered(t, w, 10*time.Second)
	if !ok || len(msgs) != 1 || msgs[0].ID != second.ID || msgs[0].Body != "also from a" {
		t.Fatalf("waiter on B got %v (ok=%v), want message %s", msgs, ok, second.ID)
	}
	// History is shared too: B answers A's first cursor with A's second message.
	_, msgs, ok = answered(t, waiterConn(t, b.addr, first.ID), 10*time.Second)
	if !ok || len(msgs) != 1 || msgs[0].ID != second.ID {
		t.Fatalf("cursor from A on B: %v", msgs)
	}

	// NATS goes away: waits end with 503 at once, publishes fail clearly.
	parked := waiterConn(t, b.addr, second.ID)
	waitUntil(t, "the waiter on B to park", func() bool { return parkedCount(t, b.host) == 1 })
	ns.Shutdown()
	resp, _, ok := answered(t, parked, 10*time.Second)
	if !ok || resp.StatusCode != 503 {
		t.Fatalf("parked waiter when NATS left: %+v ok=%v", resp, ok)
	}
	resp, _, ok = answered(t, waiterConn(t, b.addr, second.ID), 10*time.Second)
	if !ok || resp.StatusCode != 503 {
		t.Fatalf("new waiter while NATS is down: %+v ok=%v", resp, ok)
	}
	if code := postStatus(t, a.addr, "while down"); code != 503 {
		t.Fatalf("posting while NATS is down: %d, want 503", code)
	}

	// NATS comes back: both nodes reconnect and serve again, and a
	// message posted on A wakes a waiter on B once more.
	ns.Restart()
	waitUntil(t, "node A to publish again", func() bool { return postStatus(t, a.addr, "a is back") == 200 })
	waitUntil(t, "node B to publish again", func() bool { return postStatus(t, b.addr, "b is back") == 200 })
	var last message
	waitUntil(t, "node B to see both", func() bool {
		resp, msgs, ok := answered(t, waiterConn(t, b.addr, second.ID), 10*time.Second)
		if !ok || resp.StatusCode != 200 || len(msgs) < 2 {
			return false
		}
		last = msgs[len(msgs)-1]
		return true
	})
	w = waiterConn(t, b.addr, last.ID)
	waitUntil(t, "the waiter on B to park", func() bool { return parkedCount(t, b.host) == 1 })
	third := postMessage(t, a.addr, "third")
	_, msgs, ok = answered(t, w, 10*time.Second)
	if !ok || len(msgs) != 1 || msgs[0].ID != third.ID {
		t.Fatalf("after NATS came back, B's waiter got %v (ok=%v), want message %s", msgs, ok, third.ID)
	}
}

// postStatus posts a chat message and returns the status.
func postStatus(t *testing.T, addr, text string) int {
	form := url.Values{"body": {text}, "_xsrf": {xsrfToken}}
	req, _ := http.NewRequest("POST", "http://"+addr+"/a/message/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "_xsrf="+xsrfToken+"")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
