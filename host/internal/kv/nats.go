package kv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSConfig says how to reach NATS JetStream.
type NATSConfig struct {
	// URL is the NATS server, e.g. "nats://127.0.0.1:4222".
	URL string
	// Timeout bounds each operation and the connection attempt; default
	// 2 s.
	Timeout time.Duration
	// Now is the clock that expires keys; default time.Now. The server
	// removes an expired key on its own clock; until it does, reads
	// compare the key's expiry with this one.
	Now func() time.Time
}

// NATS is a connection to JetStream that opens sites' buckets. Safe for
// concurrent use.
type NATS struct {
	cfg NATSConfig
	nc  *nats.Conn
	js  jetstream.JetStream
}

// DialNATS connects to NATS.
func DialNATS(cfg NATSConfig) (*NATS, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	nc, err := nats.Connect(cfg.URL, nats.Name("wasmweb-kv"), nats.Timeout(cfg.Timeout),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, unavailable(fmt.Errorf("nats %s: %w", cfg.URL, err))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, unavailable(err)
	}
	return &NATS{cfg: cfg, nc: nc, js: js}, nil
}

// Close closes the connection; the buckets opened on it stop working.
func (n *NATS) Close() error {
	n.nc.Close()
	return nil
}

// BucketName is the bucket of a site: "wasmweb_" and the site's name
// (letters, digits, - and _, which bucket names allow).
func BucketName(site string) string { return "wasmweb_" + site }

// HostBucketName is the bucket of the host's own store for a site
// (Stores.OpenHost).
func HostBucketName(site string) string { return "wasmwebhost_" + site }

// markerTTL is how long a deletion's marker may outlive the purge that
// follows it, should that purge fail.
const markerTTL = time.Second

// Bucket is a Store in a NATS JetStream key-value bucket, one per site
// and shared by every node that opens it: a key's version is its
// revision, the stream sequence of its last write, so a version read on
// one node is compared on another. The bucket keeps one revision per
// key; its stream's limits are the site's keys and bytes quotas
// (counting as JetStream stores, headers included), and message TTLs
// expire keys. Safe for concurrent use.
type Bucket struct {
	n      *NATS
	name   string
	kv     jetstream.KeyValue
	stream jetstream.Stream
	pre    string // the subject prefix of the keys, "$KV.<bucket>."
	lim    atomic.Pointer[Limits]
}

// Open opens the bucket of site, creating it when it is missing, and
// applies lim to it.
func (n *NATS) Open(site string, lim Limits) (*Bucket, error) { return n.open(BucketName(site), lim) }

func (n *NATS) open(name string, lim Limits) (*Bucket, error) {
	ctx, cancel := n.ctx()
	defer cancel()
	kv, err := n.js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = n.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1, Storage: jetstream.FileStorage})
	}
	if err != nil {
		return nil, unavailable(fmt.Errorf("bucket %s: %w", name, err))
	}
	stream, err := n.js.Stream(ctx, "KV_"+name)
	if err != nil {
		return nil, unavailable(fmt.Errorf("bucket %s: %w", name, err))
	}
	b := &Bucket{n: n, name: name, kv: kv, stream: stream, pre: "$KV." + name + "."}
	if err := b.SetLimits(lim); err != nil {
		return nil, err
	}
	return b, nil
}

func (n *NATS) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), n.cfg.Timeout)
}

// SetLimits implements Store: the quotas become the stream's limits,
// with message TTLs allowed.
func (b *Bucket) SetLimits(lim Limits) error {
	ctx, cancel := b.n.ctx()
	defer cancel()
	info, err := b.stream.Info(ctx)
	if err != nil {
		return unavailable(err)
	}
	cfg := info.Config
	cfg.AllowMsgTTL = true
	cfg.MaxMsgs = int64(lim.MaxKeys)
	cfg.MaxBytes = lim.MaxBytes
	// Headers count against the message size: the value's cap is
	// checked exactly before a write, this one is the server's backstop.
	cfg.MaxMsgSize = int32(min(lim.MaxValueBytes+lim.MaxKeyBytes+1024, 1<<30))
	cfg.Discard = jetstream.DiscardNew
	if _, err := b.n.js.UpdateStream(ctx, cfg); err != nil {
		return unavailable(fmt.Errorf("bucket %s: %w", b.name, err))
	}
	b.lim.Store(&lim)
	return nil
}

// last is the key's last message, as a record: stored says there is a
// message (a value or a marker), live that it holds a value that has
// not expired.
type last struct {
	seq     uint64
	value   []byte
	expires time.Time // zero for none
	stored  bool
	live    bool
}

func (b *Bucket) last(ctx context.Context, key string) (last, error) {
	m, err := b.stream.GetLastMsgForSubject(ctx, b.pre+key)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return last{}, nil
	}
	if err != nil {
		return last{}, b.wrap(err)
	}
	l := last{seq: m.Sequence, value: m.Data, stored: true, live: true}
	if m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "" {
		l.live = false
	}
	if ttl := m.Header.Get(jetstream.MsgTTLHeader); ttl != "" {
		if d, ok := parseTTL(ttl); ok {
			l.expires = m.Time.Add(d)
			if !b.n.cfg.Now().Before(l.expires) {
				l.live = false
			}
		}
	}
	return l, nil
}

// parseTTL reads a Nats-TTL header: a Go duration or whole seconds;
// "never" is no expiry.
func parseTTL(s string) (time.Duration, bool) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, true
	}
	return 0, false
}

