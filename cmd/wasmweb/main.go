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
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
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
	log := slog.New(slog.NewTextHandler(stderr, nil))

	switch o.transport {
	case "", "netpoll", "std":
	default:
		fmt.Fprintf(stderr, "wasmweb: unknown transport %q (want netpoll or std)\n", o.transport)
		return 2
	}
	var cfg config.Config
	if o.config != "" {
		c, err := config.Load(o.config)
		if err != nil {
			fmt.Fprintf(stderr, "wasmweb: %v\n", err)
			return 1
		}
		cfg = c
	} else {
		c, err := loadDemo()
		if err != nil {
			fmt.Fprintf(stderr, "wasmweb: the demo site needs the plugins of a wasmweb checkout; run from its root or pass --config\n  (%v)\n", err)
			return 1
		}
		cfg = c
	}
	applyServeOptions(&cfg, o)
	tr, err := netloop.NewTransport(cfg.Server.Transport)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 2
	}

	ctx := context.Background()
	if err := cfg.BuildPlugins(func(dir string) (string, error) { return build.Ensure(ctx, dir, stdout) }); err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	if len(cfg.Sites) == 0 {
		fmt.Fprintf(stderr, "wasmweb: %v: add a [[site]] to %s\n", host.ErrNoSites, o.config)
		return 1
	}
	cacheDir := cfg.Server.CacheDir
	if cacheDir == "" {
		cacheDir = host.DefaultCacheDir()
	}
	engine, err := host.NewEngine(cacheDir)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	defer engine.Close()
	loadStart := time.Now()
	h, err := host.New(ctx, engine, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	defer h.Close(ctx)
	h.SetConfigFile(configPath(o.config), func(dir string) (string, error) { return build.Ensure(ctx, dir, stdout) })
	log.Info("wasmweb: loaded", "sites", len(cfg.Sites), "in", time.Since(loadStart).Round(time.Millisecond))

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	srv := netloop.NewServer(cfg.Server.NetloopConfig(), h, tr)
	srv.SetLogger(log)
	srv.RegisterOnShutdown(h.Drain)

	var admin *http.Server
	if cfg.Server.Admin != "" {
		aln, err := host.ListenAdmin(cfg.Server)
		if err != nil {
			fmt.Fprintf(stderr, "wasmweb: admin: %v\n", err)
			return 1
		}
		admin = &http.Server{Handler: h.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go admin.Serve(aln)
		base := "http://" + aln.Addr().String()
		log.Info("wasmweb: admin", "status", base+"/status", "metrics", base+"/metrics", "healthz", base+"/healthz", "pprof", base+"/debug/pprof/")
	}

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	stopHUP := make(chan struct{})
	defer close(stopHUP)
	reloadOnHUP(h, log, stopHUP)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	what := "the demo site"
	if o.config != "" {
		what = o.config
	}
	log.Info("wasmweb: serving", "config", what, "url", "http://"+ln.Addr().String()+"/", "transport", tr.Name())

	select {
	case err := <-errc:
		log.Error("wasmweb: serving stopped", "err", err)
		return 1
	case sig := <-sigc:
		grace := time.Duration(cfg.Server.ShutdownTimeout)
		log.Info("wasmweb: shutting down; requests in progress may finish", "signal", sig.String(), "grace", grace)
		signal.Stop(sigc)
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if admin != nil {
			admin.Close()
		}
		if err := srv.Shutdown(ctx); err != nil {
			log.Error("wasmweb: shutdown did not finish in time; remaining connections closed", "err", err)
			return 1
		}
		log.Info("wasmweb: stopped")
		return 0
	}
}
