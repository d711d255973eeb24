package locale

// catalog is one locale's translations: a site's file, or the host's
// built-in phrases. Immutable once loaded.
type catalog struct {
	// rule chooses among a plural message's forms.
	rule pluralRule
	// one holds messages without a plural: .po entries without
	// msgid_plural, CSV rows without a plural column.
	one map[string]string
	// forms holds .po messages with a plural, by msgid, one string per
	// form of rule.
	forms map[string][]string
	// singular and plural hold CSV's rows marked "singular", by the
	// English singular, and "plural", by the English plural; the plural row
	// is used when rule says so (a count other than 1).
	singular, plural map[string]string
}

func newCatalog(rule pluralRule) *catalog {
	return &catalog{rule: rule, one: map[string]string{}, forms: map[string][]string{},
		singular: map[string]string{}, plural: map[string]string{}}
}

// lookup returns the translation of msg, a message without a count.
func (c *catalog) lookup(msg string) (string, bool) {
	if v, ok := c.one[msg]; ok {
		return v, true
	}
	if f, ok := c.forms[msg]; ok && f[0] != "" {
		return f[0], true
	}
	if v, ok := c.singular[msg]; ok {
		return v, true
	}
	return "", false
}

// lookupPlural returns the form of the message with English singular msg
// and plural pl for count n.
func (c *catalog) lookupPlural(msg, pl string, n uint64) (string, bool) {
	i := c.rule(n)
	if f, ok := c.forms[msg]; ok {
		if i < 0 || i >= len(f) {
			i = 0 // as gettext does with an index past nplurals
		}
		if f[i] != "" {
			return f[i], true
		}
	}
	if i == 0 {
		if v, ok := c.singular[msg]; ok {
			return v, true
		}
		v, ok := c.one[msg]
		return v, ok
	}
	if v, ok := c.plural[pl]; ok {
		return v, true
	}
	v, ok := c.one[pl]
	return v, ok
}
