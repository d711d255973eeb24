package host

import (
	"strings"

	"github.com/wasmweb/wasmweb/netloop"
)

// PluginOf names the site and plugin that would answer r: the site its
// Host picks, and the plugin of the first route whose path and method
// match. ok is false when no plugin would: no site, a path under the
// site's static prefix, or no route. It runs nothing and changes
// nothing; the development loop uses it to answer a plugin whose source
// does not build with the compiler's message.
func (h *Host) PluginOf(r *netloop.Request) (site, plugin string, ok bool) {
	s := h.sites.Load().byHost.Lookup(r.Host)
	if s == nil {
		return "", "", false
	}
	path := string(r.Path)
	if s.static != nil && strings.HasPrefix(path, s.static.Prefix()) {
		return "", "", false
	}
	for _, rt := range s.routes {
		if _, match, bad := rt.Pattern.Match(path, nil); bad || !match {
			if bad {
				return "", "", false
			}
			continue
		}
		if rt.Methods != nil && !rt.Methods[string(r.Method)] {
			continue
		}
		return s.name, rt.Plugin, true
	}
	return "", "", false
}
