package unitreg

import "hall/internal/formerr"

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "unitreg" }

// FormError is refused input: Fields maps form fields (Field* names) to a Chinese
// message shown beside the field, Top is a message for the whole form. Messages
// never contain what was typed, so the error is safe to log.
type FormError = formerr.Error[source]

func fieldError(field, msg string) *FormError {
	return &FormError{Fields: map[string]string{field: msg}}
}
