// Package pubsub keeps the messages of topics and tells waiters when a
// topic gets one. The in-memory Broker serves one process; a backend over
// NATS JetStream shares topics between nodes. It knows nothing of
// requests: package longpoll parks the requests that wait.
package pubsub

import (
	"errors"
	"fmt"
)

// Message is one published message. Its ID, increasing within a topic, is
// the cursor clients send back to ask for what came after it.
type Message struct {
	ID   int64
	Data []byte
}

// Watcher is told, once, that a topic it watches has a new message.
// Wake must not block: it runs on the publisher's goroutine.
type Watcher interface {
	Wake()
}

// Broker stores topics' recent messages and wakes their watchers.
// Implementations are safe for concurrent use.
type Broker interface {
	// Publish appends data to topic and returns the message's id; every
	// watcher of the topic is woken and forgotten.
	Publish(topic string, data []byte) (int64, error)
	// Since returns the messages of topic newer than cursor; a cursor the
	// topic does not know (≤ 0, newer than its last message, or older
	// than its oldest retained one) gets the retained history. When
	// there are none and w is not nil, w is registered to be woken by the
	// next message, atomically with the check.
	Since(topic string, cursor int64, w Watcher) ([]Message, error)
	// Unwatch forgets w; it is not woken.
	Unwatch(topic string, w Watcher)
	// Close releases the broker's resources.
	Close() error
}

// Limits bound what a broker keeps. Every field must be set: the
// site's config gives them their defaults.
type Limits struct {
	// Retain is how many recent messages each topic keeps.
	Retain int
	// MaxTopics caps the topics; publishing to a new topic past it fails
	// with ErrTooManyTopics.
	MaxTopics int
	// MaxMessageBytes caps a message.
	MaxMessageBytes int
}

// Errors of Broker methods.
var (
	ErrTooManyTopics = errors.New("pubsub: too many topics")
	ErrTooLarge      = errors.New("pubsub: message too large")
	ErrBadTopic      = errors.New("pubsub: bad topic name")
	// ErrUnavailable wraps a backend's connection failure.
	ErrUnavailable = errors.New("pubsub: backend unavailable")
)

func unavailable(err error) error { return fmt.Errorf("%w: %v", ErrUnavailable, err) }
