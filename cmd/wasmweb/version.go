package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/wasmweb/wasmweb/abi"
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
	wasmweb, wazero, goVersion := "unknown", "unknown", runtime.Version()
	if info != nil {
		goVersion = info.GoVersion
		wasmweb = mainVersion(info)
		for _, d := range info.Deps {
			if d.Path == "github.com/tetratelabs/wazero" {
				wazero = d.Version
				if d.Replace != nil {
					wazero = d.Replace.Version + " (replaced by " + d.Replace.Path + ")"
				}
			}
		}
	}
	return fmt.Sprintf("wasmweb %s\ngo      %s\nwazero  %s\nabi     %s\n", wasmweb, goVersion, wazero, abi.ModuleName)
}

// mainVersion is wasmweb's own version: the module's, as go install
// module@version records it, or else the VCS revision the binary was built
// from, marked when the work tree had changes.
func mainVersion(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	switch {
	case rev == "":
		return "(devel)"
	case modified == "true":
		return "(devel) " + rev + "+modified"
	}
	return "(devel) " + rev
}
