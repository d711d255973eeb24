// Package dev is wasmweb dev's development loop: it watches the sources
// of a running host's plugins and the files of its sites, rebuilds a
// plugin when its sources change and swaps the new code in, shows a
// build's errors in the terminal and on the plugin's pages, and makes
// open browsers reload after a change. Only `wasmweb dev` builds a Loop;
// `wasmweb serve` serves the host itself, so none of this (the error
// pages, the injected script, the /_wasmweb/dev/ paths) can reach it.
// The package is not internal so that the end-to-end tests can drive a
// browser against it.
package dev

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// Host is what the loop needs of the server it develops: *host.Host.
type Host interface {
	netloop.Handler
	PluginOf(r *netloop.Request) (site, plugin string, ok bool)
	SwapPluginWith(ctx context.Context, site, plugin string, wasm []byte, from string, opt host.SwapOptions) (host.Swap, error)
}

var _ Host = (*host.Host)(nil)

// Plugin is a plugin built from Go sources: the loop rebuilds it when a
// file in Dir changes.
type Plugin struct {
	Site, Name string
	Dir        string // its source directory
}

// SourcePlugins returns the plugins of cfg whose path is a directory of
// Go sources. Call it before config.Config.BuildPlugins, which replaces
// those paths with the .wasm files built from them.
func SourcePlugins(cfg config.Config) []Plugin {
	var ps []Plugin
	for _, s := range cfg.Sites {
		for name, p := range s.Plugins {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				ps = append(ps, Plugin{Site: s.Name, Name: name, Dir: p})
			}
		}
	}
	return ps
}

// Options configure a Loop.
type Options struct {
	// Host is the server whose plugins are swapped.
	Host Host
	// Plugins are the plugins built from sources (SourcePlugins).
	Plugins []Plugin
	// Config is the config file, watched for changes; "" for none.
	Config string
	// Sites are the config's sites, whose static, templates and locale
	// directories are watched.
	Sites []config.Site
	// Out is the terminal: one line per change, and the compiler's
	// messages.
	Out io.Writer
	// WorkDir is where the user stands: paths are printed relative to it.
	// Default: the working directory.
	WorkDir string
	// Debounce is how long the files must stay quiet after a change
	// before the loop acts on it, so that an editor's burst of writes
	// and renames is one change. Default 40 ms: an editor's writes come
	// within a few milliseconds, and every millisecond here delays the
	// change being served.
	Debounce time.Duration
	// Build compiles the plugin in dir and returns its .wasm file,
	// writing the compiler's output to out. Default build.Build.
	Build func(ctx context.Context, dir string, out io.Writer) (string, error)
	// Broken are the plugins whose sources did not build at start, which
	// serve an older build meanwhile, with the builder's output: their
	// routes answer it until a change makes them build.
	Broken map[Plugin]string
	// ReloadSite applies a change to a site's templates or translations
	// (site is the site's name) or, with site "", to the config file,
	// without a restart. Nil makes the loop say that a restart is needed.
	ReloadSite func(ctx context.Context, site string) error
}

// Loop is a running development loop. Start it with Start; it is safe
// for concurrent use.
type Loop struct {
	opt     Options
	w       *fsnotify.Watcher
	plugins []*pluginState
	work    chan *pluginState // plugins queued for a build, each at most once
	reloads *reloads
	stop    context.CancelFunc
	done    chan struct{}
	closing sync.Once

	mu      sync.Mutex
	broken  map[string]string // "site/plugin" -> why its code is not the sources'; mu guards
	timers  map[string]*time.Timer
	changed map[string]string // timer key -> the last path that changed
	builds  int               // builds started, for tests
	running bool              // a build runs
	waiting int               // debounce timers set and not yet fired
	last    string            // the path of the last event looked at
	// stopCompile cancels the compile running in the background, if
	// any: a change is coming, whose build it would only slow down.
	stopCompile context.CancelFunc
}

type pluginState struct {
	Plugin
	key     string // "site/plugin"
	dir     string // Dir, absolute and clean
	queued  bool   // in work; Loop.mu guards
	lastSum [sha256.Size]byte

	// The build that serves interpreted, until it is compiled: its
	// module, where it came from and its generation. Only the builder
	// uses them.
	pending    []byte
	pendingGen uint64
	from       string
}

