package locale

// The host's phrases for dates (abi/ABI.md section 7.10), by their
// English text, which is also the message a site translates to override
// them. {name} placeholders are filled in after translation.
const (
	phraseJustNow      = "just now"
	phraseSecondAgo    = "1 second ago"
	phraseSecondsAgo   = "%d seconds ago"
	phraseMinuteAgo    = "1 minute ago"
	phraseMinutesAgo   = "%d minutes ago"
	phraseHourAgo      = "1 hour ago"
	phraseHoursAgo     = "%d hours ago"
	phraseInSecond     = "in 1 second"
	phraseInSeconds    = "in %d seconds"
	phraseInMinute     = "in 1 minute"
	phraseInMinutes    = "in %d minutes"
	phraseInHour       = "in 1 hour"
	phraseInHours      = "in %d hours"
	phraseYesterday    = "yesterday"
	phraseYesterdayAt  = "yesterday at {time}"
	phraseTomorrow     = "tomorrow"
	phraseTomorrowAt   = "tomorrow at {time}"
	phraseWeekdayAt    = "{weekday} at {time}"
	phraseMonthDay     = "{month} {day}"
	phraseMonthDayAt   = "{month} {day} at {time}"
	phraseFullDate     = "{month} {day}, {year}"
	phraseFullDateAt   = "{month} {day}, {year} at {time}"
	phraseTime         = "{hour12}:{minute} {ampm}"
	phraseAM, phrasePM = "AM", "PM"
)

var monthNames = [12]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// weekdayNames start on Sunday, as time.Weekday does.
var weekdayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// builtinPhrases are the host's translations of its phrases, by base
// language. English needs none: its phrases are the messages.
var builtinPhrases = map[string]*catalog{
	"es": phrases(englishRule, []string{
		phraseJustNow, "ahora mismo",
		phraseYesterday, "ayer",
		phraseYesterdayAt, "ayer a las {time}",
		phraseTomorrow, "mañana",
		phraseTomorrowAt, "mañana a las {time}",
		phraseWeekdayAt, "{weekday} a las {time}",
		phraseMonthDay, "{day} de {month}",
		phraseMonthDayAt, "{day} de {month} a las {time}",
		phraseFullDate, "{day} de {month} de {year}",
		phraseFullDateAt, "{day} de {month} de {year} a las {time}",
		phraseTime, "{hour}:{minute}",
	}, [][3]string{
		{phraseSecondAgo, "hace 1 segundo", "hace %d segundos"},
		{phraseMinuteAgo, "hace 1 minuto", "hace %d minutos"},
		{phraseHourAgo, "hace 1 hora", "hace %d horas"},
		{phraseInSecond, "dentro de 1 segundo", "dentro de %d segundos"},
		{phraseInMinute, "dentro de 1 minuto", "dentro de %d minutos"},
		{phraseInHour, "dentro de 1 hora", "dentro de %d horas"},
	}, [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
		"agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		[7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}),

	"de": phrases(englishRule, []string{
		phraseJustNow, "gerade eben",
		phraseYesterday, "gestern",
		phraseYesterdayAt, "gestern um {time}",
		phraseTomorrow, "morgen",
		phraseTomorrowAt, "morgen um {time}",
		phraseWeekdayAt, "{weekday} um {time}",
		phraseMonthDay, "{day}. {month}",
		phraseMonthDayAt, "{day}. {month} um {time}",
		phraseFullDate, "{day}. {month} {year}",
		phraseFullDateAt, "{day}. {month} {year} um {time}",
		phraseTime, "{hour}:{minute}",
	}, [][3]string{
		{phraseSecondAgo, "vor 1 Sekunde", "vor %d Sekunden"},
		{phraseMinuteAgo, "vor 1 Minute", "vor %d Minuten"},
		{phraseHourAgo, "vor 1 Stunde", "vor %d Stunden"},
		{phraseInSecond, "in 1 Sekunde", "in %d Sekunden"},
		{phraseInMinute, "in 1 Minute", "in %d Minuten"},
		{phraseInHour, "in 1 Stunde", "in %d Stunden"},
	}, [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
		"August", "September", "Oktober", "November", "Dezember"},
		[7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}),

	"fr": phrases(frenchRule, []string{
		phraseJustNow, "à l'instant",
		phraseYesterday, "hier",
		phraseYesterdayAt, "hier à {time}",
		phraseTomorrow, "demain",
		phraseTomorrowAt, "demain à {time}",
		phraseWeekdayAt, "{weekday} à {time}",
		phraseMonthDay, "{day} {month}",
		phraseMonthDayAt, "{day} {month} à {time}",
		phraseFullDate, "{day} {month} {year}",
		phraseFullDateAt, "{day} {month} {year} à {time}",
		phraseTime, "{hour}:{minute}",
	}, [][3]string{
		{phraseSecondAgo, "il y a 1 seconde", "il y a %d secondes"},
		{phraseMinuteAgo, "il y a 1 minute", "il y a %d minutes"},
		{phraseHourAgo, "il y a 1 heure", "il y a %d heures"},
		{phraseInSecond, "dans 1 seconde", "dans %d secondes"},
		{phraseInMinute, "dans 1 minute", "dans %d minutes"},
		{phraseInHour, "dans 1 heure", "dans %d heures"},
	}, [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
		"août", "septembre", "octobre", "novembre", "décembre"},
		[7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}),
}

// neutralPhrases serve a language the host has no phrases for: English
// words (until the site translates them) with a 24-hour clock.
var neutralPhrases = phrases(englishRule, []string{phraseTime, "{hour}:{minute}"}, nil, [12]string{}, [7]string{})

// phrases makes a built-in catalog from pairs of English text and
// translation, plural messages as {English singular, singular, plural}
// (two forms, as every built-in language has), and month and weekday
// names (from Sunday); empty names are left out.
func phrases(rule pluralRule, pairs []string, plurals [][3]string, months [12]string, weekdays [7]string) *catalog {
	c := newCatalog(rule)
	for i := 0; i+1 < len(pairs); i += 2 {
		c.one[pairs[i]] = pairs[i+1]
	}
	for _, p := range plurals {
		c.forms[p[0]] = []string{p[1], p[2]}
	}
	for i, m := range months {
		if m != "" {
			c.one[monthNames[i]] = m
		}
	}
	for i, w := range weekdays {
		if w != "" {
			c.one[weekdayNames[i]] = w
		}
	}
	return c
}
