package web_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"hall/internal/web"
)

// csrfFieldsByPattern is how the hall put the CSRF field into forms before the byte
// scan: one case-insensitive pattern over the whole page. AddCSRFFields must give the
// same page for every input.
func csrfFieldsByPattern(page []byte, token string) []byte {
	if token == "" {
		return page
	}
	formTag := regexp.MustCompile(`(?i)<form(?:\s[^>]*)?>`)
	postMethod := regexp.MustCompile(`(?i)\smethod\s*=\s*["']?post["'\s>]`)
	field := []byte(`<input type="hidden" name="` + web.CSRFField + `" value="` + token + `">`)
	return formTag.ReplaceAllFunc(page, func(tag []byte) []byte {
		if !postMethod.Match(tag) {
			return tag
		}
		return append(bytes.Clone(tag), field...)
	})
}

func TestAddCSRFFields(t *testing.T) {
	const field = `<input type="hidden" name="csrf_token" value="T">`
	cases := []struct{ name, page, want string }{
		{"no form", `<p>x</p>`, `<p>x</p>`},
		{"post form", `<form method="post" action="/a"><p>`, `<form method="post" action="/a">` + field + `<p>`},
		{"get form", `<form method="get"><p>`, `<form method="get"><p>`},
		{"upper case tag and method", `<FORM METHOD=POST>x`, `<FORM METHOD=POST>` + field + `x`},
		{"mixed case", `<FoRm action="/b" MeThOd='Post'>`, `<FoRm action="/b" MeThOd='Post'>` + field},
		{"two post forms and a get", `<form method="post"></form><form method="get"></form><form method="post">`,
			`<form method="post">` + field + `</form><form method="get"></form><form method="post">` + field},
		{"formaction is not a form", `<formx method="post"><button formaction="/x">`, `<formx method="post"><button formaction="/x">`},
		{"bare form tag", `<form>`, `<form>`},
		{"unclosed tag", `<form method="post"`, `<form method="post"`},
		{"form word at the end", `a<form`, `a<form`},
		{"short tail", `<fo`, `<fo`},
		{"post in another attribute", `<form data-method="post">`, `<form data-method="post">`},
		{"method with spaces", `<form method = "post">`, `<form method = "post">` + field},
		{"newline before method", "<form\nmethod=\"post\">", "<form\nmethod=\"post\">" + field},
		{"non-ASCII around", `表单<form method="post">提交`, `表单<form method="post">` + field + `提交`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(web.AddCSRFFields([]byte(c.page), "T"))
			if got != c.want {
				t.Errorf("AddCSRFFields(%q) = %q, want %q", c.page, got, c.want)
			}
			if ref := string(csrfFieldsByPattern([]byte(c.page), "T")); got != ref {
				t.Errorf("AddCSRFFields(%q) = %q, the pattern gives %q", c.page, got, ref)
			}
		})
	}
	if got := string(web.AddCSRFFields([]byte(`<form method="post">`), "")); got != `<form method="post">` {
		t.Errorf("no token: %q", got)
	}
}

// FuzzAddCSRFFields: the byte scan puts the field exactly where the whole-page pattern
// did, for any page.
func FuzzAddCSRFFields(f *testing.F) {
	for _, s := range []string{
		`<form method="post">`, `<FORM METHOD=POST>`, `<form>`, `<formx method=post>`, `<<form method='post'>>`,
		"<form\tmethod=post\n>", `<form method="get"><form method="post">`, `<fo`, `<form method="post"`,
		strings.Repeat(`<div><form method="post" action="/x"><input name="a"></form>`, 3),
	} {
		f.Add(s, "T0k3n")
	}
	f.Fuzz(func(t *testing.T, page, token string) {
		got := web.AddCSRFFields([]byte(page), token)
		want := csrfFieldsByPattern([]byte(page), token)
		if !bytes.Equal(got, want) {
			t.Fatalf("AddCSRFFields(%q, %q) = %q, the pattern gives %q", page, token, got, want)
		}
	})
}