// Start watches the files of opt and runs the loop until ctx ends or
// Close is called.
func Start(ctx context.Context, opt Options) (*Loop, error) {
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.WorkDir == "" {
		opt.WorkDir, _ = os.Getwd()
	}
	if opt.Debounce <= 0 {
		opt.Debounce = 40 * time.Millisecond
	}
	if opt.Build == nil {
		opt.Build = build.Build
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("dev: watch: %w", err)
	}
	l := &Loop{opt: opt, w: w, reloads: newReloads(), done: make(chan struct{}),
		broken: map[string]string{}, timers: map[string]*time.Timer{}, changed: map[string]string{}}
	l.work = make(chan *pluginState, len(opt.Plugins))
	fail := func(err error) (*Loop, error) {
		w.Close()
		return nil, fmt.Errorf("dev: watch: %w", err)
	}
	for _, p := range opt.Plugins {
		dir, err := filepath.Abs(p.Dir)
		if err != nil {
			return fail(err)
		}
		ps := &pluginState{Plugin: p, key: p.Site + "/" + p.Name, dir: dir}
		l.plugins = append(l.plugins, ps)
		if out, ok := opt.Broken[p]; ok {
			l.broken[ps.key] = compilerOutput(out)
		}
		if err := w.Add(dir); err != nil {
			return fail(fmt.Errorf("%s: %w", p.Dir, err))
		}
	}
	if opt.Config != "" {
		// The directory, not the file: editors replace a file by renaming
		// another over it, which ends a watch on the file itself.
		if err := w.Add(filepath.Dir(opt.Config)); err != nil {
			return fail(err)
		}
	}
	for _, s := range opt.Sites {
		for _, dir := range []string{s.Static.Dir, s.Templates.Dir, s.Locale.Dir} {
			if dir != "" {
				if err := l.addTree(dir); err != nil {
					return fail(err)
				}
			}
		}
	}
	ctx, l.stop = context.WithCancel(ctx)
	go l.watch(ctx)
	go l.builder(ctx)
	go l.reloads.expire(ctx)
	return l, nil
}

// Close stops the loop and answers the browsers waiting for a change.
func (l *Loop) Close() error {
	var err error
	l.closing.Do(func() {
		l.stop()
		err = l.w.Close()
		<-l.done
		l.reloads.close()
		l.mu.Lock()
		for _, t := range l.timers {
			t.Stop()
		}
		l.mu.Unlock()
	})
	return err
}

// addTree watches dir and the directories below it.
func (l *Loop) addTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return l.w.Add(path)
		}
		return nil
	})
}

// watch turns file events into debounced work.
func (l *Loop) watch(ctx context.Context) {
	defer close(l.done)
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-l.w.Errors:
			if !ok {
				return
			}
			fmt.Fprintf(l.opt.Out, "dev: watching files: %v\n", err)
		case ev, ok := <-l.w.Events:
			if !ok {
				return
			}
			l.event(ev)
		}
	}
}

// event files one change under the timer of what it changes.
func (l *Loop) event(ev fsnotify.Event) {
	if ev.Op == fsnotify.Chmod || scratch(filepath.Base(ev.Name)) {
		return
	}
	path := ev.Name
	l.mu.Lock()
	l.last = path
	l.mu.Unlock()
	dir := filepath.Dir(path)
	for _, p := range l.plugins {
		if dir == p.dir && !buildOutput(filepath.Base(path)) {
			l.later("plugin:"+p.key, path, func() { l.enqueue(p) })
		}
	}
	if l.opt.Config != "" && sameFile(path, l.opt.Config) {
		l.later("site:", path, func() { l.siteChanged("") })
	}
	for _, s := range l.opt.Sites {
		if within(path, s.Static.Dir) {
			l.later("static", path, l.staticChanged)
		}
		if within(path, s.Templates.Dir) || within(path, s.Locale.Dir) {
			name := s.Name
			l.later("site:"+name, path, func() { l.siteChanged(name) })
		}
		if ev.Has(fsnotify.Create) && (within(path, s.Static.Dir) || within(path, s.Templates.Dir) || within(path, s.Locale.Dir)) {
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				l.addTree(path)
			}
		}
	}
}

