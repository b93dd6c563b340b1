package ident

import (
	"math/rand/v2"
	"strings"
)

// newRand returns a deterministic generator for a seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// fullWidth converts ASCII to its full-width form, as a Chinese input
// method in full-width mode types it.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' {
			return r + 0xFEE0
		}
		if r == ' ' {
			return 0x3000
		}
		return r
	}, s)
}
