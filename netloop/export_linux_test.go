//go:build linux && (amd64 || arm64)

package netloop

import (
	"errors"
	"reflect"
	"unsafe"
)

// PollBatch is a netpoll poller as limitPollBatch left it: the batch
// size past which it would grow its events, and how many events a call
// takes.
type PollBatch struct{ Size, Events int }

// PollBatches returns the pollers limitPollBatch has seen; Size and
// Events are -1 for one it could not limit. The pollers wrote these
// fields under the same lock and do not write them again.
func PollBatches() []PollBatch {
	limited.Lock()
	defer limited.Unlock()
	var out []PollBatch
	for p, t := range limited.polls {
		if t == nil {
			out = append(out, PollBatch{-1, -1})
			continue
		}
		s := reflect.NewAt(t, p).Elem()
		size, events := s.FieldByName("size"), s.FieldByName("events")
		out = append(out, PollBatch{
			Size:   *(*int)(unsafe.Pointer(size.UnsafeAddr())),
			Events: events.Len(),
		})
	}
	return out
}

// PollBatchLimit is pollBatch.
const PollBatchLimit = pollBatch

// BreakDorm closes the dorm's epoll set under its watcher, which then
// fails as it would on a broken set. The dorm is the process's: only a
// test in a process of its own may call this.
func BreakDorm() error {
	d := getDorm()
	if d == nil {
		return errors.New("netloop: no dorm")
	}
	return d.file.Close()
}

// SleepersHoldingNetpoll returns how many sleeping connections still
// hold something of netpoll's: its connection, or its read steps.
func SleepersHoldingNetpoll() int {
	d := currentDorm()
	if d == nil {
		return 0
	}
	// A connection's lock comes before the dorm's (dorm.add).
	d.mu.Lock()
	cs := make([]*npConn, 0, len(d.sleepy))
	for _, c := range d.sleepy {
		cs = append(cs, c)
	}
	d.mu.Unlock()
	n := 0
	for _, c := range cs {
		c.mu.Lock()
		if c.nc.Load() != nil || c.conn != nil || c.reads.inputs != nil || c.reads.ack != nil {
			n++
		}
		c.mu.Unlock()
	}
	return n
}
