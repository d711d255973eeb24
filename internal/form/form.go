// Package form parses a request's Tornado-style arguments: the query
// string and an application/x-www-form-urlencoded or multipart/form-data
// body, with the files uploaded in it. The host and the SDK's test fake
// share it, so a plugin's tests see arguments as the host does.
//
// Where abi/ABI.md leaves details open it follows net/url and
// mime/multipart: a query pair with a bad escape or a semicolon is
// dropped, names are sorted, an uploaded file's name is reduced to its
// base name, and a part's Content-Type is passed on as sent, maybe empty.
// It reads no request: its caller hands it a body already read within
// the site's limits.
package form

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
)

// Arguments are a request's arguments and files. Immutable once parsed.
type Arguments struct {
	Query, Body map[string][]string
	Files       map[string][]File
}

// File is one uploaded file.
type File struct {
	Name, ContentType string
	Body              []byte
}

// MaxParts bounds the parts read from one multipart body.
const MaxParts = 1000

// Parse parses a query and, when contentType is a form's, a body.
func Parse(query, contentType string, body []byte) *Arguments {
	a := &Arguments{Query: parseQuery(query), Body: map[string][]string{}, Files: map[string][]File{}}
	if len(body) == 0 || contentType == "" {
		return a
	}
	mediatype, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
	case mediatype == "application/x-www-form-urlencoded":
		a.Body = parseQuery(string(body))
	case mediatype == "multipart/form-data" && params["boundary"] != "":
		a.parseMultipart(body, params["boundary"])
	}
	return a
}

// First returns the first value of argument name in the body, else in
// the query: what Parse's Body[name][0], else Query[name][0], would be,
// without building the maps. A check that needs one argument of every
// request (the XSRF token, say) reads it this way.
func First(query, contentType string, body []byte, name string) (string, bool) {
	if len(body) > 0 && contentType != "" {
		if contentType == urlencoded {
			if v, ok := firstInQuery(string(body), name); ok {
				return v, true
			}
		} else if mediatype, params, err := mime.ParseMediaType(contentType); err == nil {
			switch {
			case mediatype == urlencoded:
				if v, ok := firstInQuery(string(body), name); ok {
					return v, true
				}
			case mediatype == "multipart/form-data" && params["boundary"] != "":
				a := &Arguments{Body: map[string][]string{}, Files: map[string][]File{}}
				a.parseMultipart(body, params["boundary"])
				if v := a.Body[name]; len(v) > 0 {
					return v[0], true
				}
			}
		}
	}
	return firstInQuery(query, name)
}

const urlencoded = "application/x-www-form-urlencoded"

// firstPairs bounds the pairs firstInQuery reads itself; a longer query
// goes through url.ParseQuery, whose limit on pairs it then shares.
const firstPairs = 1000

// firstInQuery is parseQuery(q)[name][0], pair by pair: the same pairs
// are dropped (a semicolon, a bad escape in the name or the value).
func firstInQuery(q, name string) (string, bool) {
	if strings.Count(q, "&") >= firstPairs {
		if v := parseQuery(q)[name]; len(v) > 0 {
			return v[0], true
		}
		return "", false
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(key, "%+") {
			k, err := url.QueryUnescape(key)
			if err != nil {
				continue
			}
			key = k
		}
		if key != name {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			continue
		}
		return v, true
	}
	return "", false
}

// parseQuery keeps the pairs that decode when others do not, as browsers'
// forms expect.
func parseQuery(q string) map[string][]string {
	m, _ := url.ParseQuery(q)
	if m == nil {
		m = map[string][]string{}
	}
	return m
}

func (a *Arguments) parseMultipart(body []byte, boundary string) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for range MaxParts {
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
			a.Files[name] = append(a.Files[name], File{fn, p.Header.Get("Content-Type"), data})
			continue
		}
		a.Body[name] = append(a.Body[name], string(data))
	}
}

// Values returns the values of argument name in source (abi.ArgsQuery,
// ArgsBody, or ArgsAll: query values first); ok is false for another
// source.
func (a *Arguments) Values(source int32, name string) (vs []string, ok bool) {
	switch source {
	case abi.ArgsQuery:
		return a.Query[name], true
	case abi.ArgsBody:
		return a.Body[name], true
	case abi.ArgsAll:
		return append(slices.Clip(a.Query[name]), a.Body[name]...), true
	}
	return nil, false
}

// Names returns the distinct argument names of source, sorted; ok is false
// for an unknown source.
func (a *Arguments) Names(source int32) (names []string, ok bool) {
	var ms []map[string][]string
	switch source {
	case abi.ArgsQuery:
		ms = []map[string][]string{a.Query}
	case abi.ArgsBody:
		ms = []map[string][]string{a.Body}
	case abi.ArgsAll:
		ms = []map[string][]string{a.Query, a.Body}
	default:
		return nil, false
	}
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return names, true
}
