package ident

import (
	"crypto/rand"
	"math/big"
)

// Alphabets of RandomPassword: letters and digits that cannot be mistaken for one
// another when read from an SMS or a printed slip (no 0/O/o, 1/l/I), and special
// characters that every phone keyboard has on its first symbol page.
const (
	randomUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	randomLower   = "abcdefghijkmnpqrstuvwxyz"
	randomDigits  = "23456789"
	randomSpecial = "#@%+=?"
)

// randomPasswordLen is the length RandomPassword aims for: 12 characters from 62
// symbols carry about 70 bits, far beyond what an online guesser can try before
// the login throttle locks the account.
const randomPasswordLen = 12

// RandomPassword returns a one-time password that p accepts with the context words
// given (the account's ID number, mobile, USCC): an initial password issued at the
// counter, or a staff member's first password. It has one character of each class
// and is drawn from crypto/rand; it is redrawn in the (rare) case that the policy
// refuses it, for a context word inside or a common password.
func RandomPassword(p PasswordPolicy, context ...string) string {
	n := min(max(randomPasswordLen, p.MinLen), p.MaxLen)
	n = max(n, 4) // one of each class
	all := randomUpper + randomLower + randomDigits + randomSpecial
	for {
		b := make([]byte, n)
		for i, class := range []string{randomUpper, randomLower, randomDigits, randomSpecial} {
			b[i] = pick(class)
		}
		for i := 4; i < n; i++ {
			b[i] = pick(all)
		}
		// Shuffle (Fisher–Yates), so that the classes are not in a fixed order.
		for i := n - 1; i > 0; i-- {
			j := randomInt(i + 1)
			b[i], b[j] = b[j], b[i]
		}
		if p.Check(string(b), context...) == nil {
			return string(b)
		}
	}
}

func pick(alphabet string) byte { return alphabet[randomInt(len(alphabet))] }

func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails (it aborts the program instead)
	}
	return int(v.Int64())
}
