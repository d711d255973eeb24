//go:build wasip1

package main

import (
	"encoding/json"
	"math"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// The localization functions, called through package hostcall for the
// calls the SDK never makes: flags, offsets, times and digit counts out of
// range, and the buffer sizes of the (buf, buf_limit) rule.

func init() {
	sdk.Handle("raw-locale", rawLocale)
}

// rawLocale writes, as JSON, each localization function read under the
// output rule and the error codes of arguments out of range; see
// README.md.
func rawLocale(c *sdk.Context) {
	const jan5 = 1704467040 // 2024-01-05 15:04 UTC
	res := map[string]any{
		"locale":  read(hostcall.LocaleGet),
		"sign_in": read(func(buf *byte, limit int32) int32 { return hostcall.Translate("Sign in", "", 5, buf, limit) }),
		"notes_min": read(func(buf *byte, limit int32) int32 {
			return hostcall.Translate("%d note", "%d notes", math.MinInt32, buf, limit)
		}),
		"empty":         read(func(buf *byte, limit int32) int32 { return hostcall.Translate("", "", 0, buf, limit) }),
		"date":          read(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(jan5, 0, 0, buf, limit) }),
		"date_offset":   read(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(jan5, -300, abi.DateNoTime, buf, limit) }),
		"date_year_1":   read(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(-62135596800, 0, 0, buf, limit) }),
		"date_flags_4":  code(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(jan5, 0, 4, buf, limit) }),
		"date_offset_2": code(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(jan5, 1441, 0, buf, limit) }),
		"date_year_0":   code(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(-62135596801, 0, 0, buf, limit) }),
		"date_year_10k": code(func(buf *byte, limit int32) int32 { return hostcall.FormatDate(253402300800, 0, 0, buf, limit) }),
		"number":        read(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(-1234.5, -1, buf, limit) }),
		"number_20":     read(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(1, 20, buf, limit) }),
		"number_nan":    read(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(math.NaN(), 2, buf, limit) }),
		"number_inf":    read(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(math.Inf(-1), -1, buf, limit) }),
		"number_21":     code(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(1, 21, buf, limit) }),
		"number_neg2":   code(func(buf *byte, limit int32) int32 { return hostcall.FormatNumber(1, -2, buf, limit) }),
	}
	b, _ := json.Marshal(res)
	hostcall.RespWrite(unsafe.SliceData(b), int32(len(b)))
}
