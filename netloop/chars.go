package netloop

// Character classes of RFC 9110 §5.6.2 and §5.5, as lookup tables.
var (
	tokenChar [256]bool // tchar
	valueChar [256]bool // field-vchar, SP and HTAB (obs-text included)
	hostChar  [256]bool // characters of uri-host and port, without pct-encoding
	uriChar   [256]bool // characters allowed in a request-target
	hexVal    [256]int8 // value of a HEXDIG, or -1
)

func init() {
	for c := 0; c < 256; c++ {
		hexVal[c] = -1
	}
	for c := '0'; c <= '9'; c++ {
		hexVal[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		hexVal[c] = int8(c - 'a' + 10)
		hexVal[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		tokenChar[c] = alnum || c < 128 && contains("!#$%&'*+-.^_`|~", byte(c))
		valueChar[c] = c == '\t' || c >= 0x20 && c != 0x7f
		hostChar[c] = alnum || c < 128 && contains("-._~!$&'()*+,;=:[]", byte(c))
		// RFC 3986 unreserved, sub-delims, gen-delims but '#', and '%'.
		uriChar[c] = alnum || c < 128 && contains("-._~!$&'()*+,;=:@/?%[]", byte(c))
	}
}

func contains(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

// ValidHeaderName reports whether name is a valid field name (a token).
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !tokenChar[name[i]] {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether value may be sent as a field value:
// no CR, LF, NUL or other control character but HTAB, and no leading or
// trailing whitespace.
func ValidHeaderValue(value string) bool {
	for i := 0; i < len(value); i++ {
		if !valueChar[value[i]] {
			return false
		}
	}
	n := len(value)
	return n == 0 || value[0] != ' ' && value[0] != '\t' && value[n-1] != ' ' && value[n-1] != '\t'
}
