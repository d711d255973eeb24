package pubsub

import (
	"hash/maphash"
	"sync"
)

// Memory is the in-process Broker: each topic keeps a ring of its recent
// messages and a set of watchers. Topics are spread over shards so that
// unrelated topics do not contend. Safe for concurrent use.
type Memory struct {
	lim    Limits
	seed   maphash.Seed
	shards [64]memShard

	topicsMu sync.Mutex
	topics   int // topicsMu guards topics
}

type memShard struct {
	mu     sync.Mutex
	topics map[string]*memTopic // mu guards topics and everything in them
}

type memTopic struct {
	ring     []Message // ring buffer of the last Retain messages
	start    int       // index of the oldest message in ring
	lastID   int64
	watchers map[Watcher]struct{}
}

// NewMemory returns an in-memory broker.
func NewMemory(lim Limits) *Memory {
	m := &Memory{lim: lim.WithDefaults(), seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].topics = map[string]*memTopic{}
	}
	return m
}

func (m *Memory) shard(topic string) *memShard {
	return &m.shards[maphash.String(m.seed, topic)%uint64(len(m.shards))]
}

// topicLocked returns the topic, creating it when create is set and the
// cap allows. sh.mu must be held.
func (m *Memory) topicLocked(sh *memShard, name string, create bool) (*memTopic, error) {
	t := sh.topics[name]
	if t != nil || !create {
		return t, nil
	}
	m.topicsMu.Lock()
	if m.topics >= m.lim.MaxTopics {
		m.topicsMu.Unlock()
		return nil, ErrTooManyTopics
	}
	m.topics++
	m.topicsMu.Unlock()
	t = &memTopic{watchers: map[Watcher]struct{}{}}
	sh.topics[name] = t
	return t, nil
}

// Publish implements Broker.
func (m *Memory) Publish(topic string, data []byte) (int64, error) {
	if !ValidTopic(topic) {
		return 0, ErrBadTopic
	}
	if len(data) > m.lim.MaxMessageBytes {
		return 0, ErrTooLarge
	}
	msg := Message{Data: append([]byte(nil), data...)}
	sh := m.shard(topic)
	sh.mu.Lock()
	t, err := m.topicLocked(sh, topic, true)
	if err != nil {
		sh.mu.Unlock()
		return 0, err
	}
	t.lastID++
	msg.ID = t.lastID
	if len(t.ring) < m.lim.Retain {
		t.ring = append(t.ring, msg)
	} else {
		t.ring[t.start] = msg
		t.start = (t.start + 1) % len(t.ring)
	}
	var woken []Watcher
	if len(t.watchers) > 0 {
		woken = make([]Watcher, 0, len(t.watchers))
		for w := range t.watchers {
			woken = append(woken, w)
		}
		clear(t.watchers)
	}
	sh.mu.Unlock()
	for _, w := range woken {
		w.Wake()
	}
	return msg.ID, nil
}

// Since implements Broker.
func (m *Memory) Since(topic string, cursor int64, w Watcher) ([]Message, error) {
	if !ValidTopic(topic) {
		return nil, ErrBadTopic
	}
	sh := m.shard(topic)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t, err := m.topicLocked(sh, topic, w != nil)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	if msgs := t.since(cursor); len(msgs) > 0 {
		return msgs, nil
	}
	if w != nil {
		t.watchers[w] = struct{}{}
	}
	return nil, nil
}

// since returns the messages newer than cursor, or the whole ring for a
// cursor the topic does not know.
func (t *memTopic) since(cursor int64) []Message {
	n := len(t.ring)
	if n == 0 {
		return nil
	}
	oldest := t.lastID - int64(n) + 1
	var from int64
	switch {
	case cursor == t.lastID:
		return nil
	case cursor <= 0 || cursor > t.lastID || cursor < oldest-1:
		from = oldest // unknown or too old: the retained history
	default:
		from = cursor + 1
	}
	out := make([]Message, 0, t.lastID-from+1)
	for id := from; id <= t.lastID; id++ {
		out = append(out, t.ring[(t.start+int(id-oldest))%n])
	}
	return out
}

// Unwatch implements Broker.
func (m *Memory) Unwatch(topic string, w Watcher) {
	sh := m.shard(topic)
	sh.mu.Lock()
	if t := sh.topics[topic]; t != nil {
		delete(t.watchers, w)
	}
	sh.mu.Unlock()
}

// Close implements Broker.
func (m *Memory) Close() error { return nil }

var _ Broker = (*Memory)(nil)
