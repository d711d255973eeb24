package pubsub

import (
	"hash/maphash"
	"sort"
	"sync"
)

// store holds topics: each keeps its most recent messages, ordered by id,
// and the watchers to wake when one arrives. Ids increase within a topic
// but need not be contiguous (a JetStream stream numbers all its topics
// together). Topics are spread over shards so that unrelated ones do not
// contend. Safe for concurrent use.
type store struct {
	lim    Limits
	seed   maphash.Seed
	shards [64]shard

	topicsMu sync.Mutex
	topics   int // topicsMu guards topics
}

type shard struct {
	mu     sync.Mutex
	topics map[string]*topicState // mu guards topics and everything in them
}

type topicState struct {
	msgs     []Message // the last Retain messages, oldest first
	lastID   int64     // highest id ever appended
	watchers map[Watcher]struct{}
}

func (s *store) init(lim Limits) {
	s.lim = lim
	s.seed = maphash.MakeSeed()
	for i := range s.shards {
		s.shards[i].topics = map[string]*topicState{}
	}
}

func (s *store) shard(topic string) *shard {
	return &s.shards[maphash.String(s.seed, topic)%uint64(len(s.shards))]
}

// topicLocked returns the topic, creating it when create is set and the
// cap allows. sh.mu must be held.
func (s *store) topicLocked(sh *shard, name string, create bool) (*topicState, error) {
	t := sh.topics[name]
	if t != nil || !create {
		return t, nil
	}
	s.topicsMu.Lock()
	if s.topics >= s.lim.MaxTopics {
		s.topicsMu.Unlock()
		return nil, ErrTooManyTopics
	}
	s.topics++
	s.topicsMu.Unlock()
	t = &topicState{watchers: map[Watcher]struct{}{}}
	sh.topics[name] = t
	return t, nil
}

// add appends a message with the id next(t) chooses (or msg.ID when next
// is nil), keeping ids ordered and dropping duplicates, then wakes the
// topic's watchers. It returns the message's id.
func (s *store) add(topic string, msg Message, next func(t *topicState) int64) (int64, error) {
	sh := s.shard(topic)
	sh.mu.Lock()
	t, err := s.topicLocked(sh, topic, true)
	if err != nil {
		sh.mu.Unlock()
		return 0, err
	}
	if next != nil {
		msg.ID = next(t)
	}
	i := sort.Search(len(t.msgs), func(i int) bool { return t.msgs[i].ID >= msg.ID })
	switch {
	case i < len(t.msgs) && t.msgs[i].ID == msg.ID:
		sh.mu.Unlock()
		return msg.ID, nil // delivered twice: once by the publisher, once by the stream
	case i == len(t.msgs):
		t.msgs = append(t.msgs, msg)
	default:
		t.msgs = append(t.msgs, Message{})
		copy(t.msgs[i+1:], t.msgs[i:])
		t.msgs[i] = msg
	}
	if over := len(t.msgs) - s.lim.Retain; over > 0 {
		clear(t.msgs[:over])
		t.msgs = append(t.msgs[:0], t.msgs[over:]...)
	}
	t.lastID = max(t.lastID, msg.ID)
	woken := takeWatchers(t)
	sh.mu.Unlock()
	for _, w := range woken {
		w.Wake()
	}
	return msg.ID, nil
}

func takeWatchers(t *topicState) []Watcher {
	if len(t.watchers) == 0 {
		return nil
	}
	woken := make([]Watcher, 0, len(t.watchers))
	for w := range t.watchers {
		woken = append(woken, w)
	}
	clear(t.watchers)
	return woken
}

// since implements Broker.Since on the store.
func (s *store) since(topic string, cursor int64, w Watcher) ([]Message, error) {
	sh := s.shard(topic)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t, err := s.topicLocked(sh, topic, w != nil)
	if err != nil || t == nil {
		return nil, err
	}
	if msgs := t.after(cursor); len(msgs) > 0 {
		return msgs, nil
	}
	if w != nil {
		t.watchers[w] = struct{}{}
	}
	return nil, nil
}

// tail returns how many messages of topic since would return for cursor,
// and the newest one's id, without copying them.
func (s *store) tail(topic string, cursor int64) (int, int64, error) {
	sh := s.shard(topic)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t, err := s.topicLocked(sh, topic, false)
	if err != nil || t == nil {
		return 0, 0, err
	}
	n := len(t.msgs) - t.from(cursor)
	if n == 0 {
		return 0, 0, nil
	}
	return n, t.msgs[len(t.msgs)-1].ID, nil
}

// after returns the messages newer than cursor, or all retained ones for
// a cursor the topic does not know: not positive, newer than its last
// message, or older than its oldest retained one.
func (t *topicState) after(cursor int64) []Message {
	from := t.from(cursor)
	if from == len(t.msgs) {
		return nil
	}
	return append([]Message(nil), t.msgs[from:]...)
}

// from returns the index of the first message after returns for cursor,
// len(t.msgs) when there is none.
func (t *topicState) from(cursor int64) int {
	if len(t.msgs) == 0 || cursor == t.lastID {
		return len(t.msgs)
	}
	if cursor > 0 && cursor <= t.lastID && cursor >= t.msgs[0].ID-1 {
		return sort.Search(len(t.msgs), func(i int) bool { return t.msgs[i].ID > cursor })
	}
	return 0
}

func (s *store) unwatch(topic string, w Watcher) {
	sh := s.shard(topic)
	sh.mu.Lock()
	if t := sh.topics[topic]; t != nil {
		delete(t.watchers, w)
	}
	sh.mu.Unlock()
}

// wakeAll wakes every watcher of every topic: the backend went away, and
// waiters must learn it rather than wait for a message that cannot come.
func (s *store) wakeAll() {
	var woken []Watcher
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, t := range sh.topics {
			woken = append(woken, takeWatchers(t)...)
		}
		sh.mu.Unlock()
	}
	for _, w := range woken {
		w.Wake()
	}
}
