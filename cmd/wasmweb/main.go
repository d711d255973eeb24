// Command wasmweb runs the wasmweb web server.
//
//	wasmweb serve [--listen ADDR] [--config FILE] [--transport netpoll|std] ...
//	wasmweb dev [--config FILE] ...
//	wasmweb build DIR...
//	wasmweb new NAME
//	wasmweb passwd --user NAME
//	wasmweb version
//
// With no config, serve serves the demo site: wasmweb.example.toml in the
// working directory, the root of a wasmweb checkout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

const usage = `wasmweb: a web server whose request handlers are sandboxed WebAssembly plugins

Usage:
  wasmweb serve [flags]     run the server (the demo site of a checkout without --config)
  wasmweb dev [flags]       serve, rebuilding and swapping plugins when their sources change
  wasmweb build DIR...      compile Go plugin sources in DIR to DIR/<name>.wasm
  wasmweb new NAME          create a plugin named NAME, with a test, in ./NAME
  wasmweb passwd [flags]    hash a password for a site's [site.accounts]
  wasmweb reload [flags]    make a running server re-read its config file
  wasmweb version           print the versions of wasmweb, Go, wazero and the ABI
  wasmweb help [command]    show help

Run "wasmweb help COMMAND" (or "wasmweb COMMAND --help") for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands are wasmweb's subcommands by name. Each parses its own flags:
// --help writes its help to stdout (exit 0), a bad flag the error and the
// help to stderr (exit 2).
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"serve":   serve,
	"dev":     devCmd,
	"build":   buildCmd,
	"new":     newCmd,
	"passwd":  func(args []string, stdout, stderr io.Writer) int { return passwdCmd(args, os.Stdin, stdout, stderr) },
	"version": versionCmd,
	"reload":  reloadCmd,
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 1:
			fmt.Fprint(stdout, usage)
			return 0
		case len(args) > 2:
			fmt.Fprintf(stderr, "wasmweb help: one command at a time\n\n%s", usage)
			return 2
		}
		if cmd, ok := commands[args[1]]; ok {
			return cmd([]string{"--help"}, stdout, stderr)
		}
		fmt.Fprintf(stderr, "wasmweb help: unknown command %q\n\n%s", args[1], usage)
		return 2
	default:
		fmt.Fprintf(stderr, "wasmweb: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

type serveOptions struct {
	listen, config, transport, admin, cacheDir string
	shutdownTimeout                            time.Duration
}

const serveUsage = `Usage: wasmweb serve [--listen ADDR] [--config FILE] [--transport netpoll|std] [--admin ADDR]
                     [--cache-dir DIR] [--shutdown-timeout D]

Runs the server on the sites of a config file, or, without --config, on
the demo site (` + demoConfig + ` in the working directory, the root
of a wasmweb checkout). Plugins given as source directories are first
compiled to WebAssembly when their .wasm is missing or older than their
sources. SIGINT or SIGTERM stops it gracefully.
`

func serveFlags() (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := newFlags("serve", serveUsage)
	fs.StringVar(&o.listen, "listen", "", "`address` to listen on (default 127.0.0.1:8888, or the config's listen)")
	fs.StringVar(&o.config, "config", "", "TOML config `file`; without it the demo site is served ("+demoConfig+", from a checkout's root)")
	fs.StringVar(&o.transport, "transport", "", "network transport: netpoll or std (default "+netloop.DefaultTransportName()+")")
	fs.StringVar(&o.admin, "admin", "", "serve the status page, /metrics, /healthz, /debug/pprof/ and the admin API on this `address` (off by default)")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "compiled-plugin cache `dir` (default "+host.DefaultCacheDir()+")")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 0, "how long requests in progress may run after SIGINT/SIGTERM (default 10s)")
	return fs, o
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs, o := serveFlags()
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q", fs.Arg(0))
	}
	ensure := func(dir string) (string, error) { return build.Ensure(context.Background(), dir, stdout) }
	s, code := newServer(o, stderr, func(cfg *config.Config) error { return cfg.BuildPlugins(ensure) })
	if s == nil {
		return code
	}
	defer s.close()
	s.h.SetConfigFile(s.configPath, ensure)
	return s.serve(s.h, "", stop{grace: time.Duration(s.cfg.Server.ShutdownTimeout)})
}
