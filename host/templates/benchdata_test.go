package templates

import (
	"encoding/json"
	"strconv"
	"testing"
)

// The benchmark's page data (bench/site/pagedata, in the bench module):
// a shop's listing of 20 products, built the same way and decoded from
// JSON as the host decodes a guest's data.

type benchPage struct {
	Store    benchStore
	Heading  string
	Query    string
	Currency string
	User     benchUser
	Nav      []benchLink
	Items    []benchItem
	Notice   string
	Year     int
}

type benchStore struct {
	Name string
	URL  string
}

type benchUser struct {
	Name      string
	Cart      int
	SignedIn  bool
	Greetings string
}

type benchLink struct {
	Label  string
	URL    string
	Active bool
}

type benchItem struct {
	ID      int
	Slug    string
	Name    string
	Price   float64
	Tags    []string
	InStock bool
	OnSale  bool
	Note    string
}

var (
	benchNames = []string{
		"Assam breakfast", "Darjeeling \"first flush\"", "Earl Grey <classic>", "Genmaicha",
		"Gunpowder & mint", "Jasmine pearls", "Keemun", "Lapsang souchong",
		"Matcha (ceremonial)", "Oolong 'Tieguanyin'", "Pu-erh, 2015", "Rooibos & vanilla",
	}
	benchTags  = []string{"black", "green", "smoky", "floral", "organic", "loose <leaf>", "caffeine-free", "gift"}
	benchNotes = []string{
		"Brew at 95°C for 3–4 minutes.",
		"Best with milk & a little sugar.",
		"Contains <b>no</b> added flavourings.",
		"Limited: \"while stocks last\".",
		"Pairs well with scones (<script>-free).",
	}
)

func newBenchPage() *benchPage {
	p := &benchPage{
		Store:    benchStore{Name: "The Tea & Kettle Co.", URL: "https://shop.example/"},
		Heading:  "Loose-leaf teas",
		Query:    "tea & cake <2kg>",
		Currency: "EUR",
		User:     benchUser{Name: "Zoë O'Brien", Cart: 3, SignedIn: true, Greetings: "Welcome back, <friend>!"},
		Nav: []benchLink{
			{Label: "Home", URL: "/"},
			{Label: "Teas", URL: "/teas", Active: true},
			{Label: "Teaware", URL: "/teaware"},
			{Label: "Gifts & sets", URL: "/gifts?sort=new&limit=20"},
			{Label: "About", URL: "/about"},
		},
		Notice: "Free shipping over 40 EUR — <em>this week only</em> & \"no\" code needed.",
		Year:   2025,
	}
	p.Items = make([]benchItem, 20)
	for i := range p.Items {
		n := benchNames[i%len(benchNames)]
		it := benchItem{
			ID:      1001 + i*7,
			Name:    n,
			Slug:    benchSlug(n) + "-" + strconv.Itoa(i),
			Price:   float64(450+i*135) / 100,
			InStock: i%4 != 3,
			OnSale:  i%5 == 1,
			Note:    benchNotes[i%len(benchNotes)],
		}
		it.Tags = []string{benchTags[i%len(benchTags)], benchTags[(i*3+1)%len(benchTags)]}
		if i%3 == 0 {
			it.Tags = append(it.Tags, benchTags[(i+5)%len(benchTags)])
		}
		p.Items[i] = it
	}
	return p
}

func benchSlug(s string) string {
	b := make([]byte, 0, len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		default:
			if !dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = true
			continue
		}
		b = append(b, c)
		dash = false
	}
	if n := len(b); n > 0 && b[n-1] == '-' {
		b = b[:n-1]
	}
	return string(b)
}

// benchData is the page's data as the host hands it to the templates:
// decoded from the guest's JSON, with the XSRF token added.
func benchData(tb testing.TB) any {
	b, err := json.Marshal(newBenchPage())
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	v.(map[string]any)["_xsrf"] = "2|a1b2c3|d4e5f6|1700000000"
	return v
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }
