package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/cmd/wasmweb/dev"
	"github.com/wasmweb/wasmweb/host/config"
)

const devUsage = `Usage: wasmweb dev [--config FILE] [--listen ADDR] [--transport netpoll|std] [--admin ADDR]
                   [--cache-dir DIR] [--shutdown-timeout D]

Serves like wasmweb serve (the same flags and signals), for development:
it watches each plugin whose config names a Go source directory and,
when a file there changes, rebuilds the plugin and swaps the new code in
with no restart and no failed request: at once in wazero's interpreter,
then, compiled in the background, as machine code. A build error is
printed here and, until it is fixed, the plugin's routes answer a page
with the compiler's message. HTML pages get a small script that reloads
them after a change (` + dev.ScriptPath + `). Changes to static files
reload open pages; a change to the config file reloads it, as SIGHUP
does, and one to a site's templates or translations rebuilds that site.
--shutdown-timeout defaults to 1s.

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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sources []dev.Plugin
	// A plugin that does not build but was built before starts with that
	// build, and its routes answer the compiler's message until it is
	// fixed: serve would not start at all.
	broken := map[dev.Plugin]string{}
	s, code := newServer(o, stderr, func(cfg *config.Config) error {
		sources = dev.SourcePlugins(*cfg)
		return cfg.BuildPlugins(func(dir string) (string, error) {
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
	})
	if s == nil {
		return code
	}
	defer s.close()
	h := s.h
	h.SetConfigFile(s.configPath, func(dir string) (string, error) { return build.Ensure(ctx, dir, stdout) })
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
	loop, err := dev.Start(ctx, dev.Options{Host: h, Plugins: sources, Broken: broken, Config: s.configPath, Sites: s.cfg.Sites, Out: stdout, ReloadSite: reloadSite})
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb: %v\n", err)
		return 1
	}
	defer loop.Close()
	fmt.Fprintf(stdout, "wasmweb dev: watching %d plugin source directories; save a file to rebuild, Ctrl-C to stop\n", len(sources))
	// Development: little grace to wait out, but let the answers being
	// written go; the loop answers the browsers waiting for a change.
	grace := time.Second
	if o.shutdownTimeout > 0 {
		grace = o.shutdownTimeout
	}
	return s.serve(loop.Handler(), "dev", stop{grace: grace, first: func() { loop.Close() }})
}