// later runs f once the files under key have been quiet for the
// debounce time.
func (l *Loop) later(key, path string, f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopCompile != nil {
		l.stopCompile()
	}
	l.changed[key] = path
	if t, ok := l.timers[key]; ok {
		if !t.Reset(l.opt.Debounce) {
			l.waiting++ // it had fired: it fires again
		}
		return
	}
	l.waiting++
	l.timers[key] = time.AfterFunc(l.opt.Debounce, func() {
		f() // first: a build is queued before the change stops waiting
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	})
}

// lastChanged returns the last path that changed under key.
func (l *Loop) lastChanged(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rel(l.changed[key])
}

// enqueue asks for a build of p, unless one is already waiting: however
// many changes come while a build runs, one more build follows it.
func (l *Loop) enqueue(p *pluginState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.queued {
		return
	}
	p.queued = true
	l.work <- p // never blocks: each plugin is in work at most once
	if l.stopCompile != nil {
		l.stopCompile()
	}
}

// builder builds the queued plugins one at a time.
func (l *Loop) builder(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-l.work:
			l.mu.Lock()
			p.queued = false
			l.builds++
			l.running = true
			l.mu.Unlock()
			l.rebuild(ctx, p)
			for _, p := range l.plugins {
				if p.pending != nil {
					l.compile(ctx, p)
				}
			}
			l.mu.Lock()
			l.running = false
			l.mu.Unlock()
		}
	}
}

// rebuild builds p and swaps the result in, interpreted, which is
// quicker than compiling it: compile swaps in the compiled code later.
// On failure it marks p broken, so that its routes answer the reason.
func (l *Loop) rebuild(ctx context.Context, p *pluginState) {
	start := time.Now()
	var out bytes.Buffer
	wasm, err := l.opt.Build(ctx, p.Dir, &out)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		msg := compilerOutput(out.String())
		if msg == "" {
			msg = err.Error()
		}
		l.fail(p, "does not build", msg)
		return
	}
	built := time.Since(start)
	b, err := os.ReadFile(wasm)
	if err != nil {
		l.fail(p, "does not build", err.Error())
		return
	}
	sum := sha256.Sum256(b)
	l.mu.Lock()
	_, wasBroken := l.broken[p.key]
	l.mu.Unlock()
	if sum == p.lastSum && !wasBroken {
		fmt.Fprintf(l.opt.Out, "dev: %s: rebuilt, same code as it serves\n", p.Name)
		return
	}
	sw, err := l.opt.Host.SwapPluginWith(ctx, p.Site, p.Name, b, l.rel(wasm), host.SwapOptions{Interpreted: true})
	if err != nil {
		var se *host.SwapError
		if errors.As(err, &se) {
			l.fail(p, "built but was refused: "+se.Cause, se.Err.Error())
		} else {
			l.fail(p, "built but was not swapped in", err.Error())
		}
		return
	}
	p.lastSum = sum
	p.pending, p.pendingGen, p.from = b, sw.Generation, l.rel(wasm)
	l.mu.Lock()
	delete(l.broken, p.key)
	l.mu.Unlock()
	fmt.Fprintf(l.opt.Out, "dev: %s: swapped in generation %d in %s (build %s, load %s, interpreted)\n",
		p.Name, sw.Generation, round(time.Since(start)), round(built), round(sw.Load))
	l.reloads.bump()
}

