package ident

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsText is one password per line; lines starting with # are
// comments. It mixes the global top lists with the patterns Chinese users
// favour (pinyin, 5201314 "I love you for life", QQ, keyboard walks, and the
// "capital, lower, digits" shapes that pass a three-class rule but are the
// first a guesser tries). Short entries stay in the list so that a policy
// configured with a lower class count still refuses them.
//
//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords is built on first use: most processes that import the
// package never check a password.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 512)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// isCommonPassword reports whether the folded (lower-case, half-width)
// password is on the list.
func isCommonPassword(folded string) bool {
	_, ok := commonPasswords()[folded]
	return ok
}
