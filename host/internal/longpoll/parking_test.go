package longpoll

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/internal/monotime"
	"github.com/wasmweb/wasmweb/netloop"
)

// fakeParked stands in for a parked connection.
type fakeParked struct {
	resume    func(netloop.Handler) error
	cancelled atomic.Bool
}

func (f *fakeParked) Resume(h netloop.Handler) error { return f.resume(h) }
func (f *fakeParked) Cancel()                        { f.cancelled.Store(true) }

// records is a slog.Handler that keeps messages and their attributes.
type records struct {
	mu   sync.Mutex
	msgs []map[string]string // mu guards msgs; "msg" holds the message
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]string{"msg": rec.Message}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	return nil
}

func (r *records) find(msg string) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if m["msg"] == msg {
			return m
		}
	}
	return nil
}

// TestResumePanic makes resuming one parked request panic: the worker
// must log it with the site and plugin, close that connection, and go on
// to resume the next request.
func TestResumePanic(t *testing.T) {
	log := &records{}
	counter := func(name string) prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: name}) }
	p := New(Config{
		Site: "s", MaxWaiters: 10, MaxWait: time.Minute, Workers: 1, // one worker: it must survive
		Broker: pubsub.NewMemory(pubsub.Limits{Retain: 10, MaxTopics: 10, MaxMessageBytes: 100}),
		Log:    slog.New(log), Parked: prometheus.NewGauge(prometheus.GaugeOpts{Name: "parked"}),
		Resumed: counter("resumed"), Shared: counter("shared"),
		Run: func(*netloop.Response, *netloop.Request, *Waiter) {},
	})
	defer p.Close()
	rt := &route.Route{Pattern: mustParse(t, "/p"), Plugin: "g"}

	resumed := make(chan struct{})
	bad := &fakeParked{resume: func(netloop.Handler) error { panic("deliberate") }}
	good := &fakeParked{resume: func(netloop.Handler) error { close(resumed); return nil }}
	for _, fp := range []*fakeParked{bad, good} {
		if !p.reserve() {
			t.Fatal("no slot for a waiter")
		}
		w := &Waiter{p: p, route: rt, parked: fp, expires: monotime.Of(time.Now().Add(time.Hour))}
		p.File(w)
		w.Wake()
	}
	select {
	case <-resumed:
	case <-time.After(20 * time.Second):
		t.Fatal("the request after the one that panicked was never resumed")
	}
	if !bad.cancelled.Load() {
		t.Error("the connection whose resumption panicked was not closed")
	}
	if good.cancelled.Load() {
		t.Error("a connection that resumed fine was closed")
	}
	rec := log.find("host: panic while resuming a parked request; connection closed")
	if rec == nil || rec["site"] != "s" || rec["plugin"] != "g" || rec["panic"] != "deliberate" {
		t.Errorf("panic logged as %v", rec)
	}
	if n := p.Count(); n != 0 {
		t.Errorf("%d parked after both were resumed", n)
	}
}

func mustParse(t *testing.T, pattern string) route.Pattern {
	p, err := route.Parse(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A worker takes woken waiters in batches, oldest first, and leaves half
// of a short queue to the others; once stopped, it drains what is queued
// before it returns false.
func TestWakeQueueBatches(t *testing.T) {
	var q wakeQueue
	q.init()
	ws := make([]*Waiter, 100)
	for i := range ws {
		ws[i] = &Waiter{}
		q.push(ws[i])
	}
	stop := make(chan struct{})
	batch := make([]*Waiter, 0, 32)
	var sizes []int
	next := 0
	for next < len(ws) {
		var ok bool
		batch, ok = q.pop(stop, batch[:0])
		if !ok {
			t.Fatal("pop reported a stop")
		}
		for _, w := range batch {
			if w != ws[next] {
				t.Fatalf("waiter %d out of order", next)
			}
			next++
		}
		sizes = append(sizes, len(batch))
	}
	want := []int{32, 32, 18, 9, 5, 2, 1, 1}
	if len(sizes) != len(want) {
		t.Fatalf("batches %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("batches %v, want %v", sizes, want)
		}
	}
	q.push(ws[0])
	close(stop)
	if batch, ok := q.pop(stop, batch[:0]); !ok || len(batch) != 1 {
		t.Fatalf("after stop, a queued waiter: %d, %v", len(batch), ok)
	}
	if _, ok := q.pop(stop, batch[:0]); ok {
		t.Fatal("after stop, an empty queue still pops")
	}
}

// A site's parking starts its goroutines at its first wait, not before:
// a server of thousands of sites that never park a request runs no
// worker and no ticker for them. Close works before any wait, and a wait
// after Close starts nothing.
func TestParkingStartsAtFirstWait(t *testing.T) {
	counter := func(name string) prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: name}) }
	cfg := Config{
		Site: "s", MaxWaiters: 0, MaxWait: time.Minute, Workers: 3,
		Broker: pubsub.NewMemory(pubsub.Limits{Retain: 10, MaxTopics: 10, MaxMessageBytes: 100}),
		Log:    slog.New(&records{}), Parked: prometheus.NewGauge(prometheus.GaugeOpts{Name: "parked"}),
		Resumed: counter("resumed"), Shared: counter("shared"),
		Run: func(*netloop.Response, *netloop.Request, *Waiter) {},
	}
	rt := &route.Route{Pattern: mustParse(t, "/p"), Plugin: "g"}
	before := runtime.NumGoroutine()
	sites := make([]*Parking, 100)
	for i := range sites {
		sites[i] = New(cfg)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("100 sites' parking started %d goroutines before any wait", n-before)
	}
	for _, p := range sites[1:] {
		if p.Started() {
			t.Fatal("a parking started before any wait")
		}
		p.Close()
	}

	p := sites[0]
	if _, _, err := p.Wait(nil, rt, nil, "t", 0, 0); err != ErrFull { // max_waiters 0: refused, but started
		t.Fatalf("Wait: %v, want ErrFull", err)
	}
	if !p.Started() {
		t.Fatal("the first wait did not start the parking")
	}
	p.Close()

	q := New(cfg)
	q.Close()
	q.Wait(nil, rt, nil, "t", 0, 0)
	if q.Started() {
		t.Error("a wait after Close started the parking")
	}
}
