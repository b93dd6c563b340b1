package unitreg

import (
	"errors"
	"fmt"

	"hall/internal/ident"
)

// FormError is refused input: Fields maps form fields (Field* names) to a Chinese
// message shown beside the field, Top is a message for the whole form. Messages
// never contain what was typed, so the error is safe to log.
type FormError struct {
	Fields map[string]string
	Top    string
}

func (e *FormError) Error() string {
	if e.Top != "" {
		return "unitreg: refused: " + e.Top
	}
	return fmt.Sprintf("unitreg: %d invalid fields", len(e.Fields))
}

// add records a message for a field, keeping the first one.
func (e *FormError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

func (e *FormError) orNil() error {
	if len(e.Fields) == 0 && e.Top == "" {
		return nil
	}
	return e
}

func fieldError(field, msg string) *FormError {
	return &FormError{Fields: map[string]string{field: msg}}
}

// fieldMsg is the Chinese message of an ident (or sms) error.
func fieldMsg(err error, fallback string) string {
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return fallback
}
