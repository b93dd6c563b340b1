package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"hall/internal/ident"
)

// Form carries what a person typed and the message to show beside each field when a
// submission is refused. Passwords and codes are never echoed back.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Top is a message for the whole form (e.g. a refused login), shown above it.
	Top string
}

func NewForm(r *http.Request) *Form {
	var v url.Values
	if r != nil && r.Method == http.MethodPost {
		v = r.PostForm
	}
	if v == nil {
		v = url.Values{}
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

// Get returns a trimmed field value.
func (f *Form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Fail records a message for a field (the first one wins).
func (f *Form) Fail(name, msg string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

// FailErr records err's user-facing message for a field: an ident.FieldError's Msg, or
// the fallback for anything else (whose text may not be fit to show).
func (f *Form) FailErr(name string, err error, fallback string) {
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		f.Fail(name, fe.Msg)
		return
	}
	f.Fail(name, fallback)
}

// OK reports whether no field failed.
func (f *Form) OK() bool { return len(f.Errors) == 0 && f.Top == "" }

// Field is what the "Field" template draws: a labelled control with its error.
type Field struct {
	Name, Label, Type, Value, Error, Hint, Autocomplete string
	Required                                            bool
	Options                                             []option
	Checked                                             bool
}

type option struct {
	Value, Label string
	Selected     bool
}

// Field describes an input for the template. typ is an <input> type, or "select" with
// options given as value/label pairs, or "checkbox".
func (f *Form) Field(name, label, typ string, opts ...string) Field {
	fd := Field{Name: name, Label: label, Type: typ, Error: f.Errors[name], Required: true}
	switch typ {
	case "password":
		// never echo a password back
	case "checkbox":
		fd.Checked = f.Values.Get(name) != ""
	default:
		fd.Value = echo(f.Values.Get(name), typ)
	}
	if typ == "select" {
		for i := 0; i+1 < len(opts); i += 2 {
			fd.Options = append(fd.Options, option{Value: opts[i], Label: opts[i+1], Selected: opts[i] == fd.Value})
		}
	} else if len(opts) > 0 {
		fd.Hint = opts[0]
	}
	switch name {
	case "mobile":
		fd.Autocomplete = "tel"
	case "password":
		fd.Autocomplete = "current-password"
	case "new_password", "confirm":
		fd.Autocomplete = "new-password"
	case "name":
		fd.Autocomplete = "name"
	default:
		fd.Autocomplete = "off"
	}
	return fd
}

// maxEchoRunes is the longest value a refused form shows again in an input: no field
// of the hall takes a value this long (names, numbers and addresses are far shorter),
// so a longer one was not typed for the field, and echoing it would only make every
// refused page as large as the request. maxEchoTextRunes is the same for a textarea,
// whose longest use is the appeal's 500-character description.
const (
	maxEchoRunes     = 256
	maxEchoTextRunes = 1000
)

// echo is v as a refused form may show it again: itself, or "" when it is longer than
// a field of type typ sensibly holds (the field's own message says what is wrong).
func echo(v, typ string) string {
	limit := maxEchoRunes
	if typ == "textarea" {
		limit = maxEchoTextRunes
	}
	// At most limit bytes is at most limit runes: count only longer values.
	if len(v) > limit && utf8.RuneCountInString(v) > limit {
		return ""
	}
	return v
}

// IDTypeOptions are the ID types as select options (value, label pairs).
func IDTypeOptions() []string {
	var out []string
	for _, t := range ident.IDTypes() {
		out = append(out, string(t.Value), t.Label)
	}
	return out
}
