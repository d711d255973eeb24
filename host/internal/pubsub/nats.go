package pubsub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wasmweb/wasmweb/abi"
)

// NATSConfig says how to reach NATS JetStream.
type NATSConfig struct {
	// URL is the NATS server, e.g. "nats://127.0.0.1:4222".
	URL string
	// Stream names the JetStream stream. Every node of a cluster uses
	// the same stream.
	Stream string
	// Timeout bounds a publish and the connection attempt. Default 2 s.
	Timeout time.Duration
	// Prefix is prepended to topic names to make subjects; it ends in a
	// dot, e.g. "wasmweb.blog.". The broker follows only subjects under
	// it, so a prefix per site keeps sites apart. Default "wasmweb.".
	Prefix string
	// Retain is how many messages per topic the stream keeps.
	Retain int
}

// NATS is a Broker whose topics live in a JetStream stream, shared by
// every node connected to it. A message's id is its stream sequence
// number, so a cursor from one node is valid on every other. Each node
// follows the stream with an ordered consumer and keeps the recent
// messages of each topic locally, so that waits are answered without a
// round trip. Safe for concurrent use.
type NATS struct {
	s       store
	cfg     NATSConfig
	nc      *nats.Conn
	js      jetstream.JetStream
	consume jetstream.ConsumeContext
	up      atomic.Bool
}

const subjectPrefix = "wasmweb."

// NewNATS connects to NATS, creates or updates the stream, and starts
// following it from its retained history.
func NewNATS(cfg NATSConfig, lim Limits) (*NATS, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Prefix == "" {
		cfg.Prefix = subjectPrefix
	}
	b := &NATS{cfg: cfg}
	b.s.init(lim)
	nc, err := nats.Connect(cfg.URL,
		nats.Name("wasmweb"),
		nats.Timeout(cfg.Timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(*nats.Conn, error) {
			b.up.Store(false)
			b.s.wakeAll() // parked waits learn that no message can come
		}),
		nats.ReconnectHandler(func(*nats.Conn) { b.up.Store(true) }),
	)
	if err != nil {
		return nil, fmt.Errorf("pubsub: nats %s: %w", cfg.URL, err)
	}
	b.nc = nc
	b.up.Store(true)
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("pubsub: jetstream: %w", err)
	}
	b.js = js
	ctx, cancel := context.WithTimeout(context.Background(), 5*cfg.Timeout)
	defer cancel()
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              cfg.Stream,
		Subjects:          []string{subjectPrefix + ">"},
		MaxMsgsPerSubject: int64(cfg.Retain),
		MaxMsgSize:        int32(b.s.lim.MaxMessageBytes),
		Discard:           jetstream.DiscardOld,
		Storage:           jetstream.FileStorage,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("pubsub: stream %s: %w", cfg.Stream, err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		FilterSubjects: []string{cfg.Prefix + ">"},
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("pubsub: consumer: %w", err)
	}
	cc, err := cons.Consume(b.receive)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("pubsub: consume: %w", err)
	}
	b.consume = cc
	return b, nil
}

// receive files a message the stream delivered.
func (b *NATS) receive(msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		return
	}
	topic, ok := strings.CutPrefix(msg.Subject(), b.cfg.Prefix)
	if !ok {
		return
	}
	b.s.add(topic, Message{ID: int64(meta.Sequence.Stream), Data: append([]byte(nil), msg.Data()...)}, nil)
}

// Publish implements Broker.
func (b *NATS) Publish(topic string, data []byte) (int64, error) {
	if !abi.ValidTopic(topic) {
		return 0, ErrBadTopic
	}
	if len(data) > b.s.lim.MaxMessageBytes {
		return 0, ErrTooLarge
	}
	if !b.up.Load() {
		return 0, unavailable(errors.New("not connected"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	defer cancel()
	ack, err := b.js.Publish(ctx, b.cfg.Prefix+topic, data)
	if err != nil {
		return 0, unavailable(err)
	}
	// File it now, so that this node's next wait sees it even before the
	// stream delivers it back; the delivery is then a duplicate.
	return b.s.add(topic, Message{ID: int64(ack.Sequence), Data: append([]byte(nil), data...)}, nil)
}

// Since implements Broker. While NATS is unreachable it fails with
// ErrUnavailable rather than let a request wait for what cannot come.
func (b *NATS) Since(topic string, cursor int64, w Watcher) ([]Message, error) {
	if !abi.ValidTopic(topic) {
		return nil, ErrBadTopic
	}
	if !b.up.Load() {
		return nil, unavailable(errors.New("not connected"))
	}
	return b.s.since(topic, cursor, w)
}

// Tail is Memory.Tail, failing as Since does while NATS is unreachable.
func (b *NATS) Tail(topic string, cursor int64) (int, int64, error) {
	if !abi.ValidTopic(topic) {
		return 0, 0, ErrBadTopic
	}
	if !b.up.Load() {
		return 0, 0, unavailable(errors.New("not connected"))
	}
	return b.s.tail(topic, cursor)
}

// Unwatch implements Broker.
func (b *NATS) Unwatch(topic string, w Watcher) { b.s.unwatch(topic, w) }

// Close implements Broker.
func (b *NATS) Close() error {
	if b.consume != nil {
		b.consume.Stop()
	}
	b.nc.Close()
	return nil
}

var _ Broker = (*NATS)(nil)
