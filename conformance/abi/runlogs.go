package abikit

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// RunLogs checks what a host run in the same process logs for the guest:
// log levels, truncation at 4 KiB, attribution to the request id (ABI.md
// §7.1 and §9), ERR_NO_REQUEST during _initialize, and the error codes
// the guest logs for calls whose response the client sees only as an
// error page. rec must be the host's slog handler from before the guest
// was loaded. Cases run one after another, as subtests.
func RunLogs(t *testing.T, base string, client *http.Client, rec *LogRecorder) {
	k := newKit(t, base, client)
	t.Run("init/ERR_NO_REQUEST", func(t *testing.T) {
		recs := rec.find("abi-init ")
		if len(recs) == 0 {
			t.Fatal("no abi-init line: the guest logs one from _initialize")
		}
		want := "abi-init req_get=-5 req_header=-5 resp_write=-5 resp_set_status=-5 var=-5 fetch=-5 fetch_token=-5 fetch_result=-5 user_claims=-5 login_with=-5 auth_providers=-5 features=1"
		for _, r := range recs {
			if !strings.HasSuffix(r.Line(), want) {
				t.Errorf("%q, want it to end in %q", r.Line(), want)
			}
		}
	})
	t.Run("init/kv-ERR_NO_REQUEST", func(t *testing.T) { kvInit(t, rec) })
	t.Run("log/levels-truncation-request-id", func(t *testing.T) { logLevels(t, k, rec) })
	for _, c := range []struct {
		name, target string
		status       int
		line         string
		want         map[string]int32
	}{
		{"raw/after-redirect", "/abi/raw/r?case=after-redirect", 302, "abi-raw after-redirect ",
			map[string]int32{"redirect": 0, "write": -4, "set_status": -4, "header": -4, "redirect2": -4, "error2": -4}},
		{"raw/after-error", "/abi/raw/e?case=after-error", 503, "abi-raw after-error ",
			map[string]int32{"error": 0, "write": -4, "set_status": -4, "header": -4, "redirect2": -4, "error2": -4}},
		{"raw/write-too-large", fmt.Sprintf("/abi/raw/w?case=write-too-large&n=%d", MaxResponseBytes+1), 500,
			"abi-raw write-too-large ", map[string]int32{"write": -3}},
		{"raw/header-op", "/abi/raw/h?case=header-op", 500, "abi-raw header-op ", map[string]int32{"op3": -2}},
		{"raw/invalid-then-valid", "/abi/raw/i?case=invalid-then-valid", 500, "abi-raw invalid-then-valid ",
			map[string]int32{"status199": -2, "status200": 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			mark := len(rec.Records())
			k.get(t, c.target).want(t, c.status)
			line := lastLine(t, rec, mark, c.line)
			var got map[string]int32
			if err := json.Unmarshal([]byte(line[strings.Index(line, c.line)+len(c.line):]), &got); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			equalJSON(t, "codes", got, c.want)
		})
	}
	for _, c := range []struct {
		name, target string
		status       int
		line         string
	}{
		{"sdk/status-199", "/abi/status?code=199", 500, "abi-status code=199 result=-2"},
		{"sdk/header-crlf", headersURL([][]string{{"set", "X-A", "a\r\nb"}}), 500, `abi-headers {"results":[-2]}`},
		{"sdk/header-host-owned", headersURL([][]string{{"set", "Date", "x"}}), 500, `abi-headers {"results":[-2]}`},
		{"sdk/header-64KiB", headersURL([][]string{{"big", "X-Big", "65528"}}), 500, `abi-headers {"results":[-3]}`},
		{"sdk/redirect-304", "/abi/redirect?url=/d&status=304", 500, "abi-redirect status=304 result=-2"},
		{"sdk/redirect-bad-url", "/abi/redirect?url=/a%20b", 500, "abi-redirect status=0 result=-2"},
		{"sdk/error-399", "/abi/error?status=399", 500, "abi-error status=399 result=-2"},
		{"sdk/write-past-cap", fmt.Sprintf("/abi/write?n=%d", MaxResponseBytes+1), 500, "result=-3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mark := len(rec.Records())
			k.get(t, c.target).want(t, c.status)
			lastLine(t, rec, mark, c.line)
		})
	}
	t.Run("sdk/panic-is-logged", func(t *testing.T) {
		mark := len(rec.Records())
		k.get(t, "/abi/panic").want(t, 500)
		lastLine(t, rec, mark, "abi-panic: deliberate")
	})
}

// lastLine returns the last line (LogRecord.Lines) of the records since
// mark that contains s, failing t when there is none.
func lastLine(t *testing.T, rec *LogRecorder, mark int, s string) string {
	t.Helper()
	recs := rec.Records()[mark:]
	for i := len(recs) - 1; i >= 0; i-- {
		lines := recs[i].Lines()
		for j := len(lines) - 1; j >= 0; j-- {
			if strings.Contains(lines[j], s) {
				return lines[j]
			}
		}
	}
	var msgs []string
	for _, r := range recs {
		msgs = append(msgs, r.Line())
	}
	t.Fatalf("no log line contains %q; lines: %q", s, msgs)
	return ""
}

func logLevels(t *testing.T, k *kit, rec *LogRecorder) {
	marker := fmt.Sprintf("m%x", randomBytes(6))
	r := k.get(t, "/abi/log?marker="+marker)
	r.want(t, 200)
	id := strings.TrimPrefix(string(r.body), "logged ")
	one := func(what string) LogRecord {
		t.Helper()
		recs := rec.find("abi-log " + what + " " + marker)
		if len(recs) != 1 {
			t.Fatalf("%d lines for %s, want 1", len(recs), what)
		}
		r := recs[0]
		var values []string
		for _, v := range r.Attrs {
			values = append(values, v)
		}
		if !slices.Contains(values, id) || !slices.Contains(values, "abi") {
			t.Errorf("%s: attributes %v lack the request id %q or the site and plugin \"abi\"", what, r.Attrs, id)
		}
		return r
	}
	for _, c := range []struct {
		what  string
		level slog.Level
	}{
		{"debug", slog.LevelDebug}, {"info", slog.LevelInfo}, {"warn", slog.LevelWarn},
		{"error", slog.LevelError}, {"level7", slog.LevelInfo},
	} {
		if r := one(c.what); r.Level != c.level {
			t.Errorf("%s: level %v, want %v", c.what, r.Level, c.level)
		}
	}
	long := one("long").Line()
	if n := len(long) - strings.Index(long, "abi-log long"); n != 4096 {
		t.Errorf("a 5000-byte message was logged as %d bytes, want 4096", n)
	}
	if nl := one("newline").Line(); !strings.HasSuffix(nl, marker) {
		t.Errorf("trailing newlines kept: %q", nl)
	}
}
