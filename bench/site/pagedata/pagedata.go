// Package pagedata is the data of the benchmark's rendered page: a shop's
// listing of 20 products. The guest plugin (bench/site/page) and the native
// peer (bench/peers/tmplpage) both build it with New on every request, so
// that the two render the same page from the same templates
// (bench/site/templates).
//
// The guest's data reaches the host's html/template as JSON, decoded into
// maps, slices, strings, bools and float64s; the peer executes the
// templates on these structs directly. The fields are chosen so that both
// print the same bytes: no numbers compared in templates, no number large
// enough for %v to print it with an exponent, and JSON keys equal to the
// field names.
package pagedata

import "strconv"

// Page is the data of page.html.
type Page struct {
	Store    Store
	Heading  string
	Query    string // a search string, in the links' query (URL-escaped)
	Currency string
	User     User
	Nav      []Link
	Items    []Item
	Notice   string // contains markup that must come out escaped
	Year     int
}

// Store is the shop.
type Store struct {
	Name string
	URL  string
}

// User is the signed-in customer.
type User struct {
	Name      string
	Cart      int
	SignedIn  bool
	Greetings string
}

// Link is a navigation entry.
type Link struct {
	Label  string
	URL    string
	Active bool
}

// Item is one product.
type Item struct {
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
	names = []string{
		"Assam breakfast", "Darjeeling \"first flush\"", "Earl Grey <classic>", "Genmaicha",
		"Gunpowder & mint", "Jasmine pearls", "Keemun", "Lapsang souchong",
		"Matcha (ceremonial)", "Oolong 'Tieguanyin'", "Pu-erh, 2015", "Rooibos & vanilla",
	}
	tags  = []string{"black", "green", "smoky", "floral", "organic", "loose <leaf>", "caffeine-free", "gift"}
	notes = []string{
		"Brew at 95°C for 3–4 minutes.",
		"Best with milk & a little sugar.",
		"Contains <b>no</b> added flavourings.",
		"Limited: \"while stocks last\".",
		"Pairs well with scones (<script>-free).",
	}
)

// New builds the page. It is deterministic: every call returns the same
// data, built afresh.
func New() *Page {
	p := &Page{
		Store:    Store{Name: "The Tea & Kettle Co.", URL: "https://shop.example/"},
		Heading:  "Loose-leaf teas",
		Query:    "tea & cake <2kg>",
		Currency: "EUR",
		User:     User{Name: "Zoë O'Brien", Cart: 3, SignedIn: true, Greetings: "Welcome back, <friend>!"},
		Nav: []Link{
			{Label: "Home", URL: "/"},
			{Label: "Teas", URL: "/teas", Active: true},
			{Label: "Teaware", URL: "/teaware"},
			{Label: "Gifts & sets", URL: "/gifts?sort=new&limit=20"},
			{Label: "About", URL: "/about"},
		},
		Notice: "Free shipping over 40 EUR — <em>this week only</em> & \"no\" code needed.",
		Year:   2025,
	}
	p.Items = make([]Item, 20)
	for i := range p.Items {
		n := names[i%len(names)]
		it := Item{
			ID:      1001 + i*7,
			Name:    n,
			Slug:    slug(n) + "-" + strconv.Itoa(i),
			Price:   float64(450+i*135) / 100, // 4.50, 5.85, ...
			InStock: i%4 != 3,
			OnSale:  i%5 == 1,
			Note:    notes[i%len(notes)],
		}
		it.Tags = []string{tags[i%len(tags)], tags[(i*3+1)%len(tags)]}
		if i%3 == 0 {
			it.Tags = append(it.Tags, tags[(i+5)%len(tags)])
		}
		p.Items[i] = it
	}
	return p
}

// slug lowercases ASCII letters and digits and turns runs of anything else
// into one "-".
func slug(s string) string {
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
