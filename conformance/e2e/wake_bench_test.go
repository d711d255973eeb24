package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// BenchmarkWakeAll parks b.N chat waiters on in-memory connections, then
// publishes one message and waits until every waiter has its answer: the
// host's cost of a wake-up, without sockets.
func BenchmarkWakeAll(b *testing.B) {
	root, _ := filepath.Abs("../..")
	src := fmt.Sprintf(chatConfig, "60s")
	if os.Getenv("WAKE_DEADLINE_OFF") != "" {
		src = strings.Replace(src, "[site.pubsub]", "[site.limits]\ncall_timeout = \"off\"\n[site.pubsub]", 1)
	}
	cfg, err := config.Parse("bench.toml", []byte(src), root)
	if err != nil {
		b.Fatal(err)
	}
	if err := cfg.BuildPlugins(func(dir string) (string, error) { return build.Ensure(context.Background(), dir, io.Discard) }); err != nil {
		b.Fatal(err)
	}
	engine, _ := host.NewEngine(filepath.Join(os.TempDir(), "wasmweb-e2e-cache"))
	h, err := host.New(context.Background(), engine, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(context.Background())
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	post := func(path string, form url.Values) []byte {
		body := form.Encode()
		return []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: b\r\nCookie: _xsrf="+xsrfToken+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body))
	}
	pub := netlooptest.Open(srv)
	pub.Feed(post("/a/message/new", url.Values{"body": {"first"}, "_xsrf": {xsrfToken}}))
	cursor := ""
	fmt.Sscanf(string(pub.Output()[len(pub.Output())-80:]), "%s", &cursor)
	conns := make([]*netlooptest.Conn, b.N)
	// The first message's id, read from its JSON.
	out := string(pub.Output())
	if i := len(`{"id":"`); len(out) > 0 {
		start := indexOf(out, `{"id":"`) + i
		end := start + indexOf(out[start:], `"`)
		cursor = out[start:end]
	}
	req := post("/a/message/updates", url.Values{"cursor": {cursor}, "_xsrf": {xsrfToken}})
	for i := range conns {
		conns[i] = netlooptest.Open(srv)
		conns[i].Feed(req)
	}
	b.ResetTimer()
	start := time.Now()
	netlooptest.Open(srv).Feed(post("/a/message/new", url.Values{"body": {"wake"}, "_xsrf": {xsrfToken}}))
	deadline := time.Now().Add(time.Minute)
	for i, c := range conns {
		for len(c.Output()) == 0 {
			if time.Now().After(deadline) {
				b.Fatalf("waiter %d has no answer", i)
			}
			runtime.Gosched() // let the host's workers run
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/waiter")
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
