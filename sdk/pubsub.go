package sdk

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Publish and wait (abi/ABI.md section 7.4), Tornado's long polling.
//
// A topic belongs to the site serving the request, which the host keeps
// apart from other sites' topics. It retains its most recent messages with
// increasing ids; the id of the last message a client has seen is its
// cursor, which it sends back to ask for what came after.
//
// Wait does not block. When there is nothing newer than the cursor, the
// host parks the request and the handler is unwound; when a message is
// published or the wait times out, the host runs the handler again, from
// the start, on the same request, and this time Wait returns. So a handler
// that waits must do nothing before Wait that it would not do twice.

// A Message is one message of a topic.
type Message struct {
	// ID is the message's id, increasing within its topic. It is the
	// cursor a client sends back to get the messages after it.
	ID int64
	// Data is the message as published.
	Data []byte
}

// parked is the panic value with which Wait unwinds a handler whose
// request the host has parked; handle recovers it and returns
// STATUS_WAIT.
type parked struct{}

// Publish publishes data to topic and returns its id. Every request
// waiting on the topic, on any instance, is resumed. Topic names are 1–200
// bytes of letters, digits and "-_.:/".
//
// The error wraps ErrInvalid for a bad topic name, ErrTooLarge for a
// message over the site's max_message_bytes or a new topic past its
// max_topics, and ErrUnavailable when the host's pub/sub backend is
// unreachable.
func (c *Context) Publish(topic string, data []byte) (id int64, err error) {
	if len(data) > math.MaxInt32 {
		return 0, &CallError{Func: abi.FuncPublish, Code: abi.ErrTooLarge}
	}
	r := hostcall.Publish(topic, unsafe.SliceData(data), int32(len(data)))
	if r < 0 {
		return 0, &CallError{Func: abi.FuncPublish, Code: code32(r)}
	}
	return r, nil
}

// PublishString is Publish for a string, without copying it.
func (c *Context) PublishString(topic, data string) (id int64, err error) {
	return c.Publish(topic, unsafe.Slice(unsafe.StringData(data), len(data)))
}

// Wait returns the messages of topic newer than cursor, oldest first. A
// cursor the topic does not know (0 or negative, newer than its last
// message, or older than what it retains) gets the retained history.
//
// When there is nothing newer, Wait does not return to the handler: the
// host parks the request, the handler is unwound (deferred functions run)
// and what it wrote is discarded. When a message is published to topic or
// the timeout passes, the host runs the handler again from the start with
// the same request, and this time Wait returns the new messages, or an
// empty result (nil, nil) when the wait timed out. An empty result
// therefore means the wait timed out.
//
// Because the code before Wait runs again when the request resumes, do
// not publish or have other side effects before Wait in the same handler,
// and do not recover the panic with which Wait unwinds it. Call Wait once
// per request.
//
// timeout 0 or less means the site's max_wait, and a longer timeout is cut
// to it. The error wraps ErrTooLarge when the site already parks as many
// requests as it may (answer 503), ErrUnavailable when the pub/sub backend
// is unreachable (answer 503), and ErrInvalid for a bad topic name or a
// second Wait in one request.
func (c *Context) Wait(topic string, cursor int64, timeout time.Duration) ([]Message, error) {
	return c.receive(topic, cursor, timeoutMS(timeout))
}

// receive calls wait and reads the messages it found.
func (c *Context) receive(topic string, cursor int64, timeoutMS int32) ([]Message, error) {
	n := hostcall.Wait(topic, cursor, timeoutMS)
	switch {
	case n == abi.WaitParked:
		panic(parked{})
	case n < 0:
		return nil, &CallError{Func: abi.FuncWait, Code: n}
	case n == 0:
		return nil, nil
	}
	msgs := make([]Message, n)
	for i := range msgs {
		id := hostcall.MsgID(int32(i))
		if id < 0 {
			return nil, &CallError{Func: abi.FuncMsgID, Code: code32(id)}
		}
		data, r := c.output(true, func(buf *byte, bufLimit int32) int32 {
			return hostcall.MsgData(int32(i), buf, bufLimit)
		})
		if r < 0 {
			return nil, &CallError{Func: abi.FuncMsgData, Code: r}
		}
		msgs[i] = Message{ID: id, Data: data}
	}
	return msgs, nil
}

// ShareResponse declares that the response this handler is making depends
// on nothing but the route (and its path parameters) and what Wait
// returned: not on the request's other arguments, headers or cookies,
// nor on the time. The host may then send a copy of it to other requests
// waiting on the same route, topic and cursor when the same messages wake
// them, without running the handler for each: one publish that wakes
// thousands of waiters costs one handler run per distinct cursor. It must
// be called after a Wait that returned messages (ErrInvalid otherwise).
// The host never shares a response that sets a cookie or whose status is
// not 200.
func (c *Context) ShareResponse() error {
	if r := hostcall.RespShare(); r < 0 {
		return &CallError{Func: abi.FuncRespShare, Code: r}
	}
	return nil
}

// Messages returns the messages of topic newer than cursor, oldest first,
// as Wait does, but never waits: with nothing newer it returns an empty
// result. A page that shows a topic's recent messages reads them this way
// (cursor 0 gives everything retained). It counts as the request's one
// Wait.
func (c *Context) Messages(topic string, cursor int64) ([]Message, error) {
	return c.receive(topic, cursor, -1)
}

// timeoutMS converts a wait's timeout for the host: whole milliseconds,
// rounded up so that a short timeout does not become 0 (the site's
// max_wait), and capped at what an i32 holds.
func timeoutMS(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return int32(min(ms, math.MaxInt32))
}

// code32 narrows an i64 error result to the ABI's i32 error codes; one
// out of range cannot be a code and becomes ERR_INVALID.
func code32(r int64) int32 {
	if r < math.MinInt32 {
		return abi.ErrInvalid
	}
	return int32(r)
}

// ParseCursor parses a cursor a client sent back: a message id in decimal.
// It returns 0, which Wait takes as "unknown: send the history", for an
// empty, malformed or negative value.
func ParseCursor(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
