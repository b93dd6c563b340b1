//go:build race

package main

import "time"

// readyBound is how soon a restarted hall must answer /readyz: the race detector
// slows the process down several times, so the bound of a plain build (one second)
// is widened.
const readyBound = 5 * time.Second

// crashRoundsDefault is how often TestCrashSIGKILL kills each engine's hall: half
// the plain build's, so that the test stays within some twenty seconds.
const crashRoundsDefault = 4
