package longpoll

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmweb/wasmweb/host/internal/compress"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/netloop"
)

// shareTTL is how long a shared answer is kept: long enough for one
// publish to wake every waiter, short enough that a plugin's answer
// never goes stale in a way its author would notice.
const shareTTL = time.Second

// maxShared bounds the answers a site keeps; past it the oldest go first.
const maxShared = 256

// shareKey names the waiters that one shared answer serves: the same
// route, path parameters, topic and cursor, and the same encoding.
type shareKey struct {
	route  *route.Route
	params string
	topic  string
	cursor int64
	gzip   bool
}

// shared is an answer a guest declared shareable with resp_share, and
// the messages it was made from.
type shared struct {
	last int64 // id of the newest message it covers
	n    int   // how many messages it covers
	at   time.Time
	resp netloop.SavedResponse
}

// shareCache keeps a site's shared answers. Safe for concurrent use.
type shareCache struct {
	n  atomic.Int32 // entries, read without the lock
	mu sync.Mutex
	m  map[shareKey]*shared
}

func shareKeyOf(rt *route.Route, params []route.Param, topic string, cursor int64, r *netloop.Request) shareKey {
	k := shareKey{route: rt, topic: topic, cursor: cursor, gzip: compress.AcceptsGzip(string(r.Header("Accept-Encoding")))}
	if len(params) > 0 {
		var b strings.Builder
		for _, p := range params {
			b.WriteString(p.Name)
			b.WriteByte(0)
			b.WriteString(p.Value)
			b.WriteByte(0)
		}
		k.params = b.String()
	}
	return k
}

// Keep stores the answer w of a call that called resp_share after its
// wait on topic past cursor returned msgs, when it may be given to
// others: complete, buffered, 200, no cookie set.
func (p *Parking) Keep(rt *route.Route, params []route.Param, topic string, cursor int64, msgs []pubsub.Message, w *netloop.Response, r *netloop.Request) {
	sc := &p.shares
	if len(msgs) == 0 || w.Status() != 200 || r.IsHead() {
		return
	}
	if _, ok := w.HeaderValue("Set-Cookie"); ok {
		return
	}
	saved, ok := w.Save()
	if !ok {
		return
	}
	e := &shared{last: msgs[len(msgs)-1].ID, n: len(msgs), at: time.Now(), resp: saved}
	k := shareKeyOf(rt, params, topic, cursor, r)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil {
		sc.m = map[shareKey]*shared{}
	}
	if len(sc.m) >= maxShared {
		sc.evict(e.at)
	}
	sc.m[k] = e
	sc.n.Store(int32(len(sc.m)))
}

// evict drops stale answers, or the oldest when none is stale. sc.mu is
// held.
func (sc *shareCache) evict(now time.Time) {
	var oldest shareKey
	var oldestAt time.Time
	for k, e := range sc.m {
		if now.Sub(e.at) > shareTTL {
			delete(sc.m, k)
			continue
		}
		if oldestAt.IsZero() || e.at.Before(oldestAt) {
			oldest, oldestAt = k, e.at
		}
	}
	if len(sc.m) >= maxShared {
		delete(sc.m, oldest)
	}
}

// answerShared gives a resumed waiter a shared answer, when one was made from
// the messages its own wait would now return. It reports whether it did.
func (p *Parking) answerShared(w *netloop.Response, r *netloop.Request, wt *Waiter) bool {
	sc := &p.shares
	if sc.n.Load() == 0 || r.IsHead() {
		return false
	}
	k := shareKeyOf(wt.route, wt.params, wt.topic, wt.cursor, r)
	sc.mu.Lock()
	e := sc.m[k]
	sc.mu.Unlock()
	if e == nil || time.Since(e.at) > shareTTL {
		return false
	}
	n, last, err := tail(p.cfg.Broker, wt.topic, wt.cursor)
	if err != nil || n != e.n || last != e.last {
		return false
	}
	if !w.Replay(e.resp) {
		return false
	}
	p.cfg.Shared.Inc()
	return true
}

// tailer is a Broker that can say how many messages follow a cursor, and
// the newest one's id, without copying them as Since does.
type tailer interface {
	Tail(topic string, cursor int64) (int, int64, error)
}

// tail returns how many messages of topic follow cursor and the newest
// one's id.
func tail(b pubsub.Broker, topic string, cursor int64) (int, int64, error) {
	if t, ok := b.(tailer); ok {
		return t.Tail(topic, cursor)
	}
	msgs, err := b.Since(topic, cursor, nil)
	if err != nil || len(msgs) == 0 {
		return 0, 0, err
	}
	return len(msgs), msgs[len(msgs)-1].ID, nil
}

var (
	_ tailer = (*pubsub.Memory)(nil)
	_ tailer = (*pubsub.NATS)(nil)
)
