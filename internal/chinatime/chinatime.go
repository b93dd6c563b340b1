// Package chinatime holds the hall's time zone. Times are stored in UTC and shown,
// and "today" is read, in Asia/Shanghai (SPEC §2): a case number's day, a grant's
// last day, the time in an SMS, the month of a rights record.
package chinatime

import "time"

// Zone is Asia/Shanghai. China has kept UTC+8 without daylight saving since 1991,
// so a fixed zone is exact for every time the hall shows or reads and does not
// depend on a zone database being installed.
var Zone = time.FixedZone("CST", 8*3600)
