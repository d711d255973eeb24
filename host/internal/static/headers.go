package static

import (
	"strconv"
	"strings"
)

// etagMatch reports whether the If-None-Match list v matches etag under
// the weak comparison (RFC 9110 §13.1.2): "*" matches anything, and a W/
// prefix on either side is ignored. A malformed list stops the scan
// there, matching nothing further.
func etagMatch(v, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for {
		v = strings.TrimLeft(v, " \t,")
		if v == "" {
			return false
		}
		if v[0] == '*' {
			return true
		}
		v = strings.TrimPrefix(v, "W/")
		if v == "" || v[0] != '"' {
			return false
		}
		end := strings.IndexByte(v[1:], '"')
		if end < 0 {
			return false
		}
		if v[:end+2] == want {
			return true
		}
		v = v[end+2:]
	}
}

// byteRange is a satisfiable range of a file: start and length.
type byteRange struct {
	start, length int64
}

// rangeResult says what parseRange found.
type rangeResult int

const (
	rangeIgnore        rangeResult = iota // absent, malformed or several ranges: send the whole file
	rangeOK                               // one satisfiable range
	rangeUnsatisfiable                    // one range outside the file: 416
)

// parseRange parses a Range field against a file of size bytes. Only one
// range is served: a request for several gets the whole file with 200,
// which RFC 9110 §14.2 allows and which spares a multipart body that
// browsers never ask static files for. Malformed fields are ignored, as
// the RFC requires.
func parseRange(v string, size int64) (byteRange, rangeResult) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return byteRange{}, rangeIgnore
	}
	spec = strings.TrimSpace(spec)
	if strings.Contains(spec, ",") {
		return byteRange{}, rangeIgnore
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return byteRange{}, rangeIgnore
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		// Suffix range: the last n bytes.
		n, ok := parseDigits(last)
		if !ok {
			return byteRange{}, rangeIgnore
		}
		if n == 0 || size == 0 {
			return byteRange{}, rangeUnsatisfiable
		}
		n = min(n, size)
		return byteRange{start: size - n, length: n}, rangeOK
	}
	start, ok := parseDigits(first)
	if !ok {
		return byteRange{}, rangeIgnore
	}
	end := size - 1
	if last != "" {
		e, ok := parseDigits(last)
		if !ok || e < start {
			return byteRange{}, rangeIgnore
		}
		end = min(e, size-1)
	}
	if start >= size {
		return byteRange{}, rangeUnsatisfiable
	}
	return byteRange{start: start, length: end - start + 1}, rangeOK
}

// parseDigits parses a non-empty run of decimal digits that fits an
// int64.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// acceptQ returns the quality the Accept-Encoding field v gives coding:
// its own q-value if listed, else that of "*", else 0. A missing q is 1;
// a malformed q counts as 0.
func acceptQ(v, coding string) float64 {
	q, star := -1.0, -1.0
	for item := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		iq := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				iq = f
			}
		}
		switch {
		case strings.EqualFold(name, coding):
			q = max(q, iq)
		case name == "*":
			star = max(star, iq)
		}
	}
	if q >= 0 {
		return q
	}
	return max(star, 0)
}
