package sdk_test

import (
	"fmt"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// notes greets the user in their language; ?lang= keeps a choice.
func notes(c *sdk.Context) {
	if lang := c.QueryArgument("lang", ""); lang != "" {
		if err := c.SetLocale(lang); err != nil {
			c.Error(400, "no such language")
			return
		}
	}
	n := 3
	edited := time.Date(2024, time.March, 13, 14, 58, 0, 0, time.UTC)
	c.WriteString(c.Locale() + ": " + c.Translate("Your notes") + ": " +
		c.TranslatePlural("%d note", "%d notes", n) + ", " +
		c.FormatNumber(1234.5) + " words, edited " + c.FormatDate(edited, true))
}

func init() {
	sdk.Handle("notes", notes)
}

func ExampleContext_Translate() {
	site := sdktest.NewRequest("GET", "/notes").
		WithTranslations("es", map[string]string{
			"Your notes": "Tus notas",
			"%d note":    "%d nota",
			"%d notes":   "%d notas",
		}).
		WithClock(time.Date(2024, time.March, 13, 15, 4, 0, 0, time.UTC))

	fmt.Println(string(sdktest.Serve("notes", site).Body))
	fmt.Println(string(sdktest.Serve("notes", site.WithHeader("Accept-Language", "es-MX,es;q=0.9,en;q=0.5")).Body))
	fmt.Println(string(sdktest.Serve("notes", site.WithHeader("Accept-Language", "fr-CA,fr;q=0.9")).Body))
	fmt.Println(string(sdktest.Serve("notes", site.WithHeader("Cookie", "wasmweb_locale=es")).Body))

	resp := sdktest.Serve("notes", sdktest.NewRequest("GET", "/notes?lang=es").WithTranslations("es", nil))
	fmt.Println(resp.Header.Get("Set-Cookie"))
	// Output:
	// en: Your notes: 3 notes, 1,234.5 words, edited 6 minutes ago
	// es: Tus notas: 3 notas, 1.234,5 words, edited hace 6 minutos
	// en: Your notes: 3 notes, 1,234.5 words, edited 6 minutes ago
	// es: Tus notas: 3 notas, 1.234,5 words, edited hace 6 minutos
	// wasmweb_locale=es; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax
}
