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
	}
}

func TestLimits(t *testing.T) {
	m := NewMemory(Limits{Retain: 200, MaxTopics: 2, MaxMessageBytes: 4})
	if _, err := m.Publish("a", []byte("12345")); err != ErrTooLarge {
		t.Errorf("oversized message: %v", err)
	}
	// At the cap a new topic needs one that nobody waits on.
	ida, _ := m.Publish("a", nil)
	idb, _ := m.Publish("b", nil)
	wa, wb := make(chanWatcher, 1), make(chanWatcher, 1)
	m.Since("a", ida, wa)
	m.Since("b", idb, wb)
	if _, err := m.Publish("c", nil); err != ErrTooManyTopics {
		t.Errorf("third topic while both have waiters: %v", err)
	}
	if _, err := m.Since("c", 0, make(chanWatcher, 1)); err != ErrTooManyTopics {
		t.Errorf("waiting on a third topic while both have waiters: %v", err)
	}
	if n := m.s.count(); n != 2 {
		t.Errorf("%d topics held, want the cap of 2", n)
	}
	for _, bad := range []string{"", "has space", "nul\x00", string(make([]byte, 201))} {
		if _, err := m.Publish(bad, nil); err != ErrBadTopic {
			t.Errorf("topic %q: %v", bad, err)
		}
	}
}

// TestEvictLeastRecentlyUsed: at the cap a new topic replaces the topic
// used least recently that nobody waits on, and a topic evicted and named
// again never repeats an id its clients may hold as a cursor.
func TestEvictLeastRecentlyUsed(t *testing.T) {
	m := NewMemory(Limits{Retain: 10, MaxTopics: 3, MaxMessageBytes: 64})
	var last int64
	for i := 0; i < 5; i++ { // many ids within a microsecond or two
		last, _ = m.Publish("a", []byte("old"))
	}
	m.Publish("b", nil)
	idc, _ := m.Publish("c", nil)
	w := make(chanWatcher, 1)
	m.Since("c", idc, w) // c has a waiter: never evicted
	m.Since("a", 0, nil) // a read: used after b
	if _, err := m.Publish("d", nil); err != nil {
		t.Fatalf("new topic at the cap with idle topics: %v", err)
	}
	if msgs, _ := m.Since("b", 0, nil); msgs != nil {
		t.Errorf("b, the least recently used idle topic, kept %d messages", len(msgs))
	}
	if msgs, _ := m.Since("a", 0, nil); len(msgs) != 5 { // a read again: now after d
		t.Errorf("a, read after b, has %d messages, want 5", len(msgs))
	}
	m.Publish("e", nil) // evicts d
	if msgs, _ := m.Since("d", 0, nil); msgs != nil {
		t.Errorf("d, used before a's last read, kept %d messages", len(msgs))
	}
	m.Publish("f", nil) // evicts a
	if msgs, _ := m.Since("a", 0, nil); msgs != nil {
		t.Fatalf("a still held after f was made: %d messages", len(msgs))
	}
	select {
	case <-w:
		t.Error("c's waiter woken by evictions")
	default:
	}
	if f := m.s.idFloor.Load(); f < last {
		t.Errorf("id floor %d after evicting a, below a's last id %d", f, last)
	}
	id, err := m.Publish("a", []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if id <= last {
		t.Errorf("a named again starts at id %d, not above its old last id %d", id, last)
	}
	// A client holding the old cursor gets the new message.
	if msgs, _ := m.Since("a", last, nil); len(msgs) != 1 || string(msgs[0].Data) != "new" {
		t.Errorf("old cursor on the new topic: %d messages, want the new one", len(msgs))
	}
	if n := m.s.count(); n != 3 {
		t.Errorf("%d topics held, want 3", n)
	}
}

// TestEvictHammer makes and waits on many more topics than the cap from
// many goroutines: no waiter misses a message published to its topic, and
// the count stays at the cap.
func TestEvictHammer(t *testing.T) {
	const maxTopics = 40
	m := NewMemory(Limits{Retain: 5, MaxTopics: maxTopics, MaxMessageBytes: 64})
	var wg sync.WaitGroup
	var missed, refused atomic.Int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			cursors := map[string]int64{}
			for i := 0; i < 400; i++ {
				topic := fmt.Sprintf("g%d-%d", g, i%60)
				if g%2 == 0 {
					if _, err := m.Publish(topic, []byte("x")); err == ErrTooManyTopics {
						refused.Add(1)
					} else if err != nil {
						t.Error(err)
						return
					}
					continue
				}
				// Wait on a topic of ours past what it holds, publish to
				// it, and expect the wake.
				c := make(chanWatcher, 1)
				msgs, err := m.Since(topic, cursors[topic], c)
				for err == nil && len(msgs) > 0 {
					cursors[topic] = msgs[len(msgs)-1].ID
					msgs, err = m.Since(topic, cursors[topic], c)
				}
				if err == ErrTooManyTopics {
					refused.Add(1)
					continue
				}
				if err != nil {
					t.Errorf("Since(%s): %v", topic, err)
					return
				}
				if _, err := m.Publish(topic, []byte("y")); err != nil {
					t.Error(err)
					return
				}
				select {
				case <-c:
				default:
					missed.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	if missed.Load() > 0 {
		t.Errorf("%d waiters not woken: their topic was evicted under them", missed.Load())
	}
	if n, held := m.s.count(), m.s.held(); n != held || n > maxTopics {
		t.Errorf("count %d, topics held %d, cap %d", n, held, maxTopics)
	}
	t.Logf("%d creations refused with every topic watched", refused.Load())
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

// count returns the store's count of its topics.
func (s *store) count() int {
	s.topicsMu.Lock()
	defer s.topicsMu.Unlock()
	return s.topics
}

// held returns the topics the shards hold.
func (s *store) held() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += len(s.shards[i].topics)
		s.shards[i].mu.Unlock()
	}
	return n
}
