//go:build linux && (amd64 || arm64)

package netloop_test

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
)

// The netpoll poller that serves a connection takes at most
// PollBatchLimit events a call once it has served one, and keeps to
// that when more connections than that have input at once: every one
// of them is still answered. A netpoll whose layout is not the one
// limitPollBatch knows fails here rather than serving unlimited
// batches unnoticed.
func TestPollBatchLimited(t *testing.T) {
	_, _, addr := startParker(t, "netpoll")
	const conns = 300
	cs := make([]net.Conn, conns)
	brs := make([]*bufio.Reader, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs[i], brs[i] = c, bufio.NewReader(c)
	}
	// Many connections' requests at once, several rounds, so that a
	// poller free to grow its batches would.
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		errs := make(chan error, conns)
		for _, c := range cs {
			if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		}
		for _, br := range brs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- readNow(br, "now:/x")
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	batches := netloop.PollBatches()
	if len(batches) == 0 {
		t.Fatal("no netpoll poller was limited")
	}
	for _, b := range batches {
		if b.Size != math.MaxInt || b.Events < 1 || b.Events > netloop.PollBatchLimit {
			t.Errorf("poller left with batch size %d and %d events a call, want %d and 1 to %d (has netpoll's layout changed?)",
				b.Size, b.Events, math.MaxInt, netloop.PollBatchLimit)
		}
	}
}

// readNow reads one response to a GET and checks its body.
func readNow(br *bufio.Reader, want string) error {
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if string(body) != want {
		return fmt.Errorf("body %q, want %q", body, want)
	}
	return nil
}
