//go:build race

package captcha_test

// raceEnabled: the race detector slows the solver's pixel loops about tenfold.
const raceEnabled = true
