//go:build linux && (amd64 || arm64)

package netloop_test

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// When the dorm can no longer watch (its epoll set fails), the
// connections asleep in it are closed, each parked request's owner is
// told once, and from then on parked connections stay with netpoll and
// are answered. The dorm is the process's, so the test breaks it in a
// child process of its own.
func TestBrokenDormClosesSleepers(t *testing.T) {
	if os.Getenv("NETLOOP_BROKEN_DORM") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenDormClosesSleepers$", "-test.v", "-test.count=1", "-test.timeout=2m")
		cmd.Env = append(os.Environ(), "NETLOOP_BROKEN_DORM=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestBrokenDormClosesSleepers") {
			t.Fatalf("the child process failed (%v):\n%s", err, out)
		}
		return
	}

	srv, p, addr := startParker(t, "netpoll")
	const n = 4
	conns, pks := sleepMany(t, p, addr, n)
	told := make(chan int, 2*n)
	for i, pk := range pks {
		pk.OnHangup(func() { told <- i })
	}
	if err := netloop.BreakDorm(); err != nil {
		t.Fatal(err)
	}
	// The dorm's watcher fails at once, and closes the connections.
	seen := map[int]bool{}
	for len(seen) < n {
		select {
		case i := <-told:
			if seen[i] {
				t.Fatalf("the owner of parked request %d was told twice", i)
			}
			seen[i] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("owners told: %v of %d; the others wait on a dorm that no longer watches", seen, n)
		}
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
			t.Errorf("connection %d: read %q, %v; want the server's close", i, b, err)
		}
	}
	waitFor(t, "the dorm to count no sleeper", 5*time.Second, func() bool { return netloop.Sleeping() == 0 })
	for _, pk := range pks {
		if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {})); err == nil {
			t.Error("Resume of a request whose connection closed succeeded")
		}
	}

	// A request parked now stays with netpoll, and is answered.
	c, br, pk := parkOne(t, p, addr)
	time.Sleep(50 * time.Millisecond)
	if s := netloop.Sleeping(); s != 0 {
		t.Fatalf("Sleeping: %d after the dorm broke, want 0", s)
	}
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.WriteString("woken:" + string(r.Target))
	})); err != nil {
		t.Fatal(err)
	}
	if _, body := readResponse(t, br, "GET"); body != "woken:/wait" {
		t.Fatalf("answer %q after the dorm broke", body)
	}
	select {
	case i := <-told:
		t.Fatalf("the owner of parked request %d was told again", i)
	default:
	}
	c.Close()
	waitFor(t, "every connection to be forgotten", 5*time.Second, func() bool { return srv.Conns() == 0 })
}