// wrap maps a NATS error to the Store's.
func (b *Bucket) wrap(err error) error {
	if err == nil {
		return nil
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch {
		case api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant:
			return ErrConflict
		case api.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum,
			strings.Contains(api.Description, "maximum messages"), strings.Contains(api.Description, "maximum bytes"):
			return fmt.Errorf("%w: the site's max_keys or max_bytes (bucket %s: %v)", ErrTooLarge, b.name, err)
		}
	}
	return unavailable(fmt.Errorf("bucket %s: %w", b.name, err))
}

// publish writes a message for key expecting its last sequence to be
// seq, with a TTL when ttl > 0, and returns its sequence.
func (b *Bucket) publish(ctx context.Context, key string, value []byte, hdr nats.Header, ttl time.Duration, seq *uint64) (uint64, error) {
	m := &nats.Msg{Subject: b.pre + key, Data: value, Header: hdr}
	var opts []jetstream.PublishOpt
	if ttl > 0 {
		opts = append(opts, jetstream.WithMsgTTL(ttl))
	}
	if seq != nil {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(*seq))
	}
	ack, err := b.n.js.PublishMsg(ctx, m, opts...)
	if err != nil {
		return 0, b.wrap(err)
	}
	return ack.Sequence, nil
}

// Get implements Store.
func (b *Bucket) Get(key string) (Entry, error) {
	ctx, cancel := b.n.ctx()
	defer cancel()
	l, err := b.last(ctx, key)
	if err != nil {
		return Entry{}, err
	}
	if !l.live {
		return Entry{}, ErrNotFound
	}
	return Entry{Value: l.value, Version: l.seq}, nil
}

// Set implements Store.
func (b *Bucket) Set(key string, value []byte, ttl time.Duration, expect int64) (uint64, error) {
	ctx, cancel := b.n.ctx()
	defer cancel()
	var seq *uint64
	switch {
	case expect == Absent:
		l, err := b.last(ctx, key)
		if err != nil {
			return 0, err
		}
		if l.live {
			return 0, ErrConflict
		}
		seq = &l.seq // 0, or the marker's or expired value's
	case expect > 0:
		v := uint64(expect)
		seq = &v
		// A marker or an expired value could have that sequence.
		l, err := b.last(ctx, key)
		if err != nil {
			return 0, err
		}
		if !l.live || l.seq != v {
			return 0, ErrConflict
		}
	}
	return b.publish(ctx, key, value, nil, ttl, seq)
}

// Delete implements Store: a purge marker written on the condition
// expect sets, then the key's messages up to it purged from the
// stream, so a deleted key no longer counts against max_keys.
func (b *Bucket) Delete(key string, expect int64) error {
	ctx, cancel := b.n.ctx()
	defer cancel()
	for range 8 {
		l, err := b.last(ctx, key)
		if err != nil {
			return err
		}
		switch {
		case !l.live && expect <= Absent:
			return ErrNotFound
		case !l.live || expect == Absent || expect > 0 && l.seq != uint64(expect):
			return ErrConflict
		}
		hdr := nats.Header{}
		hdr.Set("KV-Operation", "PURGE")
		hdr.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
		seq, err := b.publish(ctx, key, nil, hdr, markerTTL, &l.seq)
		if errors.Is(err, ErrConflict) && expect == Any {
			continue // written meanwhile: delete what is there now
		}
		if err != nil {
			return err
		}
		// Best effort: the marker expires by itself otherwise.
		b.stream.Purge(ctx, jetstream.WithPurgeSubject(b.pre+key), jetstream.WithPurgeSequence(seq+1))
		return nil
	}
	return unavailable(fmt.Errorf("bucket %s: key %q keeps changing", b.name, key))
}

// Incr implements Store, as a compare-and-set retried, after a random
// pause, while other writers win, within the operation's timeout.
func (b *Bucket) Incr(key string, delta int64, ttl time.Duration) (int64, error) {
	ctx, cancel := b.n.ctx()
	defer cancel()
	for i := 0; ctx.Err() == nil; i++ {
		if i > 0 {
			time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(i, 6))))
		}
		l, err := b.last(ctx, key)
		if err != nil {
			return 0, err
		}
		sum, text, err := add(l.value, l.live, delta)
		if err != nil {
			return 0, err
		}
		if l.live {
			ttl = 0
			if !l.expires.IsZero() {
				// Keep the key's expiry, in whole seconds as TTLs are.
				rem := l.expires.Sub(b.n.cfg.Now())
				ttl = max(time.Second, (rem+time.Second-1)/time.Second*time.Second)
			}
		}
		_, err = b.publish(ctx, key, text, nil, ttl, &l.seq)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return sum, nil
	}
	return 0, unavailable(fmt.Errorf("bucket %s: key %q keeps changing", b.name, key))
}

// List implements Store. The bucket lists its keys in no order, so
// each page reads every key's name: a cost that grows with the bucket.
func (b *Bucket) List(prefix, after string, limit int) ([]string, error) {
	ctx, cancel := b.n.ctx()
	defer cancel()
	lister, err := b.kv.ListKeys(ctx)
	if err != nil {
		return nil, b.wrap(err)
	}
	var keys []string
	for k := range lister.Keys() {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, unavailable(err)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

// Close implements Store; the connection stays open for other buckets.
func (b *Bucket) Close() error { return nil }

var _ Store = (*Bucket)(nil)
