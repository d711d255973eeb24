package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/wasmweb/wasmweb/sdk"
)

func init() {
	sdk.Handle("var", varValue)
	sdk.Handle("fetch", fetch)
}

// varValue answers the value of the site's variable ?name=, or
// "not-found".
func varValue(c *sdk.Context) {
	v, ok := c.Var(query(c).Get("name"))
	if !ok {
		c.WriteString("not-found")
		return
	}
	c.WriteString(v)
}

// fetchResult is the fetch handler's answer.
type fetchResult struct {
	Status      int        `json:"status,omitempty"`
	Error       string     `json:"error,omitempty"` // denied, invalid, too-large, unavailable, not-found
	ContentType string     `json:"content_type,omitempty"`
	BodyLen     int        `json:"body_len"`
	BodySHA     string     `json:"body_sha,omitempty"`
	Header      sdk.Header `json:"header,omitempty"`
	Body        string     `json:"body,omitempty"`
}

// fetch fetches ?url= with ?method= (GET when absent), the header field
// ?hname= = ?hvalue= when given, ?body= as the body, and the signed-in
// user's token of the provider ?provider= when given, and answers a
// fetchResult as JSON; ?show=1 adds the response's header and body.
func fetch(c *sdk.Context) {
	q := query(c)
	req := sdk.FetchRequest{Method: q.Get("method"), URL: q.Get("url"), Header: sdk.Header{}}
	if n := q.Get("hname"); n != "" {
		req.Header[n] = []string{q.Get("hvalue")}
	}
	if b := q.Get("body"); b != "" {
		req.Body = []byte(b)
	}
	var opts []sdk.FetchOption
	if p, ok := q["provider"]; ok {
		opts = append(opts, sdk.WithProviderToken(p[0]))
	}
	var res fetchResult
	resp, err := c.Fetch(req, opts...)
	switch {
	case err == nil:
		sum := sha256.Sum256(resp.Body)
		res = fetchResult{Status: resp.Status, ContentType: resp.Header.Get("Content-Type"), BodyLen: len(resp.Body),
			BodySHA: hex.EncodeToString(sum[:])}
		if q.Get("show") != "" {
			res.Header, res.Body = resp.Header, string(resp.Body)
		}
	case errors.Is(err, sdk.ErrNotFound):
		res.Error = "not-found"
	case errors.Is(err, sdk.ErrDenied):
		res.Error = "denied"
	case errors.Is(err, sdk.ErrInvalid):
		res.Error = "invalid"
	case errors.Is(err, sdk.ErrTooLarge):
		res.Error = "too-large"
	case errors.Is(err, sdk.ErrUnavailable):
		res.Error = "unavailable"
	default:
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	c.Write(b)
}
