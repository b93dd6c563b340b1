package store

import "time"

// Time is how a time goes to the database: in UTC, truncated to microseconds, the
// precision both engines keep, so that a value read back equals the one written.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
