package host

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"sort"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/netloop"
)

// arguments are a request's Tornado-style arguments: the query string and
// a form body, parsed once on first use.
type arguments struct {
	query map[string][]string
	body  map[string][]string
	files map[string][]upload
}

type upload struct {
	filename, contentType string
	body                  []byte
}

// maxMultipartParts bounds the parts of one multipart body.
const maxMultipartParts = 1000

func (c *call) arguments() *arguments {
	if c.args == nil {
		c.args = parseArguments(c.req)
	}
	return c.args
}

// parseArguments parses a request's query and form body.
func parseArguments(r *netloop.Request) *arguments {
	a := &arguments{query: parseQuery(string(r.Query)), body: map[string][]string{}, files: map[string][]upload{}}
	ct := string(r.Header("Content-Type"))
	if len(r.Body) > 0 && ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
		case mt == "application/x-www-form-urlencoded":
			a.body = parseQuery(string(r.Body))
		case mt == "multipart/form-data" && params["boundary"] != "":
			a.parseMultipart(r.Body, params["boundary"])
		}
	}
	return a
}

// parseQuery decodes a query, keeping what decodes when some pairs do
// not, as browsers' forms expect.
func parseQuery(q string) map[string][]string {
	m, _ := url.ParseQuery(q)
	if m == nil {
		m = map[string][]string{}
	}
	return m
}

func (a *arguments) parseMultipart(body []byte, boundary string) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for i := 0; i < maxMultipartParts; i++ {
		p, err := r.NextPart()
		if err != nil {
			return
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if fn := p.FileName(); fn != "" {
			a.files[name] = append(a.files[name], upload{fn, p.Header.Get("Content-Type"), data})
			continue
		}
		a.body[name] = append(a.body[name], string(data))
	}
}

func (a *arguments) values(source uint32, name string) ([]string, bool) {
	switch source {
	case abi.ArgsQuery:
		return a.query[name], true
	case abi.ArgsBody:
		return a.body[name], true
	case abi.ArgsAll:
		q, b := a.query[name], a.body[name]
		if len(b) == 0 {
			return q, true
		}
		return append(append([]string(nil), q...), b...), true
	}
	return nil, false
}

func (a *arguments) names(source uint32) ([]string, bool) {
	var maps []map[string][]string
	switch source {
	case abi.ArgsQuery:
		maps = append(maps, a.query)
	case abi.ArgsBody:
		maps = append(maps, a.body)
	case abi.ArgsAll:
		maps = append(maps, a.query, a.body)
	default:
		return nil, false
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out, true
}
