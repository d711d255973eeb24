package hostfuncs

import (
	"errors"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
)

// The publish and wait functions (abi/ABI.md section 7.4). A guest's
// topic is the broker's name for it as it is: each site has a broker of
// its own (in memory, or a subject prefix of its own in NATS), so a site
// can never name another's topic.

func brokerErr(err error) int32 {
	switch {
	case errors.Is(err, pubsub.ErrBadTopic):
		return abi.ErrInvalid
	case errors.Is(err, pubsub.ErrTooLarge), errors.Is(err, pubsub.ErrTooManyTopics):
		return abi.ErrTooLarge
	default:
		return abi.ErrUnavailable
	}
}

func publish(c *Call, topic string, data []byte) int64 {
	if !abi.ValidTopic(topic) {
		return abi.ErrInvalid
	}
	id, err := c.site.Broker.Publish(topic, data)
	if err != nil {
		return int64(brokerErr(err))
	}
	c.site.Published.Inc()
	return id
}

func wait(c *Call, topic string, cursor int64, timeoutMs int32) int32 {
	if c.waited || !abi.ValidTopic(topic) {
		return abi.ErrInvalid
	}
	c.waited = true
	c.waitKey, c.waitCur = topic, cursor
	s := c.site
	if c.timedOut || timeoutMs < 0 {
		// Resumed by its deadline, or asked not to park: what there is.
		msgs, err := s.Broker.Since(topic, cursor, nil)
		if err != nil {
			return brokerErr(err)
		}
		c.msgs = msgs
		return int32(len(msgs))
	}
	msgs, w, err := s.Parking.Wait(c.w, c.route, c.params, topic, cursor, time.Duration(timeoutMs)*time.Millisecond)
	switch {
	case errors.Is(err, longpoll.ErrDraining):
		return abi.ErrUnavailable
	case errors.Is(err, longpoll.ErrFull):
		if s.WaitsRefused != nil {
			s.WaitsRefused.Inc()
		}
		return abi.ErrTooLarge
	case errors.Is(err, longpoll.ErrSent):
		return abi.ErrFinished
	case err != nil:
		return brokerErr(err)
	case w == nil:
		c.msgs = msgs
		return int32(len(msgs))
	}
	c.waiter = w
	return abi.WaitParked
}

func msgID(c *Call, i int32) int64 {
	if i < 0 || int(i) >= len(c.msgs) {
		return abi.ErrNotFound
	}
	return c.msgs[i].ID
}

func msgData(c *Call, i int32) (string, int32) {
	if i < 0 || int(i) >= len(c.msgs) {
		return "", abi.ErrNotFound
	}
	return view(c.msgs[i].Data), 0
}

func respShare(c *Call) int32 {
	if len(c.msgs) == 0 {
		return abi.ErrInvalid
	}
	c.share = true
	return 0
}
