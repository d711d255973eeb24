//go:build linux && (amd64 || arm64)

package netloop

import (
	"math"
	"reflect"
	"sync"
	"unsafe"

	"github.com/cloudwego/netpoll"
)

// pollBatch is the most events netpoll's poller takes from one
// epoll_wait once a connection of ours is on it. netpoll starts at 128
// and doubles the batch whenever one comes back full, so with a
// thousand busy connections a single call returns all of them. netpoll
// registers connections level-triggered, and epoll puts each reported
// connection back at the end of its ready list at the call; at the next
// call it reports those whose next request has come and drops the
// others. When one batch is every connection, the next call comes right
// after the batch's last answers, before those clients have asked
// again: they are dropped, their requests go to the end of the list
// behind everyone else's, and they wait about two passes where the
// others wait one. The same connections end batches pass after pass, so
// a few percent of requests take twice the median (bench/RESULTS.md,
// busy connections: the p99 at 1,000 and 5,000 connections). With small
// batches a connection is checked again only after every other ready
// one has been served, by when its request has long arrived, and
// requests are served in turn. An epoll_wait per 32 requests costs
// nothing measurable.
const pollBatch = 32

// limitPollBatch keeps the poller that serves conn to pollBatch events
// a call, the first time it sees that poller. netpoll has no option
// for this: it writes the poller's batch size (so that it never grows)
// and shortens its events slice, found by reflection and by name. It
// must run on that poller's goroutine, where those fields are the
// goroutine's own: runTask does, called by netpoll's poller as it hands
// over input it read. When netpoll's layout is not the one expected,
// nothing changes: the batches grow as netpoll makes them.
func limitPollBatch(conn netpoll.Connection) {
	op := operatorOf(conn)
	if op == nil {
		return
	}
	pb := pollFieldOffset()
	if pb.typ == nil {
		return
	}
	poll := reflect.NewAt(pb.typ, unsafe.Add(unsafe.Pointer(op), pb.offset)).Elem()
	if poll.IsNil() {
		return
	}
	p := poll.Elem() // the poller, a pointer to netpoll's struct
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return
	}
	limited.Lock()
	defer limited.Unlock()
	if _, ok := limited.polls[p.UnsafePointer()]; ok {
		return
	}
	limited.polls[p.UnsafePointer()] = nil
	s := reflect.NewAt(p.Elem().Type(), p.UnsafePointer()).Elem()
	size, events := s.FieldByName("size"), s.FieldByName("events")
	if !size.IsValid() || size.Kind() != reflect.Int || !events.IsValid() || events.Kind() != reflect.Slice {
		return
	}
	limited.polls[p.UnsafePointer()] = s.Type()
	// Fields reached by name are read-only to reflect; the same memory
	// through NewAt is not.
	sz := reflect.NewAt(size.Type(), unsafe.Pointer(size.UnsafeAddr())).Elem()
	ev := reflect.NewAt(events.Type(), unsafe.Pointer(events.UnsafeAddr())).Elem()
	sz.SetInt(math.MaxInt) // a batch never fills it, so it never grows
	if ev.Len() > pollBatch {
		ev.SetLen(pollBatch)
	}
}

// limited holds the pollers limitPollBatch has seen, each with its
// struct type, nil when it was not limited.
var limited = struct {
	sync.Mutex
	polls map[unsafe.Pointer]reflect.Type
}{polls: map[unsafe.Pointer]reflect.Type{}}

// pollField is where netpoll's FDOperator keeps its poller (an
// interface); typ is nil when it was not found.
type pollField struct {
	typ    reflect.Type
	offset uintptr
}

var pollFieldOffset = sync.OnceValue(func() pollField {
	f, ok := reflect.TypeFor[netpoll.FDOperator]().FieldByName("poll")
	if !ok || len(f.Index) != 1 || f.Type.Kind() != reflect.Interface {
		return pollField{}
	}
	return pollField{typ: f.Type, offset: f.Offset}
})
