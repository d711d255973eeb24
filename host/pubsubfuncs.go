package host

import (
	"context"
	"errors"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
)

// topicKey returns the broker's name for a guest's topic. Each site has a
// broker of its own (in memory, or a subject prefix of its own in NATS),
// so a site can never name another's topic.
func (c *call) topicKey(topic string) string { return topic }

func brokerErr(err error) int {
	switch {
	case errors.Is(err, pubsub.ErrBadTopic):
		return abi.ErrInvalid
	case errors.Is(err, pubsub.ErrTooLarge), errors.Is(err, pubsub.ErrTooManyTopics):
		return abi.ErrTooLarge
	default:
		return abi.ErrUnavailable
	}
}

func publish(ctx context.Context, mod api.Module, stack []uint64) {
	topic := string(read(mod, arg(stack, 0), arg(stack, 1)))
	data := read(mod, arg(stack, 2), arg(stack, 3))
	c := current(ctx)
	if c == nil {
		stack[0] = api.EncodeI64(abi.ErrNoRequest)
		return
	}
	if !abi.ValidTopic(topic) {
		stack[0] = api.EncodeI64(abi.ErrInvalid)
		return
	}
	id, err := c.site.broker.Publish(c.topicKey(topic), data)
	if err != nil {
		stack[0] = api.EncodeI64(int64(brokerErr(err)))
		return
	}
	c.site.h.m.published.Inc()
	stack[0] = api.EncodeI64(id)
}

func wait(ctx context.Context, mod api.Module, stack []uint64) {
	topic := string(read(mod, arg(stack, 0), arg(stack, 1)))
	cur := int64(stack[2])
	timeoutMs := api.DecodeI32(stack[3])
	c := current(ctx)
	switch {
	case c == nil:
		ret(stack, abi.ErrNoRequest)
		return
	case c.waited || !abi.ValidTopic(topic):
		ret(stack, abi.ErrInvalid)
		return
	}
	c.waited = true
	key := c.topicKey(topic)
	c.waitKey, c.waitCur = key, cur
	s := c.site
	if c.timedOut || timeoutMs < 0 {
		// Resumed by its deadline, or asked not to park: what there is.
		msgs, err := s.broker.Since(key, cur, nil)
		if err != nil {
			ret(stack, brokerErr(err))
			return
		}
		c.msgs = msgs
		ret(stack, len(msgs))
		return
	}
	msgs, w, err := s.parking.Wait(c.w, c.route, c.params, key, cur, time.Duration(timeoutMs)*time.Millisecond)
	switch {
	case errors.Is(err, longpoll.ErrDraining):
		ret(stack, abi.ErrUnavailable)
		return
	case errors.Is(err, longpoll.ErrFull):
		ret(stack, abi.ErrTooLarge)
		return
	case errors.Is(err, longpoll.ErrSent):
		ret(stack, abi.ErrFinished)
		return
	case err != nil:
		ret(stack, brokerErr(err))
		return
	case w == nil:
		c.msgs = msgs
		ret(stack, len(msgs))
		return
	}
	c.waiter = w
	ret(stack, abi.WaitParked)
}

func msgID(ctx context.Context, _ api.Module, stack []uint64) {
	i := int(api.DecodeI32(stack[0]))
	c := current(ctx)
	if c == nil {
		stack[0] = api.EncodeI64(abi.ErrNoRequest)
		return
	}
	if i < 0 || i >= len(c.msgs) {
		stack[0] = api.EncodeI64(abi.ErrNotFound)
		return
	}
	stack[0] = api.EncodeI64(c.msgs[i].ID)
}

func msgData(ctx context.Context, mod api.Module, stack []uint64) {
	i := int(api.DecodeI32(stack[0]))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 1), arg(stack, 2))
		return
	}
	if i < 0 || i >= len(c.msgs) {
		read(mod, arg(stack, 1), arg(stack, 2))
		ret(stack, abi.ErrNotFound)
		return
	}
	output(mod, stack, 1, c.msgs[i].Data)
}

func respShare(ctx context.Context, _ api.Module, stack []uint64) {
	c := current(ctx)
	switch {
	case c == nil:
		ret(stack, abi.ErrNoRequest)
	case len(c.msgs) == 0:
		ret(stack, abi.ErrInvalid)
	default:
		c.share = true
		ret(stack, 0)
	}
}
