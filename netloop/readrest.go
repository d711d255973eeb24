//go:build (linux || darwin) && (amd64 || arm64)

package netloop

import (
	"syscall"

	"github.com/cloudwego/netpoll"
)

// readSteps are netpoll's steps for reading a connection's input, as
// its poller takes them: inputs books room at the end of the input
// buffer, ack counts the bytes read into it. They run on the poller
// alone, and so does everything that uses the fields beside them, until
// the connection falls asleep: onClose then clears them, once
// stopPoller has made sure that the poller is done with the connection.
//
// netpoll books no more than the room left in the buffer's last node.
// When the input waiting is longer, as when a request straddles the end
// of a node (one 41-byte GET in about twelve, with 512-byte nodes), the
// read stops there and the rest stays in the socket until the poller
// reports the socket again. epoll keeps a socket that is still readable
// at the end of its ready list, so that is after every other connection
// with input: the request waits two passes of the poller instead of
// one, which is what made netloop's p99 latency twice its median under
// load (bench/RESULTS.md, busy connections). readRest reads the rest
// at once, through the same steps, when the read starts a task, before
// the input is handled. A read that lands while the connection's task
// still runs is left to that task, as before: the rest comes a pass
// later (rare, since a client mostly waits for its answer).
type readSteps struct {
	inputs func([][]byte) [][]byte
	ack    func(int) error
	fd     int       // the socket the steps read
	booked int       // the room the last read was given
	filled bool      // the last read filled it: more input may be waiting
	vs     [1][]byte // readRest's room, handed to inputs
}

// watchReads puts c between conn's poller and netpoll's read steps, so
// that c learns when a read fills the room it was given. It runs before
// netpoll registers the connection with its poller. When netpoll's
// layout is not the one operatorOf knows, nothing changes.
func (c *npConn) watchReads(conn netpoll.Connection) {
	op := operatorOf(conn)
	if op == nil || op.Inputs == nil || op.InputAck == nil {
		return
	}
	r := &c.reads
	r.inputs, r.ack, r.fd = op.Inputs, op.InputAck, op.FD
	op.Inputs = func(vs [][]byte) [][]byte {
		bs := r.inputs(vs)
		r.booked, r.filled = 0, false
		if len(bs) == 1 {
			r.booked = len(bs[0])
		}
		return bs
	}
	op.InputAck = func(n int) error {
		r.filled = n > 0 && n == r.booked
		return r.ack(n)
	}
}

// readRest reads, on the poller, the input that waited behind a read
// that filled its room, into netpoll's buffer by netpoll's own steps.
// One more read is enough for a request cut by the end of a node; a
// longer input goes on at the poller's next pass, as before, with the
// room netpoll grows for it. After an error or the end of input it
// reads no more: the poller finds the socket failed or ended on its
// next pass.
func (r *readSteps) readRest() {
	if !r.filled { // set only by the wrapped steps, so they are there
		return
	}
	r.filled = false
	bs := r.inputs(r.vs[:])
	n := 0
	if len(bs) == 1 && len(bs[0]) > 0 {
		var err error
		for {
			n, err = syscall.Read(r.fd, bs[0])
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil {
			n = 0
		}
	}
	r.vs[0] = nil
	r.ack(n)
}
