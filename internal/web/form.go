package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"hall/internal/ident"
)

// form carries what a person typed and the message to show beside each field when a
// submission is refused. Passwords and codes are never echoed back.
type form struct {
	Values url.Values
	Errors map[string]string
	// Top is a message for the whole form (e.g. a refused login), shown above it.
	Top string
}

func newForm(r *http.Request) *form {
	var v url.Values
	if r != nil && r.Method == http.MethodPost {
		v = r.PostForm
	}
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// Get returns a trimmed field value.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Fail records a message for a field (the first one wins).
func (f *form) Fail(name, msg string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

// FailErr records err's user-facing message for a field: an ident.FieldError's Msg, or
// the fallback for anything else (whose text may not be fit to show).
func (f *form) FailErr(name string, err error, fallback string) {
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		f.Fail(name, fe.Msg)
		return
	}
	f.Fail(name, fallback)
}

// OK reports whether no field failed.
func (f *form) OK() bool { return len(f.Errors) == 0 && f.Top == "" }

// field is what the "field" template draws: a labelled control with its error.
type field struct {
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
func (f *form) Field(name, label, typ string, opts ...string) field {
	fd := field{Name: name, Label: label, Type: typ, Error: f.Errors[name], Required: true}
	switch typ {
	case "password":
		// never echo a password back
	case "checkbox":
		fd.Checked = f.Values.Get(name) != ""
	default:
		fd.Value = f.Values.Get(name)
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

// idTypeOptions are the ID types as select options (value, label pairs).
func idTypeOptions() []string {
	var out []string
	for _, t := range ident.IDTypes() {
		out = append(out, string(t.Value), t.Label)
	}
	return out
}
