//go:build (linux || darwin) && (amd64 || arm64)

package netloop_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/cloudwego/netpoll"

	"github.com/wasmweb/wasmweb/netloop"
)

// Importing netloop leaves netpoll's process-wide options alone; making
// a netpoll transport sets them. It runs in a process of its own, since
// any earlier test of the package may have made a transport.
func TestNetpollConfiguredByTransport(t *testing.T) {
	if os.Getenv("NETLOOP_FRESH_PROCESS") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNetpollConfiguredByTransport$", "-test.count=1")
		cmd.Env = append(os.Environ(), "NETLOOP_FRESH_PROCESS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	const ours = 512
	if netpoll.LinkBufferCap == ours {
		t.Fatalf("netpoll.LinkBufferCap is already %d before any transport was made", ours)
	}
	if _, err := netloop.NewNetpollTransport(); err != nil {
		t.Fatal(err)
	}
	if netpoll.LinkBufferCap != ours {
		t.Fatalf("netpoll.LinkBufferCap = %d after NewNetpollTransport, want %d", netpoll.LinkBufferCap, ours)
	}
}
