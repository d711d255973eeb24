package host

import (
	"runtime"
	"runtime/debug"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/status"
)

// Version names what a wasmweb binary was built from. `wasmweb version`
// prints it and the metric wasmweb_build_info carries it as labels.
type Version struct {
	Wasmweb string // the module version, or "(devel) REVISION[+modified]"
	Go      string // the Go toolchain that built the binary
	Wazero  string // the wazero module version, "unknown" without build info
	ABI     string // the host ABI's module name, abi.ModuleName
}

// Versions reads Version from a binary's build info; info is nil when the
// binary has none (then only Go and ABI are known).
func Versions(info *debug.BuildInfo) Version {
	v := Version{Wasmweb: "unknown", Go: runtime.Version(), Wazero: "unknown", ABI: abi.ModuleName}
	if info == nil {
		return v
	}
	v.Go = info.GoVersion
	v.Wasmweb = mainVersion(info)
	for _, d := range info.Deps {
		if d.Path == "github.com/tetratelabs/wazero" {
			v.Wazero = d.Version
			if d.Replace != nil {
				v.Wazero = d.Replace.Version + " (replaced by " + d.Replace.Path + ")"
			}
		}
	}
	return v
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

// buildInfo is the running binary's Version, for the status page and
// wasmweb_build_info.
func buildInfo() status.Build {
	info, _ := debug.ReadBuildInfo()
	v := Versions(info)
	return status.Build{Version: v.Wasmweb, GoVersion: v.Go, Wazero: v.Wazero, ABI: v.ABI}
}
