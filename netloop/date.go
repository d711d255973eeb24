package netloop

import (
	"sync"
	"sync/atomic"
	"time"
)

// dateLine holds "Date: <IMF-fixdate>\r\n", refreshed once a second by a
// single goroutine shared by every server in the process.
var (
	dateLine  atomic.Pointer[[]byte]
	dateStart sync.Once
)

func currentDate() []byte {
	dateStart.Do(func() {
		refreshDate(time.Now())
		go func() {
			for now := range time.Tick(time.Second) {
				refreshDate(now)
			}
		}()
	})
	return *dateLine.Load()
}

func refreshDate(now time.Time) {
	b := make([]byte, 0, 40)
	b = append(b, "Date: "...)
	b = now.UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	b = append(b, "\r\n"...)
	dateLine.Store(&b)
}
