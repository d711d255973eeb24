package pubsub

import (
	"time"

	"github.com/wasmweb/wasmweb/abi"
)

// Memory is the in-process Broker. Safe for concurrent use.
type Memory struct {
	s store
}

// NewMemory returns an in-memory broker.
func NewMemory(lim Limits) *Memory {
	m := &Memory{}
	m.s.init(lim)
	return m
}

// Publish implements Broker.
func (m *Memory) Publish(topic string, data []byte) (int64, error) {
	if !abi.ValidTopic(topic) {
		return 0, ErrBadTopic
	}
	if len(data) > m.s.lim.MaxMessageBytes {
		return 0, ErrTooLarge
	}
	return m.s.add(topic, Message{Data: append([]byte(nil), data...)}, nextID)
}

// Since implements Broker.
func (m *Memory) Since(topic string, cursor int64, w Watcher) ([]Message, error) {
	if !abi.ValidTopic(topic) {
		return nil, ErrBadTopic
	}
	return m.s.since(topic, cursor, w)
}

// nextID numbers a topic's messages. A new topic starts from the clock
// (microseconds since 1970, well within a JavaScript number's exact
// range), so that ids are never reused after a restart: a client's cursor
// from before it is older than anything retained and gets the history.
// It starts above every id of a topic evicted to make room too, so that a
// topic evicted and named again never repeats an id either.
func nextID(t *topicState) int64 {
	if t.lastID == 0 {
		return max(time.Now().UnixMicro(), t.floor+1)
	}
	return t.lastID + 1
}

// Unwatch implements Broker.
func (m *Memory) Unwatch(topic string, w Watcher) { m.s.unwatch(topic, w) }

// Close implements Broker.
func (m *Memory) Close() error { return nil }

var _ Broker = (*Memory)(nil)
