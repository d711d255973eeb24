package hostfuncs

import (
	"bytes"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
)

// The request functions (abi/ABI.md section 7.2).

func reqGet(c *Call, field int32) (string, int32) {
	r := c.req
	switch field {
	case abi.FieldMethod:
		return view(r.Method), 0
	case abi.FieldTarget:
		return view(r.Target), 0
	case abi.FieldPath:
		return view(r.Path), 0
	case abi.FieldQuery:
		return view(r.Query), 0
	case abi.FieldHost:
		return view(r.Host), 0
	case abi.FieldRemoteAddr:
		if r.RemoteAddr == nil {
			return "", 0
		}
		return r.RemoteAddr.String(), 0
	case abi.FieldProtocol:
		if r.ProtoMinor == 0 {
			return "HTTP/1.0", 0
		}
		return "HTTP/1.1", 0
	case abi.FieldBody:
		return view(r.Body), 0
	case abi.FieldHandler:
		return c.route.Handler, 0
	case abi.FieldRequestID:
		return c.RequestID(), 0
	case abi.FieldRoutePattern:
		return c.route.Pattern.String(), 0
	}
	return "", abi.ErrInvalid
}

func reqHeader(c *Call, name []byte, index int32) (string, int32) {
	for _, f := range c.req.Fields() {
		if len(f.Name) == len(name) && bytes.EqualFold(f.Name, name) {
			if index == 0 {
				return view(f.Value), 0
			}
			index--
		}
	}
	return "", abi.ErrNotFound
}

func reqHeaderNames(c *Call) (string, int32) {
	var out []byte
	seen := make(map[string]bool, len(c.req.Fields()))
	for _, f := range c.req.Fields() {
		n := strings.ToLower(string(f.Name))
		if !seen[n] {
			seen[n] = true
			out = append(append(out, n...), 0)
		}
	}
	return view(out), 0
}

func reqParam(c *Call, name []byte) (string, int32) {
	for _, p := range c.params {
		if p.Name == string(name) {
			return p.Value, 0
		}
	}
	return "", abi.ErrNotFound
}

func reqArg(c *Call, source int32, name string, index int32) (string, int32) {
	vals, ok := c.arguments().Values(source, name)
	switch {
	case !ok:
		return "", abi.ErrInvalid
	case index < 0 || int(index) >= len(vals):
		return "", abi.ErrNotFound
	}
	return vals[index], 0
}

func reqArgNames(c *Call, source int32) (string, int32) {
	names, ok := c.arguments().Names(source)
	if !ok {
		return "", abi.ErrInvalid
	}
	var out []byte
	for _, n := range names {
		out = append(append(out, n...), 0)
	}
	return view(out), 0
}

func reqFile(c *Call, name string, index, part int32) (string, int32) {
	files := c.arguments().Files[name]
	if index < 0 || int(index) >= len(files) {
		return "", abi.ErrNotFound
	}
	f := files[index]
	switch part {
	case abi.FileName:
		return f.Name, 0
	case abi.FileType:
		return f.ContentType, 0
	case abi.FileBody:
		return view(f.Body), 0
	}
	return "", abi.ErrInvalid
}
