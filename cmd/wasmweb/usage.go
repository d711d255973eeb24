package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags returns the flag set of the command name, whose help is text
// followed by its flags' defaults, if it has any.
func newFlags(name, text string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		io.WriteString(w, text)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			io.WriteString(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args with fs, made by newFlags. With -h or --help it
// writes the command's help to stdout and stops with exit 0, since the
// user asked for it; after an unknown or malformed flag it writes the
// error and the help to stderr and stops with exit 2. ok reports whether
// the command goes on; code is its exit status when it does not. Parse
// errors from the flag package name the flag.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard) // the flag package's own reports are written below
	err := fs.Parse(args)
	switch {
	case err == nil:
		fs.SetOutput(stderr)
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, false
	default:
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "wasmweb %s: %v\n\n", fs.Name(), err)
		fs.Usage()
		return 2, false
	}
}

// usageError writes msg and the help of fs's command to stderr, for
// arguments the flags accept but the command does not, and returns the
// exit status of a usage error.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "wasmweb %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.SetOutput(stderr)
	fs.Usage()
	return 2
}
