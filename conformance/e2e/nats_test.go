package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/pubsub"
)

// TestChatTwoNodes runs two wasmweb servers sharing an embedded NATS
// JetStream: a message posted to one wakes a waiter on the other, and a
// cursor from one node works on the other.
func TestChatTwoNodes(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	defer ns.Shutdown()
	opts := host.Options{NATS: pubsub.NATSConfig{URL: ns.ClientURL(), Stream: "E2E"}}
	a := startNode(t, fmt.Sprintf(chatConfig, "30s"), opts, "netpoll")
	b := startNode(t, fmt.Sprintf(chatConfig, "30s"), opts, "std")

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
}
