package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// chatConfig serves the chat plugin (and hello) on one site.
const chatConfig = `
[[site]]
name = "demo"
hosts = ["*"]
xsrf_cookies = true

# The chat's page template and its script and stylesheet, served by the
# host from the demo site's shared files.
[site.templates]
dir = "plugins/demo/templates"
[site.static]
dir = "plugins/demo/static"
[site.pubsub]
max_wait = "%s"
[site.plugins]
hello = "plugins/hello"
chat = "plugins/chat"
[[site.route]]
path = "/"
plugin = "hello"
[[site.route]]
path = "/chat"
plugin = "chat"
handler = "chat-page"
[[site.route]]
path = "/a/message/new"
plugin = "chat"
handler = "message-new"
methods = ["POST"]
[[site.route]]
path = "/a/message/updates"
plugin = "chat"
handler = "message-updates"
methods = ["POST"]
`

// node is one running wasmweb server.
type node struct {
	addr string
	host *host.Host
	cfg  config.Config // what the host loaded
	srv  *netloop.Server
	done chan error
}

var buildOnce sync.Mutex

// startNode serves src, a config (relative plugin paths resolve against
// the repository root), over transport, on a loopback port.
func startNode(t testing.TB, src string, transport string) *node {
	t.Helper()
	return startNodeOn(t, src, transport, false)
}

// startPrimedNode is startNode on an engine whose modules a first host,
// loaded from the same config and kept open until the test ends (so
// that the modules and their snapshots stay shared), has initialized
// and snapshotted: every instance of the node's plugins is made from those
// snapshots (checkFromSnapshot says whether one was not).
func startPrimedNode(t testing.TB, src string, transport string) *node {
	t.Helper()
	return startNodeOn(t, src, transport, true)
}

func startNodeOn(t testing.TB, src string, transport string, primed bool) *node {
	t.Helper()
	root, _ := filepath.Abs("../..")
	cfg, err := config.Parse("e2e.toml", []byte(src), root)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.DataDir == "" {
		cfg.Server.DataDir = t.TempDir() // not the user's: each test starts empty
	}
	buildOnce.Lock()
	err = cfg.BuildPlugins(func(dir string) (string, error) { return build.Ensure(context.Background(), dir, io.Discard) })
	buildOnce.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := host.NewEngine(filepath.Join(os.TempDir(), "wasmweb-e2e-cache"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	if primed {
		// The primer keeps its own data (stores, accounts); the modules
		// and their snapshots are the engine's, and outlive it.
		pc := cfg
		pc.Server.DataDir = t.TempDir()
		primer, err := host.New(context.Background(), engine, pc, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { primer.Close(context.Background()) })
	}
	h, err := host.New(context.Background(), engine, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{addr: ln.Addr().String(), host: h, cfg: cfg, done: make(chan error, 1)}
	n.srv = netloop.NewServer(netloop.Config{}, h, tr)
	n.srv.RegisterOnShutdown(h.Drain)
	go func() { n.done <- n.srv.Serve(ln) }()
	t.Cleanup(func() { n.stop(t, 5*time.Second) })
	return n
}

// stop shuts the node down gracefully; it may be called more than once.
func (n *node) stop(t testing.TB, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := n.srv.Shutdown(ctx)
	n.host.Close(context.Background())
	return err
}

// checkFromSnapshot fails unless every instance the node made of a
// plugin of its config came from the snapshot a primer took, and at
// least one was made.
func checkFromSnapshot(t *testing.T, n *node) {
	t.Helper()
	var made int64
	for _, site := range n.cfg.Sites {
		for name := range site.Plugins {
			st, ok := n.host.InstanceStats(site.Name, name)
			if !ok {
				t.Fatalf("no plugin %s in site %s", name, site.Name)
			}
			if st.Made != st.FromSnapshot || st.NoSnapshot != "" {
				t.Errorf("site %s plugin %s: %d instances made, %d from the snapshot (%q); want all from it",
					site.Name, name, st.Made, st.FromSnapshot, st.NoSnapshot)
			}
			made += st.Made
		}
	}
	if made == 0 {
		t.Error("no instance was made: the walk ran on none")
	}
	t.Logf("%d snapshot-made instances served", made)
}
