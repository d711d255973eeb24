package pagedata

import "strconv"

// AppendJSON appends p as JSON to b and returns the extended slice: the
// same object json.Marshal(p) gives once decoded (same keys, values and
// order of lists), built without reflection. The guest's second route
// sends it with Render(name, json.RawMessage(...)); in Wasm it is many
// times faster than encoding/json.
func (p *Page) AppendJSON(b []byte) []byte {
	b = append(b, `{"Store":{"Name":`...)
	b = appendString(b, p.Store.Name)
	b = append(b, `,"URL":`...)
	b = appendString(b, p.Store.URL)
	b = append(b, `},"Heading":`...)
	b = appendString(b, p.Heading)
	b = append(b, `,"Query":`...)
	b = appendString(b, p.Query)
	b = append(b, `,"Currency":`...)
	b = appendString(b, p.Currency)
	b = append(b, `,"User":{"Name":`...)
	b = appendString(b, p.User.Name)
	b = append(b, `,"Cart":`...)
	b = strconv.AppendInt(b, int64(p.User.Cart), 10)
	b = append(b, `,"SignedIn":`...)
	b = strconv.AppendBool(b, p.User.SignedIn)
	b = append(b, `,"Greetings":`...)
	b = appendString(b, p.User.Greetings)
	b = append(b, `},"Nav":`...)
	if p.Nav == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range p.Nav {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Label":`...)
			b = appendString(b, l.Label)
			b = append(b, `,"URL":`...)
			b = appendString(b, l.URL)
			b = append(b, `,"Active":`...)
			b = strconv.AppendBool(b, l.Active)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"Items":`...)
	if p.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = p.Items[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"Notice":`...)
	b = appendString(b, p.Notice)
	b = append(b, `,"Year":`...)
	b = strconv.AppendInt(b, int64(p.Year), 10)
	return append(b, '}')
}

func (it *Item) appendJSON(b []byte) []byte {
	b = append(b, `{"ID":`...)
	b = strconv.AppendInt(b, int64(it.ID), 10)
	b = append(b, `,"Slug":`...)
	b = appendString(b, it.Slug)
	b = append(b, `,"Name":`...)
	b = appendString(b, it.Name)
	b = append(b, `,"Price":`...)
	// Shortest form that reads back as the same float64, as
	// encoding/json writes numbers of this size.
	b = strconv.AppendFloat(b, it.Price, 'f', -1, 64)
	b = append(b, `,"Tags":`...)
	if it.Tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range it.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"InStock":`...)
	b = strconv.AppendBool(b, it.InStock)
	b = append(b, `,"OnSale":`...)
	b = strconv.AppendBool(b, it.OnSale)
	b = append(b, `,"Note":`...)
	b = appendString(b, it.Note)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Only what JSON requires is
// escaped: the quote, the backslash and control characters. Bytes that
// are not UTF-8 are copied as they are; a decoder turns them into U+FFFD,
// which is what json.Marshal writes for them.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
