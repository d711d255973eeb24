package pubsub

import (
	"errors"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/natstest"
)

func TestNATSTwoNodes(t *testing.T) {
	srv := natstest.Start(t, t.TempDir())
	url := srv.URL()
	a, err := NewNATS(NATSConfig{URL: url, Stream: "WASMWEB", Retain: 200}, Limits{Retain: 200, MaxTopics: 1000, MaxMessageBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewNATS(NATSConfig{URL: url, Stream: "WASMWEB", Retain: 200}, Limits{Retain: 200, MaxTopics: 1000, MaxMessageBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// A waiter on node B is woken by a message posted on node A.
	woke := make(chanWatcher, 1)
	if msgs, err := b.Since("site/room", 0, woke); err != nil || msgs != nil {
		t.Fatalf("empty room on B: %v %v", msgs, err)
	}
	id1, err := a.Publish("site/room", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter on node B was not woken")
	}
	msgs, err := b.Since("site/room", 0, nil)
	if err != nil || len(msgs) != 1 || msgs[0].ID != id1 || string(msgs[0].Data) != "hello" {
		t.Fatalf("B sees %v %v, want message %d", msgs, err, id1)
	}
	// A cursor from node A is valid on node B.
	id2, _ := a.Publish("site/room", []byte("second"))
	waitFor(t, func() bool { m, _ := b.Since("site/room", id1, nil); return len(m) == 1 && m[0].ID == id2 })

	// NATS goes away: waits fail fast and parked waiters are woken.
	woke2 := make(chanWatcher, 1)
	b.Since("site/room", id2, woke2)
	srv.Shutdown()
	select {
	case <-woke2:
	case <-time.After(10 * time.Second):
		t.Fatal("waiters were not woken when NATS went away")
	}
	if _, err := b.Since("site/room", id2, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Since while NATS is down: %v", err)
	}
	if _, err := a.Publish("site/room", []byte("lost")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Publish while NATS is down: %v", err)
	}

	// Service resumes after reconnection.
	srv.Restart()
	waitFor(t, func() bool { _, err := a.Publish("site/room", []byte("back")); return err == nil })
	waitFor(t, func() bool { m, err := b.Since("site/room", id2, nil); return err == nil && len(m) >= 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