// compile swaps in the compiled code of p's build that serves
// interpreted, unless a change comes first: then it stops, and the next
// build replaces the module, or, if it makes the same one, compile tries
// again. The page needs no reload: it is the same code.
func (l *Loop) compile(ctx context.Context, p *pluginState) {
	// A build is queued: it comes first. Once compile has set
	// stopCompile, a change (later) or a queued build (enqueue) cancels
	// it.
	l.mu.Lock()
	if len(l.work) > 0 {
		l.mu.Unlock()
		return
	}
	cctx, cancel := context.WithCancel(ctx)
	l.stopCompile = cancel
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.stopCompile = nil
		l.mu.Unlock()
		cancel()
	}()
	start := time.Now()
	sw, err := l.opt.Host.SwapPluginWith(cctx, p.Site, p.Name, p.pending, p.from,
		host.SwapOptions{IfGeneration: p.pendingGen, CompileWorkers: runtime.GOMAXPROCS(0), Cancelable: true})
	switch {
	case err == nil:
		fmt.Fprintf(l.opt.Out, "dev: %s: generation %d compiled and swapped in, in %s\n", p.Name, sw.Generation, round(time.Since(start)))
	case cctx.Err() != nil:
		return // p stays pending
	case errors.Is(err, host.ErrSuperseded):
		// Another change (a reload of the config file) replaced it.
	default:
		fmt.Fprintf(l.opt.Out, "dev: %s: not compiled; it goes on running interpreted: %v\n", p.Name, err)
	}
	p.pending = nil
}

// fail marks p broken and says why, once, in the terminal; open pages
// reload to show it.
func (l *Loop) fail(p *pluginState, what, msg string) {
	l.mu.Lock()
	l.broken[p.key] = msg
	l.mu.Unlock()
	fmt.Fprintf(l.opt.Out, "dev: %s %s; its routes answer this error until it does:\n%s", p.Name, what, msg)
	if !strings.HasSuffix(msg, "\n") {
		fmt.Fprintln(l.opt.Out)
	}
	l.reloads.bump()
}

// Broken returns why the code of site's plugin is not what its sources
// say (their build failed, or the host refused the result), or "" when
// it is.
func (l *Loop) Broken(site, plugin string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.broken[site+"/"+plugin]
}

// Builds returns how many builds the loop has started.
func (l *Loop) Builds() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.builds
}

// idle reports whether the loop has nothing to do: no build running or
// queued, no change waiting out its debounce, and the last event it
// looked at was for path.
func (l *Loop) idle(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last != path || l.running || l.waiting > 0 {
		return false
	}
	// Queued, not len(l.work): the builder takes a plugin from work
	// before it can say it runs, but clears queued and sets running in
	// one step.
	for _, p := range l.plugins {
		if p.queued {
			return false
		}
	}
	return true
}

// staticChanged makes open pages reload: the host serves static files
// from the disk, so nothing else is needed.
func (l *Loop) staticChanged() {
	fmt.Fprintf(l.opt.Out, "dev: %s changed\n", l.lastChanged("static"))
	l.reloads.bump()
}

// siteChanged applies a change to a site's files (site "": the config
// file) through ReloadSite, or says that a restart is needed.
func (l *Loop) siteChanged(site string) {
	path := l.lastChanged("site:" + site)
	if l.opt.ReloadSite == nil {
		fmt.Fprintf(l.opt.Out, "dev: %s changed; restart wasmweb dev to apply it\n", path)
		return
	}
	if err := l.opt.ReloadSite(context.Background(), site); err != nil {
		fmt.Fprintf(l.opt.Out, "dev: %s changed, not applied; the server keeps what it had: %v\n", path, err)
		return
	}
	fmt.Fprintf(l.opt.Out, "dev: %s changed; applied\n", path)
	l.reloads.bump()
}

// compilerOutput is the go command's output from a build, without the
// builder's own progress lines. The builder has made its file names
// relative to the working directory already.
func compilerOutput(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "wasmweb: build") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// rel returns path relative to the working directory when it lies
// below it, else as it is.
func (l *Loop) rel(path string) string {
	if r, err := filepath.Rel(l.opt.WorkDir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// scratch reports whether a file name is an editor's temporary or
// backup file, whose changes are not the user's.
func scratch(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "#") || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swx") || name == "4913"
}

// buildOutput reports whether a file name in a plugin's directory is
// the go command's: the .wasm it writes, and the file it makes beside it
// to learn the umask (<output>-go-tmp-umask), which would otherwise make
// every build start another.
func buildOutput(name string) bool {
	return strings.HasSuffix(name, ".wasm") || strings.HasSuffix(name, "-go-tmp-umask")
}

func within(path, dir string) bool {
	if dir == "" {
		return false
	}
	r, err := filepath.Rel(dir, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, "../")
}

func sameFile(a, b string) bool {
	a, _ = filepath.Abs(a)
	b, _ = filepath.Abs(b)
	return a == b
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
