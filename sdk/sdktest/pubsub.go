package sdktest

import (
	"fmt"

	"github.com/wasmweb/wasmweb/abi"
)

// This file holds the fake host's pub/sub calls, which publish to and
// wait on the request's Broker, and resp_share.

func (h *fakeHost) Publish(topic string, msg []byte) int64 {
	r := h.broker.publish(h.site, topic, msg)
	h.trace = append(h.trace, fmt.Sprintf("%s(topic=%q, msg_len=%d) = %d", abi.FuncPublish, topic, len(msg), r))
	return r
}

func (h *fakeHost) Wait(topic string, cursor int64, timeoutMS int32) int32 {
	r := h.wait(topic, cursor, timeoutMS)
	return h.call(r, abi.FuncWait, "topic=%q, cursor=%d, timeout_ms=%d", topic, cursor, timeoutMS)
}

func (h *fakeHost) wait(topic string, cursor int64, timeoutMS int32) int32 {
	if h.waited {
		return abi.ErrInvalid // one wait per call of wasmweb_handle
	}
	h.waited = true
	if !abi.ValidTopic(topic) {
		return abi.ErrInvalid
	}
	if h.timedOut {
		return 0
	}
	msgs, gen, r := h.broker.wait(h.site, topic, cursor, timeoutMS >= 0)
	switch r {
	case abi.WaitParked:
		h.parked = &waitCall{topic, cursor, timeoutMS}
		h.parkGen = gen
	default:
		h.msgs = msgs
	}
	return r
}

func (h *fakeHost) MsgID(index int32) int64 {
	r := int64(abi.ErrNotFound)
	if index >= 0 && int(index) < len(h.msgs) {
		r = h.msgs[index].ID
	}
	h.trace = append(h.trace, fmt.Sprintf("%s(index=%d) = %d", abi.FuncMsgID, index, r))
	return r
}

func (h *fakeHost) MsgData(index int32, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if index >= 0 && int(index) < len(h.msgs) {
		r = output(buf, h.msgs[index].Data)
	}
	return h.call(r, abi.FuncMsgData, "index=%d, buf_limit=%d", index, len(buf))
}

// RespShare records that the handler declared its answer shareable; the
// fake answers every request itself, so nothing is shared.
func (h *fakeHost) RespShare() int32 {
	r := int32(abi.ErrInvalid)
	if len(h.msgs) > 0 {
		r, h.shared = 0, true
	}
	return h.call(r, abi.FuncRespShare, "")
}
