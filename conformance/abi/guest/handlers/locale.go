package handlers

import (
	"errors"
	"strconv"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func init() {
	sdk.Handle("locale", localeInfo)
}

// LocaleInfo is the locale handler's answer.
type LocaleInfo struct {
	// Locale is the request's locale before ?set=, Set the error code of
	// SetLocale(set) (absent without ?set=), After the locale after it.
	Locale string `json:"locale"`
	Set    *int32 `json:"set,omitempty"`
	After  string `json:"after"`
	// SignIn translates "Sign in", Notes "%d note"/"%d notes" for the
	// counts 0, 1, 2, 5 and 21.
	SignIn string            `json:"sign_in"`
	Notes  map[string]string `json:"notes"`
	// Relative is a time 150 seconds ago with relative forms; Date and
	// Day are 2024-01-05 15:04 UTC written in full and without the time.
	Relative string `json:"relative"`
	Date     string `json:"date"`
	Day      string `json:"day"`
	// Number is 1234567.5; Decimal is 9.5 with 2 digits.
	Number  string `json:"number"`
	Decimal string `json:"decimal"`
}

// LocaleDate is the fixed time of LocaleInfo's Date and Day.
var LocaleDate = time.Date(2024, time.January, 5, 15, 4, 0, 0, time.UTC)

// localeInfo answers ?set=CODE by calling SetLocale first, and ?render=1
// by rendering locale.html with n, big and t; otherwise it writes
// LocaleInfo as JSON.
func localeInfo(c *sdk.Context) {
	q := query(c)
	info := LocaleInfo{Locale: c.Locale(), Notes: map[string]string{}}
	if q.Has("set") {
		r := code(c.SetLocale(q.Get("set")))
		info.Set = &r
	}
	if q.Get("render") != "" {
		data := map[string]any{"n": 3, "big": 1234567.5, "t": LocaleDate.Format(time.RFC3339)}
		if err := c.Render("locale.html", data); errors.Is(err, sdk.ErrNotFound) {
			c.Error(404, "no such template")
		}
		return
	}
	info.After = c.Locale()
	info.SignIn = c.Translate("Sign in")
	for _, n := range []int{0, 1, 2, 5, 21} {
		info.Notes[strconv.Itoa(n)] = c.TranslatePlural("%d note", "%d notes", n)
	}
	info.Relative = c.FormatDate(time.Now().Add(-150*time.Second), true)
	info.Date = c.FormatDate(LocaleDate, false)
	info.Day = c.FormatDay(LocaleDate, false)
	info.Number = c.FormatNumber(1234567.5)
	info.Decimal = c.FormatDecimal(9.5, 2)
	c.WriteJSON(info)
}
