package sealed

import "errors"

// Unreadable reports whether err is the refusal of one stored value (malformed,
// sealed under a key no longer configured, or changed or moved in the database):
// a fault of that row, which a list shows as unreadable rather than failing for.
func Unreadable(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrAuthentication)
}
