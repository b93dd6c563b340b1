//go:build !race

package main

import "time"

// readyBound is how soon a restarted hall must answer /readyz (issue 16).
const readyBound = time.Second

// crashRoundsDefault is how often TestCrashSIGKILL kills each engine's hall.
const crashRoundsDefault = 8
