package dev

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"strings"

	"github.com/wasmweb/wasmweb/netloop"
)

// maxInflate bounds the gzipped HTML pages the handler unpacks to add
// its script to; larger ones (or a guest's gzip bomb) go out as they are.
const maxInflate = 8 << 20

// Handler returns the loop's front for its host: it answers ScriptPath
// and WaitPath, answers the routes of a plugin whose sources do not build
// with the compiler's message, and adds the live-reload script to the
// HTML pages the host answers. Everything else is the host's.
func (l *Loop) Handler() netloop.Handler {
	return netloop.HandlerFunc(l.serveHTTP)
}

func (l *Loop) serveHTTP(w *netloop.Response, r *netloop.Request) {
	switch string(r.Path) {
	case ScriptPath:
		w.SetHeader("Content-Type", "text/javascript; charset=utf-8")
		w.SetHeader("Cache-Control", "no-store")
		w.WriteString(script)
		return
	case WaitPath:
		l.reloads.wait(w, r)
		return
	}
	if site, plugin, ok := l.opt.Host.PluginOf(r); ok {
		if msg := l.Broken(site, plugin); msg != "" {
			writeBuildError(w, plugin, msg)
			inject(w, r, l.reloads.current())
			return
		}
	}
	l.opt.Host.ServeHTTP(w, r)
	inject(w, r, l.reloads.current())
}

// writeBuildError answers with the reason a plugin's code is not its
// sources', escaped.
func writeBuildError(w *netloop.Response, plugin, msg string) {
	w.Reset()
	w.SetStatus(500)
	w.SetHeader("Content-Type", "text/html; charset=utf-8")
	w.SetHeader("Cache-Control", "no-store")
	name := html.EscapeString(plugin)
	w.WriteString("<!DOCTYPE html>\n<html><head><title>wasmweb dev: " + name + " does not build</title></head>\n<body>\n" +
		"<h1>Plugin " + name + " does not build</h1>\n" +
		"<p>Its routes answer this page until its sources build again (wasmweb dev only).</p>\n" +
		"<pre>" + html.EscapeString(msg) + "</pre>\n</body></html>\n")
}

// inject adds the live-reload script, tagged with version, to an HTML
// page before its </body> (or at its end): a buffered answer with a
// body, not yet sent, whose Content-Security-Policy lets it load a
// script from its own origin and fetch from it. A gzipped page is
// unpacked and sent unpacked; other encodings are left alone.
func inject(w *netloop.Response, r *netloop.Request, version string) {
	if w.Sent() || r.IsHead() {
		return
	}
	if st := w.Status(); st < 200 || st == 204 || st == 304 {
		return
	}
	ct, _ := w.HeaderValue("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "text/html") {
		return
	}
	if csp, ok := w.HeaderValue("Content-Security-Policy"); ok && !cspAllowsScript(csp) {
		return
	}
	body := w.Body()
	gzipped := false
	if enc, ok := w.HeaderValue("Content-Encoding"); ok {
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return
		}
		var ok bool
		if body, ok = gunzip(body); !ok {
			return
		}
		gzipped = true
	}
	tag := `<script src="` + ScriptPath + `" data-v="` + version + `"></script>`
	out := make([]byte, 0, len(body)+len(tag)+1)
	if i := lastIndexFold(body, "</body>"); i >= 0 {
		out = append(append(append(out, body[:i]...), tag...), body[i:]...)
	} else {
		out = append(append(append(out, body...), tag...), '\n')
	}
	if gzipped {
		w.DelHeader("Content-Encoding")
	}
	w.DelHeader("ETag") // the validator was the page's without the script
	w.SetBody(out)
	w.SetContentLength(int64(len(out)))
}

// gunzip unpacks body, if it is at most maxInflate bytes unpacked.
func gunzip(body []byte) ([]byte, bool) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflate+1))
	if err != nil || len(out) > maxInflate {
		return nil, false
	}
	return out, true
}

// cspAllowsScript reports whether a Content-Security-Policy lets a page
// run a script from its own origin that fetches from it: script-src and
// connect-src (or default-src in their stead) allow 'self', and
// 'strict-dynamic' (which makes 'self' ignored) is absent. A policy this
// check does not understand counts as forbidding it.
func cspAllowsScript(csp string) bool {
	directives := map[string][]string{}
	for d := range strings.SplitSeq(csp, ";") {
		fields := strings.Fields(strings.ToLower(d))
		if len(fields) > 0 {
			if _, dup := directives[fields[0]]; !dup {
				directives[fields[0]] = fields[1:]
			}
		}
	}
	allows := func(name string) bool {
		srcs, ok := directives[name]
		if !ok {
			if srcs, ok = directives["default-src"]; !ok {
				return true
			}
		}
		self := false
		for _, s := range srcs {
			switch s {
			case "'strict-dynamic'":
				return false
			case "'self'", "*":
				self = true
			}
		}
		return self
	}
	if srcs, ok := directives["script-src-elem"]; ok {
		directives["script-src"] = srcs
	}
	return allows("script-src") && allows("connect-src")
}

// lastIndexFold returns the index of the last ASCII-case-insensitive
// occurrence of tag (lower case) in b, or -1.
func lastIndexFold(b []byte, tag string) int {
	for i := len(b) - len(tag); i >= 0; i-- {
		if b[i] == '<' && strings.EqualFold(string(b[i:i+len(tag)]), tag) {
			return i
		}
	}
	return -1
}
