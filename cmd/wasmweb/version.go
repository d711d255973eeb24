package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/wasmweb/wasmweb/host"
)

const versionUsage = `Usage: wasmweb version

Prints the versions of wasmweb (its module version, or the commit it was
built from), of the Go toolchain that built it, of wazero, and of the
host ABI that plugins link against.
`

func versionCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version", versionUsage)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q", fs.Arg(0))
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versions(info))
	return 0
}

// versions returns the lines wasmweb version prints for a binary with the
// build info info, which is nil when the binary has none.
func versions(info *debug.BuildInfo) string {
	v := host.Versions(info)
	return fmt.Sprintf("wasmweb %s\ngo      %s\nwazero  %s\nabi     %s\n", v.Wasmweb, v.Go, v.Wazero, v.ABI)
}
