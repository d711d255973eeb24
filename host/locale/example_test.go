package locale_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmweb/wasmweb/host/locale"
)

func Example() {
	dir, _ := os.MkdirTemp("", "translations")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "es.csv"), []byte(`"Sign in","Entrar"
"%d note","%d nota","singular"
"%d notes","%d notas","plural"
`), 0o644)

	b, err := locale.Load(dir, "en")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2024, time.March, 13, 15, 4, 0, 0, time.UTC)
	for _, accept := range []string{"es-MX,es;q=0.9", "fr, en;q=0.5"} {
		l := b.Choose("", accept)
		fmt.Println(l.Code(), l.Translate("Sign in"), l.TranslatePlural("%d note", "%d notes", 3),
			l.FormatDate(now.Add(-2*time.Minute), now, locale.Relative), l.FormatNumber(1234.5, 2))
	}
	// Output:
	// es Entrar 3 notas hace 2 minutos 1.234,50
	// en Sign in 3 notes 2 minutes ago 1,234.50
}
