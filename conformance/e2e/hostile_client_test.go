package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// updatesRequest is a long poll for messages after cursor, as the chat's
// page sends it.
func updatesRequest(cursor string) string {
	body := url.Values{"cursor": {cursor}, "_xsrf": {xsrfToken}}.Encode()
	return fmt.Sprintf("POST /a/message/updates HTTP/1.1\r\nHost: chat\r\nCookie: _xsrf=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", xsrfToken, len(body), body)
}

// Clients that hang up (with a reset or a FIN) at the moment their long
// polls are resumed by a publish cost only their own connections: the
// server keeps serving, and no parked request is left counted. Pipelined
// requests wait behind every poll, which once made a crash near certain
// on netpoll.
func TestChatHangupWhileResumed(t *testing.T) {
	for _, how := range []string{"reset", "close"} {
		t.Run(how, func(t *testing.T) {
			forTransports(t, func(t *testing.T, transport string) {
				n := startNode(t, fmt.Sprintf(chatConfig, "30s"), transport)
				last := postMessage(t, n.addr, "start")
				const rounds, clients = 6, 80
				for round := 0; round < rounds; round++ {
					conns := make([]*net.TCPConn, clients)
					for i := range conns {
						c, err := net.Dial("tcp", n.addr)
						if err != nil {
							t.Fatal(err)
						}
						conns[i] = c.(*net.TCPConn)
						io.WriteString(c, updatesRequest(last.ID)+"GET / HTTP/1.1\r\nHost: chat\r\n\r\nGET / HTTP/1.1\r\nHost: chat\r\n\r\n")
					}
					waitUntil(t, "every poll to park", func() bool { return parkedCount(t, n.host) >= clients })
					var wg sync.WaitGroup
					wg.Add(1)
					go func() {
						defer wg.Done()
						last = postMessage(t, n.addr, fmt.Sprint("round ", round))
					}()
					time.Sleep(time.Duration(round%3) * 200 * time.Microsecond)
					for _, c := range conns {
						if how == "reset" {
							c.SetLinger(0)
						}
						c.Close()
					}
					wg.Wait()
					waitUntil(t, "nothing parked", func() bool { return parkedCount(t, n.host) == 0 })
				}
				http.DefaultClient.CloseIdleConnections() // postMessage's
				waitUntil(t, "every connection to close", func() bool { return n.srv.Conns() == 0 })
				resp, err := http.Get("http://" + n.addr + "/")
				if err != nil {
					t.Fatalf("the server no longer answers: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("after the hang-ups: %d", resp.StatusCode)
				}
			})
		})
	}
}

// A client's wake-up does not wait for slow requests that other clients
// pipelined behind their own long polls. Attackers park a poll each with
// sign-in attempts (a bcrypt check each) queued behind it; a publish
// resumes them, and the attempts start. Then a victim parks and a second
// publish wakes it: it must be answered before any attacker has had all
// its attempts answered, although they started first.
func TestWakeNotDelayedByPipelinedSlowRequests(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		n := startNode(t, demoConfig(t), transport)
		last := postMessage(t, n.addr, "start")
		const attackers, attempts = 3, 3
		var logins atomic.Int32   // sign-in answers the attackers have read
		var finished atomic.Int32 // attackers that have read every answer
		var wg sync.WaitGroup
		for a := 0; a < attackers; a++ {
			c, err := net.Dial("tcp", n.addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			var req strings.Builder
			req.WriteString(updatesRequest(last.ID))
			for i := 0; i < attempts; i++ {
				form := url.Values{"user": {fmt.Sprintf("nobody-%d-%d", a, i)}, "password": {"wrong"}, "_xsrf": {xsrfToken}}.Encode()
				fmt.Fprintf(&req, "POST /demo/login HTTP/1.1\r\nHost: chat\r\nCookie: _xsrf=%s\r\n"+
					"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", xsrfToken, len(form), form)
			}
			io.WriteString(c, req.String())
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetReadDeadline(time.Now().Add(2 * time.Minute))
				br := bufio.NewReader(c)
				for i := 0; i <= attempts; i++ {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Errorf("attacker's response %d: %v", i, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if i > 0 {
						logins.Add(1)
					}
				}
				finished.Add(1)
			}()
		}
		waitUntil(t, "the attackers' polls to park", func() bool { return parkedCount(t, n.host) == attackers })
		last = postMessage(t, n.addr, "wake the attackers")
		victim := waiterConn(t, n.addr, last.ID)
		waitUntil(t, "the victim's poll to park", func() bool { return parkedCount(t, n.host) == 1 })
		postMessage(t, n.addr, "wake the victim")
		resp, msgs, ok := answered(t, victim, 2*time.Minute)
		before, done := logins.Load(), finished.Load()
		if !ok || resp.StatusCode != 200 || len(msgs) != 1 {
			t.Fatalf("victim: answered=%v resp=%v messages=%d", ok, resp, len(msgs))
		}
		wg.Wait()
		t.Logf("before the victim's wake-up: %d of %d sign-in attempts answered, %d of %d attackers done", before, attackers*attempts, done, attackers)
		if done > 0 {
			t.Fatalf("the victim's wake-up waited until %d attackers had all %d attempts pipelined behind their polls answered", done, attempts)
		}
	})
}

// A client that posts and then shuts down its sending side gets its
// answer, and the post happens once.
func TestHalfClosedClientIsAnswered(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		n := startNode(t, fmt.Sprintf(chatConfig, "2s"), transport)
		for i, proto := range []string{"HTTP/1.1", "HTTP/1.0", "HTTP/1.1\r\nConnection: close"} {
			for try := 0; try < 5; try++ {
				form := url.Values{"body": {fmt.Sprintf("half-closed %d.%d", i, try)}, "_xsrf": {xsrfToken}}.Encode()
				c, err := net.Dial("tcp", n.addr)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(c, "POST /a/message/new %s\r\nHost: chat\r\nCookie: _xsrf=%s\r\n"+
					"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", proto, xsrfToken, len(form), form)
				c.(*net.TCPConn).CloseWrite()
				c.SetReadDeadline(time.Now().Add(30 * time.Second))
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					c.Close()
					t.Fatalf("%q try %d: no answer: %v", proto, try, err)
				}
				body, _ := io.ReadAll(resp.Body)
				c.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "half-closed") {
					t.Fatalf("%q try %d: %d %s", proto, try, resp.StatusCode, body)
				}
			}
		}
	})
}
