package sdktest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"

	"github.com/wasmweb/wasmweb/abi"
)

// arguments are a request's arguments and files, parsed as the host
// parses them where ABI.md leaves the details open: net/url's query rules
// (a pair with a bad escape or a semicolon is dropped), argument names
// sorted, and mime/multipart's part rules (a file name is reduced to its
// base name; a part's Content-Type is passed on as sent, possibly empty).
type arguments struct {
	query, body map[string][]string
	files       map[string][]upload
}

type upload struct {
	filename, contentType string
	body                  []byte
}

// maxMultipartParts bounds the parts of one multipart body, as the host
// does.
const maxMultipartParts = 1000

func parseArguments(query, contentType string, body []byte) *arguments {
	a := &arguments{query: parseQuery(query), body: map[string][]string{}, files: map[string][]upload{}}
	if len(body) == 0 || contentType == "" {
		return a
	}
	mediatype, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
	case mediatype == "application/x-www-form-urlencoded":
		a.body = parseQuery(string(body))
	case mediatype == "multipart/form-data" && params["boundary"] != "":
		a.parseMultipart(body, params["boundary"])
	}
	return a
}

// parseQuery keeps the pairs that decode when others do not.
func parseQuery(q string) map[string][]string {
	m, _ := url.ParseQuery(q)
	if m == nil {
		m = map[string][]string{}
	}
	return m
}

func (a *arguments) parseMultipart(body []byte, boundary string) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxMultipartParts {
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

// values returns the values of argument name in source, query values
// first; ok is false for an unknown source.
func (a *arguments) values(source int32, name string) (vs []string, ok bool) {
	switch source {
	case abi.ArgsQuery:
		return a.query[name], true
	case abi.ArgsBody:
		return a.body[name], true
	case abi.ArgsAll:
		return append(slices.Clip(a.query[name]), a.body[name]...), true
	}
	return nil, false
}

// names returns the distinct argument names of source, sorted; ok is
// false for an unknown source.
func (a *arguments) names(source int32) (names []string, ok bool) {
	var ms []map[string][]string
	switch source {
	case abi.ArgsQuery:
		ms = []map[string][]string{a.query}
	case abi.ArgsBody:
		ms = []map[string][]string{a.body}
	case abi.ArgsAll:
		ms = []map[string][]string{a.query, a.body}
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
