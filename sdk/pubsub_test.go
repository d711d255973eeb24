package sdk_test

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	// test-publish publishes the argument data to the argument topic and
	// answers the id, or the error.
	sdk.Handle("test-publish", func(c *sdk.Context) {
		id, err := c.PublishString(c.Argument("topic"), c.Argument("data", ""))
		if err != nil {
			c.WriteString(errName(err))
			return
		}
		c.WriteString(strconv.FormatInt(id, 10))
	})
	// test-wait writes "run" and a header before it waits, to show that a
	// parked request loses them and a resumed one runs from the start,
	// then waits on the argument topic after the argument cursor and
	// answers "ID:DATA" lines, "timeout", or the error. With twice=1 it
	// waits a second time.
	sdk.Handle("test-wait", func(c *sdk.Context) {
		c.SetHeader("X-Before-Wait", "yes")
		c.WriteString("run\n")
		timeout, _ := time.ParseDuration(c.Argument("timeout", "0s"))
		msgs, err := c.Wait(c.Argument("topic"), sdk.ParseCursor(c.Argument("cursor", "")), timeout)
		if err == nil && c.Argument("twice", "") == "1" {
			_, err = c.Wait(c.Argument("topic"), 0, 0)
		}
		switch {
		case err != nil:
			c.WriteString(errName(err))
		case msgs == nil:
			c.WriteString("timeout")
		default:
			for _, m := range msgs {
				fmt.Fprintf(c, "%d:%s\n", m.ID, m.Data)
			}
		}
	})
}

func errName(err error) string {
	for _, e := range []error{sdk.ErrInvalid, sdk.ErrTooLarge, sdk.ErrUnavailable} {
		if errors.Is(err, e) {
			return "error: " + e.Error()
		}
	}
	return "error: " + err.Error()
}

func publishReq(topic, data string) *sdktest.Request {
	return sdktest.NewRequest("POST", "/publish").WithForm(url.Values{"topic": {topic}, "data": {data}})
}

func waitReq(topic, cursor string) *sdktest.Request {
	return sdktest.NewRequest("POST", "/wait").WithForm(url.Values{"topic": {topic}, "cursor": {cursor}})
}

// serveBody serves req and returns the body of a 200 that did not park.
func serveBody(t *testing.T, b *sdktest.Broker, handler string, req *sdktest.Request) string {
	t.Helper()
	resp := b.Serve(handler, req)
	if resp.Parked || resp.Status != 200 {
		t.Fatalf("%s: parked %v, status %d (failure %q, logs %q)", handler, resp.Parked, resp.Status, resp.Failure, resp.Logs)
	}
	return string(resp.Body)
}

func TestPublishIDs(t *testing.T) {
	b := sdktest.NewBroker()
	for i, topic := range []string{"room", "room", "other", "room"} {
		want := []string{"1", "2", "1", "3"}[i]
		if got := serveBody(t, b, "test-publish", publishReq(topic, "x")); got != want {
			t.Errorf("publish %d to %s: id %s, want %s", i, topic, got, want)
		}
	}
	// Sites have their own topics.
	if got := serveBody(t, b, "test-publish", publishReq("room", "x").WithSite("other-site")); got != "1" {
		t.Errorf("publish on another site: id %s, want 1", got)
	}
}

func TestPublishErrors(t *testing.T) {
	b := sdktest.NewBroker()
	for _, topic := range []string{"bad topic", "é", strings.Repeat("t", 201)} {
		if got := serveBody(t, b, "test-publish", publishReq(topic, "x")); got != "error: invalid argument" {
			t.Errorf("publish to %q: %s, want ErrInvalid", topic, got)
		}
	}
	if got := serveBody(t, b, "test-publish", publishReq("a-Z_0.9:/x", "x")); got != "1" {
		t.Errorf("publish to a topic of every allowed kind of byte: %s", got)
	}
	b.SetUnavailable(true)
	if got := serveBody(t, b, "test-publish", publishReq("room", "x")); got != "error: service unavailable" {
		t.Errorf("publish with the backend down: %s, want ErrUnavailable", got)
	}
}

