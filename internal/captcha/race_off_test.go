//go:build !race

package captcha_test

const raceEnabled = false
