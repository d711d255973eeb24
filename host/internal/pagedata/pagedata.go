// Package pagedata decodes the JSON data a guest passes to render
// (abi/ABI.md section 7.5) into the values templates see: what
// encoding/json decodes into an any, except that a number written as an
// integer that fits an int64 is a Integer. A float64 prints
// large integers in exponent form (1.796560501510596e+15, even 1e+06)
// and is inexact past 2^53; an Integer prints its digits, compares with
// a template's integer literals, and still formats as a float under
// printf's float verbs ("%.2f"), since JSON does not tell 18 from 18.0.
package pagedata

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Decode decodes one JSON value. Integers (no fraction, no exponent)
// that fit an int64 become Integers; every other number becomes the float64
// encoding/json would give. An integer past the int range stays a
// float64, not a uint64 or a json.Number: the compiled pages compare
// neither as html/template does (see RATIONALE.md).
func Decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid character after top-level value")
	}
	return numbers(v)
}

// numbers replaces the json.Numbers in v, in place.
func numbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		return number(string(x))
	case map[string]any:
		for k, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	}
	return v, nil
}

func number(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Integer(i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	if errors.Is(err, strconv.ErrRange) {
		// encoding/json refuses a number out of float64's range.
		return nil, errors.New("json: cannot unmarshal number " + s + " into Go value of type float64")
	}
	return f, nil
}