func TestWaitHistoryAndCursor(t *testing.T) {
	b := sdktest.NewBroker()
	for _, d := range []string{"a", "b", "c"} {
		serveBody(t, b, "test-publish", publishReq("room", d))
	}
	tests := []struct{ cursor, want string }{
		{"", "1:a\n2:b\n3:c\n"},     // none: the history
		{"0", "1:a\n2:b\n3:c\n"},    // unknown
		{"-4", "1:a\n2:b\n3:c\n"},   // unknown
		{"junk", "1:a\n2:b\n3:c\n"}, // ParseCursor gives 0
		{"99", "1:a\n2:b\n3:c\n"},   // newer than the last message
		{"1", "2:b\n3:c\n"},
		{"2", "3:c\n"},
	}
	for _, tc := range tests {
		if got := serveBody(t, b, "test-wait", waitReq("room", tc.cursor)); got != "run\n"+tc.want {
			t.Errorf("cursor %q: %q, want %q", tc.cursor, got, "run\n"+tc.want)
		}
	}
	if b.Parked() != 0 {
		t.Errorf("%d parked after waits that returned at once", b.Parked())
	}
}

func TestWaitRetains200(t *testing.T) {
	b := sdktest.NewBroker()
	for i := 1; i <= 250; i++ {
		if _, err := b.Publish(sdktest.DefaultSite, "room", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if msgs := b.Messages(sdktest.DefaultSite, "room"); len(msgs) != sdktest.DefaultRetain || msgs[0].ID != 51 || string(msgs[0].Data) != "51" {
		t.Fatalf("retained %d messages from id %d", len(msgs), msgs[0].ID)
	}
	// A cursor older than what the topic retains gets the history.
	got := serveBody(t, b, "test-wait", waitReq("room", "10"))
	if lines := strings.Count(got, "\n") - 1; lines != 200 || !strings.HasPrefix(got, "run\n51:51\n") {
		t.Errorf("cursor 10: %d messages, starting %.20q", lines, got)
	}
	if got := serveBody(t, b, "test-wait", waitReq("room", "248")); got != "run\n249:249\n250:250\n" {
		t.Errorf("cursor 248: %q", got)
	}
}

func TestWaitParkResume(t *testing.T) {
	b := sdktest.NewBroker()
	b.Publish(sdktest.DefaultSite, "room", []byte("old"))

	resp := b.Serve("test-wait", waitReq("room", "1").WithForm(url.Values{"timeout": {"1500us"}}))
	if !resp.Parked {
		t.Fatalf("not parked: %d %q", resp.Status, resp.Body)
	}
	if resp.Status != 0 || len(resp.Header) != 0 || resp.Body != nil {
		t.Errorf("parked response has status %d, header %v, body %q; want none", resp.Status, resp.Header, resp.Body)
	}
	want := sdktest.WaitCall{Topic: "room", Cursor: 1, Timeout: 2 * time.Millisecond}
	if resp.WaitCall != want {
		t.Errorf("WaitCall %+v, want %+v (the timeout rounded up to whole ms)", resp.WaitCall, want)
	}
	if b.Parked() != 1 {
		t.Errorf("broker counts %d parked, want 1", b.Parked())
	}

	// Nothing new: resuming parks again.
	resp = resp.Resume()
	if !resp.Parked {
		t.Fatalf("resumed with nothing new: not parked: %d %q", resp.Status, resp.Body)
	}
	// A message on another topic or site does not count.
	b.Publish(sdktest.DefaultSite, "hall", []byte("x"))
	b.Publish("other-site", "room", []byte("x"))
	if resp = resp.Resume(); !resp.Parked {
		t.Fatalf("resumed after messages elsewhere: not parked: %q", resp.Body)
	}

	serveBody(t, b, "test-publish", publishReq("room", "new"))
	serveBody(t, b, "test-publish", publishReq("room", "newer"))
	resp = resp.Resume()
	if resp.Parked || resp.Status != 200 {
		t.Fatalf("resumed after a publish: parked %v, status %d", resp.Parked, resp.Status)
	}
	if got := string(resp.Body); got != "run\n2:new\n3:newer\n" {
		t.Errorf("resumed body %q, want the handler's output once and both messages", got)
	}
	if resp.Header.Get("X-Before-Wait") != "yes" {
		t.Errorf("resumed response lacks the header set before Wait: %v", resp.Header)
	}
	if b.Parked() != 0 {
		t.Errorf("broker counts %d parked after the resume, want 0", b.Parked())
	}
}

func TestWaitTimeout(t *testing.T) {
	b := sdktest.NewBroker()
	resp := b.Serve("test-wait", waitReq("room", ""))
	if !resp.Parked {
		t.Fatalf("wait on an empty topic: not parked: %q", resp.Body)
	}
	b.Publish(sdktest.DefaultSite, "room", []byte("late"))
	resp = resp.Timeout()
	if resp.Parked || string(resp.Body) != "run\ntimeout" {
		t.Errorf("timed out: parked %v, body %q; want Wait to return nil, nil", resp.Parked, resp.Body)
	}
}

func TestWaitErrors(t *testing.T) {
	b := sdktest.NewBroker()
	b.Publish(sdktest.DefaultSite, "room", []byte("m"))
	tests := []struct {
		name  string
		setup func()
		req   *sdktest.Request
		want  string
	}{
		{"bad topic", nil, waitReq("no spaces", ""), "run\nerror: invalid argument"},
		{"second wait", nil, waitReq("room", "").WithForm(url.Values{"twice": {"1"}}), "run\nerror: invalid argument"},
		{"backend down", func() { b.SetUnavailable(true) }, waitReq("room", ""), "run\nerror: service unavailable"},
		{"too many waiters", func() {
			b.SetMaxWaiters(1)
			if !b.Serve("test-wait", waitReq("empty", "")).Parked {
				t.Fatal("first waiter not parked")
			}
		}, waitReq("empty", ""), "run\nerror: too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.Reset()
			b.Publish(sdktest.DefaultSite, "room", []byte("m"))
			if tc.setup != nil {
				tc.setup()
			}
			if got := serveBody(t, b, "test-wait", tc.req); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

func TestResumeMisuse(t *testing.T) {
	b := sdktest.NewBroker()
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	done := b.Serve("test-publish", publishReq("room", "x"))
	mustPanic("Resume of a response that is not parked", func() { done.Resume() })
	parked := b.Serve("test-wait", waitReq("empty", ""))
	parked.Timeout()
	mustPanic("a second Resume", func() { parked.Resume() })
}

func TestWaitRecoveredIsNotParked(t *testing.T) {
	// A handler that swallows Wait's unwinding answers the request, which
	// is then not parked, whatever wait returned.
	b := sdktest.NewBroker()
	resp := b.Serve("test-wait-recover", nil)
	if resp.Parked || resp.Status != 200 || string(resp.Body) != "recovered" {
		t.Errorf("parked %v, status %d, body %q", resp.Parked, resp.Status, resp.Body)
	}
	if b.Parked() != 0 {
		t.Errorf("broker counts %d parked", b.Parked())
	}
}

func init() {
	sdk.Handle("test-wait-recover", func(c *sdk.Context) {
		func() {
			defer func() { recover() }()
			c.Wait("empty", 0, 0)
		}()
		c.WriteString("recovered")
	})
}

func TestParseCursor(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"", 0}, {"0", 0}, {"42", 42}, {"-1", 0}, {"1.5", 0}, {"x", 0}, {" 7", 0},
		{"9223372036854775807", 9223372036854775807}, {"9223372036854775808", 0},
	}
	for _, tc := range tests {
		if got := sdk.ParseCursor(tc.in); got != tc.want {
			t.Errorf("ParseCursor(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// features is what test-features saw.
var features uint64

func init() {
	sdk.Handle("test-features", func(c *sdk.Context) { features = sdk.HostFeatures() })
}

func TestHostFeaturesPubSub(t *testing.T) {
	sdktest.Serve("test-features", nil)
	if features&abi.FeaturePubSub == 0 {
		t.Errorf("the fake host's features %#x lack FEATURE_PUBSUB", features)
	}
}
