package pubsub

import (
	"hash/maphash"
	"sort"
	"sync"
	"sync/atomic"
)

// store holds topics: each keeps its most recent messages, ordered by id,
// and the watchers to wake when one arrives. Ids increase within a topic
// but need not be contiguous (a JetStream stream numbers all its topics
// together). Topics are spread over shards so that unrelated ones do not
// contend. At MaxTopics a new topic takes the place of one that nobody
// waits on and that was used least recently (see evictLocked), so a
// site that names a topic per user or per room keeps working for the
// life of the process. Safe for concurrent use.
type store struct {
	lim    Limits
	seed   maphash.Seed
	shards [64]shard

	clock   atomic.Int64 // counts topic uses, to tell the least recent
	idFloor atomic.Int64 // the highest id of any topic evicted

	topicsMu  sync.Mutex
	topics    int // topicsMu guards topics
	evictNext int // the next shard to look in for a topic to evict; topicsMu guards
}

// evictLook is how many topics a new topic at the cap looks at, at
// least, for the least recently used idle one to replace: all of them at
// the default max_topics.
const evictLook = 4096

type shard struct {
	mu     sync.Mutex
	topics map[string]*topicState // mu guards topics and everything in them
}

type topicState struct {
	msgs     []Message // the last Retain messages, oldest first
	lastID   int64     // highest id ever appended
	floor    int64     // ids of a new topic start above it: see nextID
	used     int64     // the store's clock when last published to or read
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
// cap allows, or when an idle topic can make room. sh.mu must be held.
func (s *store) topicLocked(sh *shard, name string, create bool) (*topicState, error) {
	t := sh.topics[name]
	if t != nil || !create {
		if t != nil {
			t.used = s.clock.Add(1)
		}
		return t, nil
	}
	s.topicsMu.Lock()
	if s.topics >= s.lim.MaxTopics && !s.evictLocked(sh) {
		s.topicsMu.Unlock()
		return nil, ErrTooManyTopics
	}
	s.topics++
	s.topicsMu.Unlock()
	t = &topicState{watchers: map[Watcher]struct{}{}, floor: s.idFloor.Load(), used: s.clock.Add(1)}
	sh.topics[name] = t
	return t, nil
}

// evictLocked forgets the least recently used topic that nobody waits
// on and reports whether it found one. It looks at every topic, or at
// evictLook of them when the store holds more (starting each time where
// it stopped the last time), own's first. own.mu and topicsMu must be
// held; other shards are only tried (TryLock), so that the lock order of
// own.mu before topicsMu holds and no two creators wait for each other:
// a shard busy at that moment is passed over.
func (s *store) evictLocked(own *shard) bool {
	type pick struct {
		sh   *shard
		name string
		t    *topicState
	}
	var best pick
	looked := 0
	consider := func(sh *shard) {
		for name, t := range sh.topics {
			if len(t.watchers) == 0 && (best.t == nil || t.used < best.t.used) {
				best = pick{sh, name, t}
			}
		}
		looked += len(sh.topics)
	}
	consider(own)
	var held []*shard
	i := 0
	for ; i < len(s.shards) && (looked < evictLook || best.t == nil); i++ {
		sh := &s.shards[(s.evictNext+i)%len(s.shards)]
		if sh == own || !sh.mu.TryLock() {
			continue
		}
		held = append(held, sh)
		consider(sh)
	}
	s.evictNext = (s.evictNext + i) % len(s.shards)
	if best.t != nil {
		delete(best.sh.topics, best.name)
		s.topics--
		for {
			f := s.idFloor.Load()
			if best.t.lastID <= f || s.idFloor.CompareAndSwap(f, best.t.lastID) {
				break
			}
		}
	}
	for _, sh := range held {
		sh.mu.Unlock()
	}
	return best.t != nil
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

// after returns the messages newer than cursor, or all retained ones for
// a cursor the topic does not know: not positive, newer than its last
// message, or older than its oldest retained one.
func (t *topicState) after(cursor int64) []Message {
	if len(t.msgs) == 0 || cursor == t.lastID {
		return nil
	}
	from := 0
	if cursor > 0 && cursor <= t.lastID && cursor >= t.msgs[0].ID-1 {
		from = sort.Search(len(t.msgs), func(i int) bool { return t.msgs[i].ID > cursor })
	}
	return append([]Message(nil), t.msgs[from:]...)
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
