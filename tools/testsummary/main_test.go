package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Recorded go test -json runs are shown as go test shows them without
// -json, and their skipped tests are reported with their messages.
// testdata/run.jsonl has a passing, a skipping and a failing test with
// subtests, a build failure, a package without tests, parallel subtests
// and a panic; testdata/nested.jsonl a failure two levels down, under a
// subtest whose name holds a slash.
func TestRecordedRuns(t *testing.T) {
	runs, _ := filepath.Glob("testdata/*.jsonl")
	if len(runs) < 2 {
		t.Fatalf("recorded runs: %q", runs)
	}
	for _, run := range runs {
		name := strings.TrimSuffix(run, ".jsonl")
		t.Run(filepath.Base(name), func(t *testing.T) {
			skips := filepath.Join(t.TempDir(), "skips")
			var out, errb bytes.Buffer
			if code := runTests([]string{"cat", run}, skips, &out, &errb); code != 1 {
				t.Errorf("exit %d for a run with failures, want 1", code)
			}
			if errb.Len() != 0 {
				t.Errorf("stderr: %s", errb.String())
			}
			golden(t, name+".shown", out.String())

			var report bytes.Buffer
			if err := printReport(&report, skips); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".report", report.String())
		})
	}
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", got, file, want)
	}
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	passing := filepath.Join(dir, "pass.jsonl")
	os.WriteFile(passing, []byte(`{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:5: chatter\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p","Elapsed":0}
`), 0o644)
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string
		errPart string
	}{
		{"every test passes", []string{"cat", passing}, 0, "ok  \tp\t0.01s\n", ""},
		{"the command fails without events", []string{"sh", "-c", "echo 'go: bad flag' >&2; exit 2"}, 1, "", "go: bad flag\n"},
		{"the command passes events and fails", []string{"sh", "-c", "cat " + passing + "; exit 1"}, 1, "ok  \tp\t0.01s\n", "exit status 1"},
		{"no such command", []string{filepath.Join(dir, "nothing")}, 1, "", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runTests(tc.args, filepath.Join(dir, "skips"), &out, &errb)
			if code != tc.code || out.String() != tc.out || !strings.Contains(errb.String(), tc.errPart) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, stderr with %q", code, out.String(), errb.String(), tc.code, tc.out, tc.errPart)
			}
		})
	}
	var report bytes.Buffer
	if err := printReport(&report, filepath.Join(dir, "skips")); err != nil || report.String() != "no tests skipped\n" {
		t.Errorf("report of runs without skips: %q, %v", report.String(), err)
	}
	report.Reset()
	if err := printReport(&report, filepath.Join(dir, "absent")); err != nil || report.String() != "no tests skipped\n" {
		t.Errorf("report without a file: %q, %v", report.String(), err)
	}
}
