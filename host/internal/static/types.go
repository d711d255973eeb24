package static

import (
	"mime"
	"path"
	"strings"
)

// builtinTypes are the types of the files a site ships most, fixed here
// so that responses do not depend on the machine's mime database.
var builtinTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".htm":  "text/html; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".txt":  "text/plain; charset=utf-8",
	".wasm": "application/wasm",
}

// contentType returns the Content-Type for name from its extension; text
// types without a charset get UTF-8. Unknown extensions are
// application/octet-stream, which nosniff keeps from being guessed at.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := builtinTypes[ext]; ok {
		return t
	}
	t := mime.TypeByExtension(ext)
	if t == "" {
		return "application/octet-stream"
	}
	if strings.HasPrefix(t, "text/") && !strings.Contains(t, "charset") {
		t += "; charset=utf-8"
	}
	return t
}
