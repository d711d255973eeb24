package abikit

// The JSON bodies of the guest's handlers; guest/README.md describes
// them. They are declared again here, not imported, so that the runner
// does not link the guest.

// RequestInfo is the body of the request handler.
type RequestInfo struct {
	Method       string              `json:"method"`
	Target       string              `json:"target"`
	Path         string              `json:"path"`
	Query        string              `json:"query"`
	Host         string              `json:"host"`
	RemoteAddr   string              `json:"remote_addr"`
	Protocol     string              `json:"protocol"`
	Handler      string              `json:"handler"`
	RequestID    string              `json:"request_id"`
	RoutePattern string              `json:"route_pattern"`
	BodyLen      int                 `json:"body_len"`
	BodySHA256   string              `json:"body_sha256"`
	HeaderNames  []string            `json:"header_names"`
	Headers      map[string][]string `json:"headers"`
	Lookup       map[string][]string `json:"lookup"`
	Params       map[string]*string  `json:"params"`
}

// ArgsInfo is the body of the args handler.
type ArgsInfo struct {
	Names    []string              `json:"names"`
	Query    map[string][]string   `json:"query"`
	Body     map[string][]string   `json:"body"`
	All      map[string][]string   `json:"all"`
	Last     map[string]string     `json:"last"`
	Files    map[string][]FileInfo `json:"files"`
	Required string                `json:"required,omitempty"`
}

// FileInfo describes one uploaded file in ArgsInfo.
type FileInfo struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// rawOutput is one value the raw handler read under the (buf, buf_limit)
// -> len rule.
type rawOutput struct {
	Len0           int32  `json:"len0"`
	Short          int32  `json:"short"`
	ShortUntouched bool   `json:"short_untouched"`
	Len            int32  `json:"len"`
	Value          string `json:"value"`
}

// rawOutputs is the body of the raw handler's "outputs" case.
type rawOutputs struct {
	Fields          map[string]rawOutput `json:"fields"`
	Field11         int32                `json:"field_11"`
	FieldNeg        int32                `json:"field_neg"`
	HeaderXA1       rawOutput            `json:"header_x_a_1"`
	HeaderXA2       int32                `json:"header_x_a_2"`
	HeaderNeg       int32                `json:"header_neg"`
	HeaderMissing   int32                `json:"header_missing"`
	HeaderNames     rawOutput            `json:"header_names"`
	ParamP          rawOutput            `json:"param_p"`
	ParamMissing    int32                `json:"param_missing"`
	ArgRaw          rawOutput            `json:"arg_raw"`
	ArgBad          int32                `json:"arg_bad"`
	ArgNeg          int32                `json:"arg_neg"`
	ArgSource0      int32                `json:"arg_source_0"`
	ArgSource4      int32                `json:"arg_source_4"`
	ArgNamesAll     rawOutput            `json:"arg_names_all"`
	ArgNamesSource0 int32                `json:"arg_names_source_0"`
	FileMissing     int32                `json:"file_missing"`
	Features        int64                `json:"features"`
}

// out is the rawOutput of a value read correctly.
func out(v string) rawOutput {
	n := int32(len(v))
	return rawOutput{Len0: n, Short: n, ShortUntouched: true, Len: n, Value: v}
}
