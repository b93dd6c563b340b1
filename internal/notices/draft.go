package notices

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of a notice's text. The database CHECK holds the same.
const (
	MaxTitleRunes = 60
	MaxBodyRunes  = 10000
)

// Draft is what a clerk writes: the title, the category and the body.
type Draft struct {
	Title    string
	Category Category
	Body     string
}

// Check returns d cleaned — the title on one line with its spaces collapsed; the
// body with Windows line ends made plain, control and format characters but line
// breaks dropped, trailing spaces and surplus blank lines removed — or the first
// refusal: ErrTitleRequired, ErrTitleTooLong, ErrCategory, ErrBodyRequired,
// ErrBodyTooLong.
func (d Draft) Check() (Draft, error) {
	d.Title = strings.Join(strings.Fields(strings.Map(dropControl(false), strings.ToValidUTF8(d.Title, ""))), " ")
	d.Body = cleanBody(d.Body)
	switch {
	case d.Title == "":
		return d, ErrTitleRequired
	case utf8.RuneCountInString(d.Title) > MaxTitleRunes:
		return d, ErrTitleTooLong
	case !d.Category.Valid():
		return d, ErrCategory
	case d.Body == "":
		return d, ErrBodyRequired
	case utf8.RuneCountInString(d.Body) > MaxBodyRunes:
		return d, ErrBodyTooLong
	}
	return d, nil
}

// dropControl maps control and format characters to a space (tabs too), keeping
// line feeds when keepNewline.
func dropControl(keepNewline bool) func(rune) rune {
	return func(r rune) rune {
		switch {
		case r == '\n' && keepNewline:
			return r
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return ' '
		}
		return r
	}
}

// cleanBody keeps the body's paragraphs: one blank line at most between them.
func cleanBody(body string) string {
	body = strings.ToValidUTF8(body, "")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	body = strings.Map(dropControl(true), body)
	var out []string
	blank := false
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimSpace(line) == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
