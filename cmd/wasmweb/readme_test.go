package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A step of the README's walkthrough: a fenced block that an HTML comment
// marks as one, <!-- walkthrough: ACTION [FILE] -->.
type step struct {
	action string // run, serve, file or same
	file   string // for file and same: the file, relative to the walkthrough's directory
	body   string // the block's text
	line   int    // of the README, for the test's messages
}

// walkthroughSteps returns the marked blocks of the README's section
// titled section, in order.
func walkthroughSteps(t *testing.T, readme, section string) []step {
	t.Helper()
	_, text, ok := strings.Cut(readme, "\n## "+section+"\n")
	if !ok {
		t.Fatalf("the README has no section %q", section)
	}
	text, _, _ = strings.Cut(text, "\n## ")
	offset := strings.Count(readme[:strings.Index(readme, text)], "\n")
	var steps []step
	for _, m := range stepMark.FindAllStringSubmatchIndex(text, -1) {
		s := step{action: text[m[2]:m[3]], body: text[m[6]:m[7]], line: offset + strings.Count(text[:m[0]], "\n") + 1}
		if m[4] >= 0 {
			s.file = text[m[4]:m[5]]
		}
		steps = append(steps, s)
	}
	return steps
}

// stepMark matches a walkthrough's comment and the fenced block after it.
var stepMark = regexp.MustCompile("<!-- walkthrough: (run|serve|file|same)(?: (\\S+))? -->\n```[a-z]*\n((?s:.*?))```\n")

// The README's "Write a plugin" runs as it is written, in a directory of
// the checkout, with a wasmweb built from it first on PATH: its commands
// succeed and print what it shows after them ("# output" lines), the code
// it shows is the code wasmweb new writes, and the site it configures
// answers. One liberty is taken: the server listens on a free port rather
// than 8888, which another server may hold, and the commands after it
// are pointed there.
func TestREADMEWalkthrough(t *testing.T) {
	root := checkoutRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := walkthroughSteps(t, string(readme), "Write a plugin")
	actions := ""
	for _, s := range steps {
		actions += s.action + " "
	}
	// The walkthrough scaffolds, shows the code, configures, serves and
	// asks: a README that loses a step fails here rather than passes.
	if want := "run same file serve run "; actions != want {
		t.Fatalf("the walkthrough's steps are %q, want %q", actions, want)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not on PATH, and CI is set: the README's walkthrough needs it")
		}
		t.Skip("SKIPPED: curl is not on PATH, so the README's walkthrough was NOT run; install curl to run it, as CI does")
	}

	dir, err := os.MkdirTemp(root, "wasmweb-readme-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"PATH="+filepath.Dir(wasmwebBinary(t))+string(filepath.ListSeparator)+os.Getenv("PATH"),
		// The compiled-plugin cache of serve in a directory of the test's,
		// not the user's; the Go cache stays where it is.
		"XDG_CACHE_HOME="+t.TempDir(), "GOCACHE="+strings.TrimSpace(string(gocache)),
	)

	url := "" // the server's, once it serves
	for _, s := range steps {
		switch s.action {
		case "run":
			for _, c := range blockCommands(s.body) {
				line := c.line
				if url != "" {
					line = strings.ReplaceAll(line, "http://127.0.0.1:8888/", url)
				}
				cmd := exec.Command("sh", "-c", line)
				cmd.Dir, cmd.Env = dir, env
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("README.md:%d: %s: %v\n%s%s", s.line, c.line, err, out, stderr.String())
				}
				if c.output != nil && strings.TrimSuffix(string(out), "\n") != strings.Join(c.output, "\n") {
					t.Errorf("README.md:%d: %s printed\n%s\nwant, as the README shows,\n%s", s.line, c.line, out, strings.Join(c.output, "\n"))
				}
			}
		case "same":
			got, err := os.ReadFile(filepath.Join(dir, s.file))
			if err != nil {
				t.Fatalf("README.md:%d: %v", s.line, err)
			}
			if string(got) != s.body {
				t.Errorf("README.md:%d shows %s as\n%s\nbut it is\n%s", s.line, s.file, s.body, got)
			}
		case "file":
			if err := os.WriteFile(filepath.Join(dir, s.file), []byte(s.body), 0o644); err != nil {
				t.Fatal(err)
			}
		case "serve":
			c := blockCommands(s.body)
			if len(c) != 1 {
				t.Fatalf("README.md:%d: a serve step is one command, not %d", s.line, len(c))
			}
			url = serveInBackground(t, dir, env, c[0].line+" --listen 127.0.0.1:0")
		}
	}
}

// A command of a walkthrough's block, and the output the README shows
// after it (the "# " lines that follow it), nil if it shows none.
type shellCommand struct {
	line   string
	output []string
}

func blockCommands(block string) []shellCommand {
	var cs []shellCommand
	for line := range strings.Lines(block) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "#"):
			if len(cs) > 0 {
				out := strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
				cs[len(cs)-1].output = append(cs[len(cs)-1].output, out)
			}
		default:
			cs = append(cs, shellCommand{line: line})
		}
	}
	return cs
}

// serveInBackground starts the shell command line, a wasmweb serve, in
// dir, waits until it serves and returns its URL; it is stopped when the
// test ends.
func serveInBackground(t *testing.T, dir string, env []string, line string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sh", "-c", "exec "+line)
	cmd.Dir, cmd.Env = dir, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-done
	})
	urls := make(chan string, 1)
	var log strings.Builder
	go func() {
		defer close(done)
		defer cmd.Wait()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if line := sc.Text(); strings.Contains(line, `msg="wasmweb: serving"`) {
				if i := strings.Index(line, "url=http://"); i >= 0 {
					urls <- strings.Fields(line[i+len("url="):])[0]
				}
			}
		}
		io.Copy(io.Discard, stderr)
		close(urls)
	}()
	select {
	case url, ok := <-urls:
		if !ok {
			<-done
			t.Fatalf("%s stopped before it served:\n%s%s", line, stdout.String(), log.String())
		}
		return url
	case <-time.After(5 * time.Minute): // a bound for a broken server, not a measure
		t.Fatalf("%s did not serve within 5 minutes", line)
	}
	return ""
}
