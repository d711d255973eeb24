package pagedata

import (
	"fmt"
	"strconv"
)

// Integer is a JSON number written as an integer, as the host decodes
// page data: it prints its digits exactly (an id of 16 digits does not
// become 1.796560501510596e+15, and one past 2^53 keeps its last
// digits), compares with a template's integer literals, and counts in
// range and index. JSON does not tell 18 from 18.0, so a float verb
// formats it as the float it may have been: printf "%.2f" gives
// "18.00", as it does for a float64.
type Integer int64

// Format implements fmt.Formatter: the float verbs format the value as
// a float64, every other verb as an int64.
func (n Integer) Format(f fmt.State, verb rune) {
	switch verb {
	case 'e', 'E', 'f', 'F', 'g', 'G':
		fmt.Fprintf(f, fmt.FormatString(f, verb), float64(n))
	case 'v', 's':
		if _, wide := f.Width(); !wide && !f.Flag('+') && !f.Flag('-') && !f.Flag('#') && !f.Flag(' ') {
			var buf [24]byte
			f.Write(strconv.AppendInt(buf[:0], int64(n), 10))
			return
		}
		fmt.Fprintf(f, fmt.FormatString(f, 'd'), int64(n))
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), int64(n))
	}
}
