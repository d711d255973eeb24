package guest

import (
	"fmt"
	"strings"
	"testing"
)

func TestCapStack(t *testing.T) {
	var many []string
	for i := range 200 {
		many = append(many, fmt.Sprintf("frame %d", i))
	}
	wide := []string{strings.Repeat("w", 3000), strings.Repeat("v", 3000), "x"}
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // the last line
	}{
		{"short", []string{"", "a", "b"}, "b"},
		{"many lines", many, "... 136 more lines (1324 bytes) left out"},
		{"wide lines", wide, "... 2 more lines (3003 bytes) left out"},
	} {
		got := capStack(tc.lines)
		lines := strings.Split(got, "\n")
		if last := lines[len(lines)-1]; last != tc.want {
			t.Errorf("%s: last line %q, want %q", tc.name, last, tc.want)
		}
		if len(lines) > MaxStackLines+1 || len(got) > MaxStackBytes {
			t.Errorf("%s: %d lines, %d bytes", tc.name, len(lines), len(got))
		}
	}
}

func TestFatalLine(t *testing.T) {
	for _, tc := range []struct{ line, kind string }{
		{"fatal error: out of memory", KindOutOfMemory},
		{"fatal error: runtime: out of memory", KindOutOfMemory},
		{"memory allocation of 1048576 bytes failed", KindOutOfMemory},
		{"panic: boom", KindPanic},
		{"fatal error: all goroutines are asleep - deadlock!", KindExit},
		{"runtime: out of memory: cannot allocate", ""},
		{"a panic: not at the start", ""},
	} {
		if kind, _ := fatalLine(tc.line); kind != tc.kind {
			t.Errorf("fatalLine(%q) = %q, want %q", tc.line, kind, tc.kind)
		}
	}
}
