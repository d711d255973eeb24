package main

import (
	"bytes"
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
	"github.com/wasmweb/wasmweb/cmd/wasmweb/dev"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

const devUsage = `Usage: wasmweb dev [--config FILE] [--listen ADDR] [--transport netpoll|std] [--admin ADDR]
                   [--cache-dir DIR] [--shutdown-timeout D]

Serves like wasmweb serve (the same flags), for development: it watches
each plugin whose config names a Go source directory and, when a file
there changes, rebuilds the plugin and swaps the new code in with no
restart and no failed request. A build error is printed here and, until
it is fixed, the plugin's routes answer a page with the compiler's
message. HTML pages get a small script that reloads them after a change
(` + dev.ScriptPath + `). Changes to static files reload open pages;
changes to the config file, templates or translations need a restart.

Never run wasmweb dev where others can reach it: its pages show source
file names and compiler messages.
`

// devFlags are serve's flags (the same values, bound to the same
// options), with dev's help.
func devFlags() (*flag.FlagSet, *serveOptions) {
	serveSet, o := serveFlags()
	fs := newFlags("dev", devUsage)
	serveSet.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	return fs, o
}

// devCmd runs wasmweb dev: serve with a development loop in front of the
// host.
func devCmd(args []string, stdout, stderr io.Writer) int {
	fs, o := devFlags()
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q", fs.Arg(0))
	}
	switch o.transport {
	case "", "netpoll", "std":
	default:
		fmt.Fprintf(stderr, "wasmweb: unknown transport %q (want netpoll or std)\n", o.transport)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	configPath := o.config
	if configPath == "" {
		configPath = demoConfig
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		if o.config == "" {
			fmt.Fprintf(stderr, "wasmweb: the demo site needs the plugins of a wasmweb checkout; run from its root or pass --config\n  (%v)\n", err)
		} else {
			fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		}
		return 1
	}
	applyServeOptions(&cfg, o)
	tr, err := netloop.NewTransport(cfg.Server.Transport)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 2
	}
	if len(cfg.Sites) == 0 {
		fmt.Fprintf(stderr, "wasmweb: %v: add a [[site]] to %s\n", host.ErrNoSites, configPath)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sources := dev.SourcePlugins(cfg)
	// A plugin that does not build but was built before starts with that
	// build, and its routes answer the compiler's message until it is
	// fixed: serve would not start at all.
	broken := map[dev.Plugin]string{}
	err = cfg.BuildPlugins(func(dir string) (string, error) {
		var out bytes.Buffer
		wasm, err := build.Ensure(ctx, dir, io.MultiWriter(stdout, &out))
		if err == nil {
			return wasm, nil
		}
		if _, serr := os.Stat(build.WasmPath(dir)); serr != nil {
			return "", err
		}
		for _, p := range sources {
			if p.Dir == dir {
				broken[p] = out.String()
			}
		}
		fmt.Fprintf(stdout, "wasmweb dev: %s does not build; serving its previous build, whose routes answer the error until it builds\n", dir)
		return build.WasmPath(dir), nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
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
	h, err := host.New(ctx, engine, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	defer h.Close(context.Background())
	h.SetConfigFile(configPath, func(dir string) (string, error) { return build.Ensure(ctx, dir, stdout) })
	// A change to the config file reloads it, as SIGHUP does; a change
	// to a site's templates or translations builds that site again.
	reloadSite := func(ctx context.Context, site string) error {
		var err error
		if site == "" {
			_, err = h.ReloadFile(ctx)
		} else {
			_, err = h.RebuildSite(ctx, site)
		}
		return err
	}
	loop, err := dev.Start(ctx, dev.Options{Host: h, Plugins: sources, Broken: broken, Config: configPath, Sites: cfg.Sites, Out: stdout, ReloadSite: reloadSite})
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	defer loop.Close()

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	srv := netloop.NewServer(cfg.Server.NetloopConfig(), loop.Handler(), tr)
	srv.SetLogger(log)
	srv.RegisterOnShutdown(h.Drain)
	if cfg.Server.Admin != "" {
		aln, err := host.ListenAdmin(cfg.Server)
		if err != nil {
			fmt.Fprintf(stderr, "wasmweb: admin: %v\n", err)
			return 1
		}
		admin := &http.Server{Handler: h.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go admin.Serve(aln)
		defer admin.Close()
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("wasmweb: serving", "config", configPath, "url", "http://"+ln.Addr().String()+"/", "transport", tr.Name(), "mode", "dev")
	fmt.Fprintf(stdout, "wasmweb dev: watching %d plugin source directories; save a file to rebuild, Ctrl-C to stop\n", len(sources))

	select {
	case err := <-errc:
		log.Error("wasmweb: serving stopped", "err", err)
		return 1
	case <-sigc:
		// Development: no grace to wait out, but let the answers being
		// written go.
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		defer scancel()
		loop.Close()
		srv.Shutdown(sctx)
		return 0
	}
}

// applyServeOptions lets serve's flags (which dev shares) override the config.
func applyServeOptions(cfg *config.Config, o *serveOptions) {
	if o.listen != "" {
		cfg.Server.Listen = o.listen
	}
	if o.transport != "" {
		cfg.Server.Transport = o.transport
	}
	if o.admin != "" {
		cfg.Server.Admin = o.admin
	}
	if o.cacheDir != "" {
		cfg.Server.CacheDir = o.cacheDir
	}
	if o.shutdownTimeout > 0 {
		cfg.Server.ShutdownTimeout = config.Duration(o.shutdownTimeout)
	}
}
