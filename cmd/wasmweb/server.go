package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// server is what serve and dev share: the config as the flags left it,
// the host made from it, and the way it is served and stopped.
type server struct {
	cfg        config.Config
	configPath string // the config file: --config's, or the demo's
	what       string // the config as the log names it
	log        *slog.Logger
	stderr     io.Writer
	tr         netloop.Transport
	engine     *host.Engine
	h          *host.Host
}

// newServer loads the config o names (the demo's without --config),
// lets o's flags override it, compiles the plugins given as sources with
// buildPlugins (cfg.BuildPlugins with a builder), and makes the host. On
// failure it writes why to stderr and returns nil and the exit status.
func newServer(o *serveOptions, stderr io.Writer, buildPlugins func(cfg *config.Config) error) (*server, int) {
	switch o.transport {
	case "", "netpoll", "std":
	default:
		fmt.Fprintf(stderr, "wasmweb: unknown transport %q (want netpoll or std)\n", o.transport)
		return nil, 2
	}
	s := &server{configPath: configPath(o.config), what: o.config, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, nil))}
	var err error
	if o.config != "" {
		if s.cfg, err = config.Load(o.config); err != nil {
			fmt.Fprintf(stderr, "wasmweb: %v\n", err)
			return nil, 1
		}
	} else {
		s.what = "the demo site"
		if s.cfg, err = loadDemo(); err != nil {
			fmt.Fprintf(stderr, "wasmweb: the demo site needs the plugins of a wasmweb checkout; run from its root or pass --config\n  (%v)\n", err)
			return nil, 1
		}
	}
	applyServeOptions(&s.cfg, o)
	if s.tr, err = netloop.NewTransport(s.cfg.Server.Transport); err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return nil, 2
	}
	if len(s.cfg.Sites) == 0 {
		fmt.Fprintf(stderr, "wasmweb: %v: add a [[site]] to %s\n", host.ErrNoSites, s.configPath)
		return nil, 1
	}
	if err := buildPlugins(&s.cfg); err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return nil, 1
	}
	cacheDir := s.cfg.Server.CacheDir
	if cacheDir == "" {
		cacheDir = host.DefaultCacheDir()
	}
	if s.engine, err = host.NewEngine(cacheDir); err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return nil, 1
	}
	start := time.Now()
	if s.h, err = host.New(context.Background(), s.engine, s.cfg, s.log); err != nil {
		s.engine.Close()
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return nil, 1
	}
	s.log.Info("wasmweb: loaded", "sites", len(s.cfg.Sites), "in", time.Since(start).Round(time.Millisecond))
	return s, 0
}

// close closes the host and the compilation cache.
func (s *server) close() {
	s.h.Close(context.Background())
	s.engine.Close()
}

// stop says how a server stops on SIGINT or SIGTERM.
type stop struct {
	// grace is how long requests in progress may run.
	grace time.Duration
	// first, if not nil, runs before the listener shuts down.
	first func()
}

// serve serves handler (the host, or something in front of it) on the
// config's listen address, and the status pages and admin API on its
// admin address, if any, until SIGINT or SIGTERM; SIGHUP reloads the
// config file. mode, if not "", is logged with the address. It returns
// the exit status.
func (s *server) serve(handler netloop.Handler, mode string, st stop) int {
	cfg, log := s.cfg, s.log
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		fmt.Fprintf(s.stderr, "wasmweb: %v\n", err)
		return 1
	}
	srv := netloop.NewServer(cfg.Server.NetloopConfig(), handler, s.tr)
	srv.SetLogger(log)
	srv.RegisterOnShutdown(s.h.Drain)

	var admin *http.Server
	if cfg.Server.Admin != "" {
		aln, err := host.ListenAdmin(cfg.Server)
		if err != nil {
			ln.Close()
			fmt.Fprintf(s.stderr, "wasmweb: admin: %v\n", err)
			return 1
		}
		admin = &http.Server{Handler: s.h.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go admin.Serve(aln)
		defer admin.Close()
		base := "http://" + aln.Addr().String()
		log.Info("wasmweb: admin", "status", base+"/status", "metrics", base+"/metrics", "healthz", base+"/healthz", "pprof", base+"/debug/pprof/")
	}

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	stopHUP := make(chan struct{})
	defer close(stopHUP)
	reloadOnHUP(s.h, log, stopHUP)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	attrs := []any{"config", s.what, "url", "http://" + ln.Addr().String() + "/", "transport", s.tr.Name()}
	if mode != "" {
		attrs = append(attrs, "mode", mode)
	}
	log.Info("wasmweb: serving", attrs...)

	select {
	case err := <-errc:
		log.Error("wasmweb: serving stopped", "err", err)
		return 1
	case sig := <-sigc:
		log.Info("wasmweb: shutting down; requests in progress may finish", "signal", sig.String(), "grace", st.grace)
		signal.Stop(sigc)
		if st.first != nil {
			st.first()
		}
		ctx, cancel := context.WithTimeout(context.Background(), st.grace)
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
