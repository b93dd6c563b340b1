package unitreg

import "unicode"

// The legal representative's name follows the rules of personal accounts
// (person.NormalizeName), so that the account created for the legal rep stores the
// name the way personal registration would.

// isControl reports runes that have no place in a one-line text field.
func isControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}
