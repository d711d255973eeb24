package pubsub

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

type chanWatcher chan struct{}

func (c chanWatcher) Wake() {
	select {
	case c <- struct{}{}:
	default:
	}
}

func TestSinceCursors(t *testing.T) {
	m := NewMemory(Limits{Retain: 3, MaxTopics: 1000, MaxMessageBytes: 64 << 10})
	if msgs, _ := m.Since("t", 0, nil); msgs != nil {
		t.Fatalf("empty topic: %v", msgs)
	}
	var base int64
	for i := 1; i <= 5; i++ {
		id, err := m.Publish("t", []byte(fmt.Sprint(i)))
		if i == 1 {
			base = id - 1 // ids start from the clock, then count up
		}
		if err != nil || id != base+int64(i) {
			t.Fatalf("publish %d: id %d err %v", i, id, err)
		}
	}
	ids := func(msgs []Message) string {
		s := ""
		for _, m := range msgs {
			s += fmt.Sprintf("%d:%s ", m.ID-base, m.Data)
		}
		return s
	}
	for _, tc := range []struct {
		cursor int64
		want   string
	}{
		{0, "3:3 4:4 5:5 "},  // no cursor: the history
		{-7, "3:3 4:4 5:5 "}, // nonsense: the history
		{99, "3:3 4:4 5:5 "}, // from the future (a restarted server): the history
		{1, "3:3 4:4 5:5 "},  // older than retained: the history
		{2, "3:3 4:4 5:5 "},  // just before the oldest retained: all of it
		{3, "4:4 5:5 "},      // a known cursor: what came after
		{4, "5:5 "},          //
		{5, ""},              // up to date: nothing
	} {
		cursor := tc.cursor
		if cursor > 0 {
			cursor += base
		}
		msgs, err := m.Since("t", cursor, nil)
		if err != nil || ids(msgs) != tc.want {
			t.Errorf("Since(%d) = %q, %v; want %q", tc.cursor, ids(msgs), err, tc.want)
		}
		// Tail counts what Since returns and names its newest.
		n, last, err := m.Tail("t", cursor)
		var wantLast int64
		if len(msgs) > 0 {
			wantLast = msgs[len(msgs)-1].ID
		}
		if err != nil || n != len(msgs) || last != wantLast {
			t.Errorf("Tail(%d) = %d, %d, %v; Since gives %d, %d", tc.cursor, n, last-base, err, len(msgs), wantLast-base)
		}
	}
	if n, last, err := m.Tail("other", 0); n != 0 || last != 0 || err != nil {
		t.Errorf("Tail of an unknown topic: %d, %d, %v", n, last, err)
	}
	if _, _, err := m.Tail("bad topic!", 0); err != ErrBadTopic {
		t.Errorf("Tail of a bad topic name: %v", err)
	}
}

func TestLimits(t *testing.T) {
	m := NewMemory(Limits{Retain: 200, MaxTopics: 2, MaxMessageBytes: 4})
	if _, err := m.Publish("a", []byte("12345")); err != ErrTooLarge {
		t.Errorf("oversized message: %v", err)
	}
	m.Publish("a", nil)
	m.Publish("b", nil)
	if _, err := m.Publish("c", nil); err != ErrTooManyTopics {
		t.Errorf("third topic: %v", err)
	}
	for _, bad := range []string{"", "has space", "nul\x00", string(make([]byte, 201))} {
		if _, err := m.Publish(bad, nil); err != ErrBadTopic {
			t.Errorf("topic %q: %v", bad, err)
		}
	}
}

// TestHammer runs publishers, waiters that unwatch at random, and readers
// at once; no waiter that registered before a publish misses it.
func TestHammer(t *testing.T) {
	m := NewMemory(Limits{Retain: 50, MaxTopics: 1000, MaxMessageBytes: 64 << 10})
	const topics, publishers, waiters, rounds = 4, 4, 64, 300
	var wg, pubs sync.WaitGroup
	stop := make(chan struct{})
	for p := 0; p < publishers; p++ {
		pubs.Add(1)
		go func(p int) {
			defer pubs.Done()
			for i := 0; i < rounds; i++ {
				if _, err := m.Publish(fmt.Sprintf("t%d", (p+i)%topics), []byte("x")); err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	var missed atomic.Int64
	for w := 0; w < waiters; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			topic := fmt.Sprintf("t%d", w%topics)
			var cursor int64
			for {
				c := make(chanWatcher, 1)
				msgs, err := m.Since(topic, cursor, c)
				if err != nil {
					t.Error(err)
					return
				}
				if len(msgs) > 0 {
					cursor = msgs[len(msgs)-1].ID
					continue
				}
				if w%3 == 0 { // some waiters give up, like a disconnect
					m.Unwatch(topic, c)
					select {
					case <-stop:
						return
					default:
					}
					continue
				}
				select {
				case <-c:
				case <-stop:
					m.Unwatch(topic, c)
					// Registered while the topic had nothing past cursor:
					// anything published since must have woken us.
					if msgs, _ := m.Since(topic, cursor, nil); len(msgs) > 0 {
						select {
						case <-c:
						default:
							missed.Add(1)
						}
					}
					return
				}
			}
		}(w)
	}
	pubs.Wait()
	close(stop)
	wg.Wait()
	if missed.Load() > 0 {
		t.Fatalf("%d waiters missed a wake-up", missed.Load())
	}
}
