package sdktest

import (
	"cmp"
	"errors"
	"slices"
	"sync"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
)

// DefaultRetain is how many of its most recent messages a topic of the
// fake broker keeps, the real host's default.
const DefaultRetain = 200

// DefaultSite is the site of a request unless Request.WithSite says
// otherwise.
const DefaultSite = "default"

// A Broker is the fake host's pub/sub backend (abi/ABI.md section 7.4):
// the topics of each site, each keeping its DefaultRetain most recent
// messages with ids increasing from 1, and the count of parked requests.
// Requests served with a Broker's Serve publish to it and wait on it.
// Package-level Serve uses DefaultBroker.
//
// A Broker is safe for concurrent use.
type Broker struct {
	mu sync.Mutex
	// topics, gen, parked, maxWaiters and unavailable are guarded by
	// mu.
	topics map[topicKey]*topic
	// gen counts Resets, so that resuming a request parked before one
	// does not change the count of those parked after.
	gen         int
	parked      int
	maxWaiters  int
	unavailable bool
}

// topicKey names a topic: the host prefixes a guest's topic names with
// its site.
type topicKey struct{ site, name string }

// topic is one topic's retained messages, oldest first.
type topic struct {
	lastID int64
	msgs   []sdk.Message
}

// NewBroker returns a broker with no topics, no limit on parked requests,
// and a reachable backend.
func NewBroker() *Broker {
	return &Broker{topics: map[topicKey]*topic{}}
}

var defaultBroker = NewBroker()

// DefaultBroker returns the broker that package-level Serve uses.
func DefaultBroker() *Broker { return defaultBroker }

// Reset resets DefaultBroker; see Broker.Reset. Call it at the start of a
// test that publishes or waits.
func Reset() { defaultBroker.Reset() }

// Reset forgets every topic and parked request and undoes SetMaxWaiters
// and SetUnavailable. Parked responses served before remain resumable.
func (b *Broker) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.topics = map[topicKey]*topic{}
	b.gen++
	b.parked, b.maxWaiters, b.unavailable = 0, 0, false
}

// SetMaxWaiters limits how many requests may be parked at once, as a
// site's max_waiters does: past it Wait returns an error wrapping
// sdk.ErrTooLarge. 0, the default, means no limit.
func (b *Broker) SetMaxWaiters(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maxWaiters = n
}

// SetUnavailable makes the backend unreachable, or reachable again:
// while it is unreachable, Publish and Wait return errors wrapping
// sdk.ErrUnavailable.
func (b *Broker) SetUnavailable(unavailable bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unavailable = unavailable
}

// Parked returns the number of requests parked and not yet resumed.
func (b *Broker) Parked() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.parked
}

// errTopicName is what Broker.Publish returns for a bad topic name.
var errTopicName = errors.New("sdktest: topic names are 1-200 bytes of letters, digits and -_.:/")

// Publish publishes data to topic of site, as a handler on another
// instance would, and returns its id. Requests parked on the topic stay
// parked until the test resumes them with Response.Resume. It returns an
// error for a bad topic name or an unavailable backend.
func (b *Broker) Publish(site, topic string, data []byte) (int64, error) {
	id := b.publish(site, topic, data)
	switch id {
	case abi.ErrInvalid:
		return 0, errTopicName
	case abi.ErrUnavailable:
		return 0, sdk.ErrUnavailable
	}
	return id, nil
}

// Messages returns the messages topic of site retains, oldest first.
func (b *Broker) Messages(site, topic string) []sdk.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[topicKey{site, topic}]
	if t == nil {
		return nil
	}
	msgs := make([]sdk.Message, len(t.msgs))
	for i, m := range t.msgs {
		msgs[i] = sdk.Message{ID: m.ID, Data: slices.Clone(m.Data)}
	}
	return msgs
}

// publish is the host's publish: the id, or an error code.
func (b *Broker) publish(site, name string, data []byte) int64 {
	if !abi.ValidTopic(name) {
		return abi.ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.unavailable {
		return abi.ErrUnavailable
	}
	key := topicKey{site, name}
	t := b.topics[key]
	if t == nil {
		t = &topic{}
		b.topics[key] = t
	}
	t.lastID++
	t.msgs = append(t.msgs, sdk.Message{ID: t.lastID, Data: slices.Clone(data)})
	if len(t.msgs) > DefaultRetain {
		t.msgs = slices.Delete(t.msgs, 0, len(t.msgs)-DefaultRetain)
	}
	return t.lastID
}

// wait is the host's wait: the messages newer than cursor, or, when there
// are none, WAIT_PARKED with the request counted as parked in generation
// gen, or an error code.
func (b *Broker) wait(site, name string, cursor int64, park bool) (msgs []sdk.Message, gen int, r int32) {
	if !abi.ValidTopic(name) {
		return nil, 0, abi.ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.unavailable {
		return nil, 0, abi.ErrUnavailable
	}
	if t := b.topics[topicKey{site, name}]; t != nil {
		since := t.msgs
		// An unknown cursor gets the history; one older than what the
		// topic retains gets it too, by the search below.
		if cursor > 0 && cursor <= t.lastID {
			i, _ := slices.BinarySearchFunc(since, cursor+1, func(m sdk.Message, id int64) int {
				return cmp.Compare(m.ID, id)
			})
			since = since[i:]
		}
		if len(since) > 0 {
			// A copy: publish shifts t.msgs in place. The data is never
			// changed after publish.
			return slices.Clone(since), 0, int32(len(since))
		}
	}
	if !park {
		return nil, 0, 0
	}
	if b.maxWaiters > 0 && b.parked >= b.maxWaiters {
		return nil, 0, abi.ErrTooLarge
	}
	b.parked++
	return nil, b.gen, abi.WaitParked
}

// unpark forgets a request parked in generation gen: it was resumed, or
// its guest answered it after all.
func (b *Broker) unpark(gen int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen == b.gen {
		b.parked--
	}
}
