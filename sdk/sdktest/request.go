package sdktest

import (
	"bytes"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// A Request is a request for Serve to hand to a handler. Build one with
// NewRequest and the With methods; each With method returns a changed copy
// and leaves its receiver as it was, so a Request can be a template for
// several tests. A Request is safe for concurrent use.
type Request struct {
	method       string
	target       string
	protocol     string
	remoteAddr   string
	routePattern string
	site         string
	hosts        []string // the site's host names, for cookies' Domain
	header       []headerField
	params       map[string]string
	accounts     map[string]string       // user name → password, for Login
	providers    []string                // sign-in providers, for LoginWith
	locale       localeSpec              // the site's languages and the host's clock
	kv           *KVStore                // the sites' key-value stores; nil: DefaultKV
	vars         map[string]string       // the site's variables, for Var
	upstreams    map[string]http.Handler // origin → handler, for Fetch

	// body is the body unless form or files are set, which build one.
	body  []byte
	form  url.Values
	files []formFile
}

type headerField struct{ name, value string }

type formFile struct {
	field, filename, contentType string
	body                         []byte
}

// NewRequest returns a request with the given method and request-target,
// such as "/posts?page=2", sent over HTTP/1.1 with the header
// "Host: example.com" from 192.0.2.1:1234 and no body, to DefaultSite.
func NewRequest(method, target string) *Request {
	return &Request{
		method:     method,
		target:     target,
		protocol:   "HTTP/1.1",
		remoteAddr: "192.0.2.1:1234",
		site:       DefaultSite,
		header:     []headerField{{"Host", "example.com"}},
	}
}

func (r *Request) clone() *Request {
	c := *r
	c.header = slices.Clone(r.header)
	c.hosts = slices.Clone(r.hosts)
	c.files = slices.Clone(r.files)
	if r.form != nil {
		c.form = url.Values{}
		for k, vs := range r.form {
			c.form[k] = slices.Clone(vs)
		}
	}
	if r.params != nil {
		c.params = make(map[string]string, len(r.params))
		for k, v := range r.params {
			c.params[k] = v
		}
	}
	c.accounts = maps.Clone(r.accounts)
	c.vars = maps.Clone(r.vars)
	c.upstreams = maps.Clone(r.upstreams)
	c.providers = slices.Clone(r.providers)
	c.locale = r.locale.clone()
	return &c
}

// WithHeader adds a request header field, after those of the same name.
// A Host field replaces the default one, since a request has one Host.
func (r *Request) WithHeader(name, value string) *Request {
	c := r.clone()
	if strings.EqualFold(name, "Host") {
		c.header = slices.DeleteFunc(c.header, func(f headerField) bool {
			return strings.EqualFold(f.name, "Host")
		})
	}
	c.header = append(c.header, headerField{name, value})
	return c
}

// WithBody sets the request body. It replaces what WithForm and WithFile
// set.
func (r *Request) WithBody(body []byte) *Request {
	c := r.clone()
	c.body, c.form, c.files = slices.Clone(body), nil, nil
	return c
}

// WithBodyString is WithBody for a string.
func (r *Request) WithBodyString(body string) *Request {
	return r.WithBody([]byte(body))
}

// WithForm adds form values to the body, which Serve encodes as
// application/x-www-form-urlencoded, or as multipart/form-data when there
// are files too, setting the Content-Type to match. It replaces a body set
// with WithBody.
func (r *Request) WithForm(values url.Values) *Request {
	c := r.clone()
	c.body = nil
	if c.form == nil {
		c.form = url.Values{}
	}
	for k, vs := range values {
		c.form[k] = append(c.form[k], vs...)
	}
	return c
}

// WithFile adds a file uploaded in form field field; the body becomes
// multipart/form-data with the form values and the files in the order
// added. It replaces a body set with WithBody.
func (r *Request) WithFile(field, filename, contentType string, body []byte) *Request {
	c := r.clone()
	c.body = nil
	c.files = append(c.files, formFile{field, filename, contentType, slices.Clone(body)})
	return c
}

// WithParam sets the path parameter name, as if the route's pattern had
// captured value.
func (r *Request) WithParam(name, value string) *Request {
	c := r.clone()
	if c.params == nil {
		c.params = map[string]string{}
	}
	c.params[name] = value
	return c
}

// WithRemoteAddr sets the client's address, "ip:port".
func (r *Request) WithRemoteAddr(addr string) *Request {
	c := r.clone()
	c.remoteAddr = addr
	return c
}

// WithRoutePattern sets the pattern of the route being served, such as
// "/posts/{id}". It is empty unless set.
func (r *Request) WithRoutePattern(pattern string) *Request {
	c := r.clone()
	c.routePattern = pattern
	return c
}

// WithSite sets the site the request is for, whose topics Publish and
// Wait use; sites do not see each other's topics. The default is
// DefaultSite. The site is not derived from the Host header: the real
// host maps hosts to sites with its configuration.
func (r *Request) WithSite(site string) *Request {
	c := r.clone()
	c.site = site
	return c
}

// WithHosts sets the host names the request's site serves, as its
// config's hosts lists them ("example.com", "*.example.com"). A cookie's
// Domain may be the request's host or a parent of it that they list
// (abi/ABI.md section 7.6); without them, the request's host alone. Never
// a public suffix: the fake, having no Public Suffix List, takes a
// domain's last label for its suffix, so it refuses Domain=com but not
// Domain=co.uk, which the host refuses too.
func (r *Request) WithHosts(hosts ...string) *Request {
	c := r.clone()
	c.hosts = slices.Clone(hosts)
	return c
}

// WithProtocol sets the protocol, "HTTP/1.1" (the default) or "HTTP/1.0".
func (r *Request) WithProtocol(protocol string) *Request {
	c := r.clone()
	c.protocol = protocol
	return c
}

// multipartBoundary is fixed so that bodies, and tests on them, are
// reproducible.
const multipartBoundary = "wasmweb-sdktest-3d6f1a0b9c2e"

// wire returns the header fields and body the host would receive.
func (r *Request) wire() ([]headerField, []byte) {
	header, body := slices.Clone(r.header), r.body
	var ctype string
	switch {
	case len(r.files) > 0:
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		if err := w.SetBoundary(multipartBoundary); err != nil {
			panic(err)
		}
		for _, k := range sortedKeys(r.form) {
			for _, v := range r.form[k] {
				if err := w.WriteField(k, v); err != nil {
					panic(err)
				}
			}
		}
		for _, f := range r.files {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(f.field)+
				`"; filename="`+quoteEscaper.Replace(f.filename)+`"`)
			if f.contentType != "" {
				h.Set("Content-Type", f.contentType)
			}
			pw, err := w.CreatePart(h)
			if err != nil {
				panic(err)
			}
			pw.Write(f.body)
		}
		w.Close()
		body, ctype = b.Bytes(), w.FormDataContentType()
	case r.form != nil:
		body, ctype = []byte(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	if ctype != "" {
		header = slices.DeleteFunc(header, func(f headerField) bool {
			return strings.EqualFold(f.name, "Content-Type")
		})
		header = append(header, headerField{"Content-Type", ctype})
	}
	if len(body) > 0 && !slices.ContainsFunc(header, func(f headerField) bool {
		return strings.EqualFold(f.name, "Content-Length") || strings.EqualFold(f.name, "Transfer-Encoding")
	}) {
		header = append(header, headerField{"Content-Length", strconv.Itoa(len(body))})
	}
	return header, body
}

// quoteEscaper escapes a quoted Content-Disposition parameter, as
// mime/multipart does.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
