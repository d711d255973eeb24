package sdktest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
)

func TestBrokerPublish(t *testing.T) {
	b := NewBroker()
	for i, want := range []int64{1, 2, 3} {
		id, err := b.Publish(DefaultSite, "room", []byte{byte('a' + i)})
		if err != nil || id != want {
			t.Fatalf("publish %d: %d, %v; want %d", i, id, err, want)
		}
	}
	if _, err := b.Publish(DefaultSite, "", nil); !errors.Is(err, errTopicName) {
		t.Errorf("empty topic: %v", err)
	}
	if _, err := b.Publish(DefaultSite, strings.Repeat("x", 201), nil); !errors.Is(err, errTopicName) {
		t.Errorf("201-byte topic: %v", err)
	}
	msgs := b.Messages(DefaultSite, "room")
	if len(msgs) != 3 || msgs[2].ID != 3 || string(msgs[2].Data) != "c" {
		t.Errorf("Messages: %+v", msgs)
	}
	msgs[0].Data[0] = 'z' // a copy
	if got := b.Messages(DefaultSite, "room")[0].Data; string(got) != "a" {
		t.Errorf("Messages shares the broker's data: %q", got)
	}
	if b.Messages("other", "room") != nil {
		t.Error("another site sees the topic")
	}
	b.SetUnavailable(true)
	if _, err := b.Publish(DefaultSite, "room", nil); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("backend down: %v", err)
	}
	b.Reset()
	if id, err := b.Publish(DefaultSite, "room", nil); err != nil || id != 1 {
		t.Errorf("after Reset: %d, %v; want 1 and the backend up", id, err)
	}
}

func TestBrokerPollNeverParks(t *testing.T) {
	b := NewBroker()
	b.SetMaxWaiters(1)
	b.wait(DefaultSite, "t", 0, true) // the one waiter the broker admits
	if msgs, _, r := b.wait(DefaultSite, "t", 0, false); r != 0 || msgs != nil {
		t.Fatalf("poll of an empty topic at max_waiters: %v %d, want nothing and 0", msgs, r)
	}
	if b.Parked() != 1 {
		t.Errorf("parked %d after a poll, want 1", b.Parked())
	}
	id := b.publish(DefaultSite, "t", []byte("m"))
	if msgs, _, r := b.wait(DefaultSite, "t", 0, false); r != 1 || msgs[0].ID != id {
		t.Errorf("poll after a publish: %v %d", msgs, r)
	}
}

func TestBrokerParkedCount(t *testing.T) {
	b := NewBroker()
	b.SetMaxWaiters(2)
	if _, _, r := b.wait(DefaultSite, "t", 0, true); r != abi.WaitParked {
		t.Fatalf("first wait: %d", r)
	}
	_, gen, r := b.wait(DefaultSite, "t", 0, true)
	if r != abi.WaitParked {
		t.Fatalf("second wait: %d", r)
	}
	if _, _, r := b.wait(DefaultSite, "t", 0, true); r != abi.ErrTooLarge {
		t.Errorf("third wait past max_waiters: %d, want ERR_TOO_LARGE", r)
	}
	b.unpark(gen)
	if b.Parked() != 1 {
		t.Errorf("parked %d after an unpark, want 1", b.Parked())
	}
	// A request parked before Reset does not change the count after.
	b.Reset()
	_, _, _ = b.wait(DefaultSite, "t", 0, true)
	b.unpark(gen)
	if b.Parked() != 1 {
		t.Errorf("parked %d after unparking a request of before Reset, want 1", b.Parked())
	}
}

// TestBrokerHammer publishes and waits from many goroutines, for -race.
func TestBrokerHammer(t *testing.T) {
	b := NewBroker()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				if g%2 == 0 {
					b.Publish(DefaultSite, "room", []byte{byte(i)})
				} else if msgs, gen, r := b.wait(DefaultSite, "room", int64(i), true); r == abi.WaitParked {
					b.unpark(gen)
				} else if r > 0 && int(r) != len(msgs) {
					t.Errorf("wait returned %d and %d messages", r, len(msgs))
				}
				b.Messages(DefaultSite, "room")
			}
		}()
	}
	wg.Wait()
	msgs := b.Messages(DefaultSite, "room")
	if len(msgs) != DefaultRetain || msgs[len(msgs)-1].ID != 4*300 {
		t.Errorf("retained %d messages, last id %d; want %d, %d", len(msgs), msgs[len(msgs)-1].ID, DefaultRetain, 4*300)
	}
	if b.Parked() != 0 {
		t.Errorf("parked %d", b.Parked())
	}
}
