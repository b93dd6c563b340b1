// Package formerr is the refused-form error of the flow packages (unit registration,
// password recovery): a Chinese message per form field plus one for the whole form.
// Each package instantiates Error with its own Source, so its errors stay a type of
// their own (errors.As tells them apart) and name the package in Error's text.
package formerr

import (
	"errors"
	"fmt"

	"hall/internal/ident"
)

// Source names the package that refuses a form; its zero value is used.
type Source interface{ Source() string }

// Error is refused input: Fields maps form fields to a Chinese message shown beside
// the field, Top is a message for the whole form. Messages never contain what was
// typed, so the error is safe to log.
type Error[S Source] struct {
	Fields map[string]string
	Top    string
}

func (e *Error[S]) Error() string {
	var s S
	if e.Top != "" {
		return s.Source() + ": refused: " + e.Top
	}
	return fmt.Sprintf("%s: %d invalid fields", s.Source(), len(e.Fields))
}

// Add records a message for a field, keeping the first one.
func (e *Error[S]) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// OrNil returns e when it holds a problem, nil otherwise.
func (e *Error[S]) OrNil() error {
	if len(e.Fields) == 0 && e.Top == "" {
		return nil
	}
	return e
}

// Messages returns Fields and Top, for code that shows the errors of several sources
// alike (the web pages).
func (e *Error[S]) Messages() (fields map[string]string, top string) { return e.Fields, e.Top }

// FieldMsg is the Chinese message of an ident (or sms) field error, else fallback.
func FieldMsg(err error, fallback string) string {
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return fallback
}
