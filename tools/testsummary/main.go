// Command testsummary runs go test -json and shows what go test shows
// without -json (each package's result line and the full output of the
// tests that fail), and keeps a record of the tests that skipped, with
// their messages, for a report at the end of a run of several go test
// commands (make test runs one per module).
//
//	testsummary -skips FILE -- go test -json ./...
//	testsummary -report FILE
//
// The first form runs the command, appends one JSON line for each skipped
// test to FILE, and exits with a failure when the command does or any
// test or build fails. The second prints the skipped tests FILE lists,
// or "no tests skipped".
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

func main() {
	skips := flag.String("skips", "", "append the skipped tests to `file`")
	report := flag.String("report", "", "print the skipped tests that `file` lists")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), "Usage:\n  testsummary -skips FILE -- go test -json ARGS...\n  testsummary -report FILE\n")
	}
	flag.Parse()
	switch {
	case *report != "" && *skips == "" && flag.NArg() == 0:
		if err := printReport(os.Stdout, *report); err != nil {
			fmt.Fprintf(os.Stderr, "testsummary: %v\n", err)
			os.Exit(1)
		}
	case *report == "" && *skips != "" && flag.NArg() > 0:
		os.Exit(runTests(flag.Args(), *skips, os.Stdout, os.Stderr))
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// runTests runs the go test -json command args, writing what it shows
// to stdout and its errors to stderr, and returns the exit status of make
// test's step: 0 when the command and every test passed.
func runTests(args []string, skipsFile string, stdout, stderr io.Writer) int {
	f, err := os.OpenFile(skipsFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		return 1
	}
	defer f.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	events, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		return 1
	}
	failed, err := filter(events, stdout, f)
	if err != nil {
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		io.Copy(io.Discard, events)
		failed = true
	}
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !failed || !errors.As(err, &exit) {
			fmt.Fprintf(stderr, "testsummary: %s: %v\n", strings.Join(args, " "), err)
		}
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// event is a line of go test -json (go doc test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // of build-output and build-fail
}

// Skip is a skipped test, as the skips file records it.
type Skip struct {
	Package string
	Test    string
	Message string // what the test logged, its t.Skip message last
}

// test is a test that has started and not yet ended, and its subtests.
type test struct {
	name     string
	header   string   // its "--- FAIL: name (0.00s)" line, once it ends
	lines    []string // what it logged
	children []*test  // its subtests that failed or are running, in order
	failed   bool
}

// filter reads go test -json's events from r and writes to w what go test
// writes without -json: package lines and, for each failed test, its
// output, with its failed subtests' below it, indented; skipped tests are
// written to skips as JSON lines. failed reports whether a test, package
// or build failed.
func filter(r io.Reader, w io.Writer, skips io.Writer) (failed bool, err error) {
	running := map[string]map[string]*test{} // package -> test name -> test
	enc := json.NewEncoder(skips)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event: go test's own complaint, written as it came.
			fmt.Fprintln(w, sc.Text())
			continue
		}
		tests := running[e.Package]
		if tests == nil {
			tests = map[string]*test{}
			running[e.Package] = tests
		}
		switch {
		case e.Action == "build-output":
			io.WriteString(w, e.Output)
		case e.Action == "build-fail":
			failed = true
		case e.Test == "":
			switch e.Action {
			case "output":
				if e.Output != "PASS\n" {
					io.WriteString(w, e.Output)
				}
			case "fail":
				failed = true
				// Tests still running when the package failed (a panic, a
				// timeout) show what they logged.
				for _, t := range tests {
					if !strings.Contains(t.name, "/") {
						t.failed = true
						writeTest(w, t, 0)
					}
				}
				delete(running, e.Package)
			case "pass", "skip":
				delete(running, e.Package)
			}
		case e.Action == "run":
			t := &test{name: e.Test}
			tests[e.Test] = t
			if p := parent(tests, e.Test); p != nil {
				p.children = append(p.children, t)
			}
		case e.Action == "output":
			t := tests[e.Test]
			if t == nil {
				t = &test{name: e.Test}
				tests[e.Test] = t
			}
			switch out := e.Output; {
			case strings.HasPrefix(out, "=== "):
			case strings.HasPrefix(strings.TrimLeft(out, " "), "--- "):
				t.header = strings.TrimLeft(out, " ")
			default:
				t.lines = append(t.lines, out)
			}
		case e.Action == "pass" || e.Action == "skip" || e.Action == "fail":
			t := tests[e.Test]
			if t == nil {
				t = &test{name: e.Test}
			}
			delete(tests, e.Test)
			p := parent(tests, e.Test)
			if p != nil && e.Action != "fail" {
				p.children = removeChild(p.children, t)
			}
			switch e.Action {
			case "skip":
				if err := enc.Encode(Skip{e.Package, e.Test, strings.TrimSpace(strings.Join(t.lines, ""))}); err != nil {
					return failed, err
				}
			case "fail":
				failed = true
				t.failed = true
				if p == nil {
					writeTest(w, t, 0)
				}
			}
		}
	}
	return failed, sc.Err()
}

// parent returns the running test whose subtest name is: the one with
// the longest name that is name up to a slash. (A subtest's own name may
// hold slashes, as in t.Run("netpoll/poll", ...).)
func parent(tests map[string]*test, name string) *test {
	for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name[:i], '/') {
		if p := tests[name[:i]]; p != nil {
			return p
		}
	}
	return nil
}

func removeChild(children []*test, t *test) []*test {
	for i, c := range children {
		if c == t {
			return append(children[:i], children[i+1:]...)
		}
	}
	return children
}

// writeTest writes the failed test t and its failed subtests as go test
// does, at the given depth of subtests.
func writeTest(w io.Writer, t *test, depth int) {
	indent := strings.Repeat("    ", depth)
	header := t.header
	if header == "" {
		header = "--- FAIL: " + t.name + " (unfinished)\n"
	}
	io.WriteString(w, indent+header)
	for _, l := range t.lines {
		io.WriteString(w, indent+l)
	}
	for _, c := range t.children {
		if c.failed {
			writeTest(w, c, depth+1)
		}
	}
}

// printReport writes the skipped tests that the skips file at path lists,
// by package, each with its message; or "no tests skipped".
func printReport(w io.Writer, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(w, "no tests skipped")
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var skips []Skip
	dec := json.NewDecoder(f)
	for {
		var s Skip
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		skips = append(skips, s)
	}
	if len(skips) == 0 {
		fmt.Fprintln(w, "no tests skipped")
		return nil
	}
	slices.SortStableFunc(skips, func(a, b Skip) int { return strings.Compare(a.Package, b.Package) })
	fmt.Fprintf(w, "%d tests skipped:\n", len(skips))
	pkg := ""
	for _, s := range skips {
		if s.Package != pkg {
			pkg = s.Package
			fmt.Fprintf(w, "%s\n", pkg)
		}
		fmt.Fprintf(w, "    %s\n", s.Test)
		msg := s.Message
		if msg == "" {
			msg = "(no message)"
		}
		for line := range strings.Lines(msg) {
			fmt.Fprintf(w, "        %s\n", strings.TrimSpace(line))
		}
	}
	return nil
}
