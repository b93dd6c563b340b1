package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"time"
)

// record is one row as stored: the exact values that are hashed. Detail is the stored
// JSON text, not the map, so that hashing never depends on re-encoding.
type record struct {
	seq       int64
	at        time.Time
	person    int64 // 0 = NULL
	unit      int64 // 0 = NULL
	role      string
	staff     int64 // 0 = NULL
	action    string
	target    string
	result    string
	clientIP  string
	requestID string
	detail    string
	prevHash  string
	hash      string
	// bad is set when a column held a value of the wrong type (only possible by
	// tampering); Verify reports such a row as a hash mismatch.
	bad bool
}

// canonicalTag starts every hashed message; a new encoding gets a new tag.
const canonicalTag = "hall.audit.v1\x00"

// hasher computes row hashes; it reuses its buffers, so one hasher serves a whole
// Verify walk. Not safe for concurrent use.
type hasher struct {
	h   hash.Hash
	buf []byte
}

func (l *Log) newHasher() *hasher {
	if len(l.key) == 0 {
		return &hasher{h: sha256.New()}
	}
	return &hasher{h: hmac.New(sha256.New, l.key)}
}

// sum returns the hex hash of r: HMAC-SHA256(key, canonical(r)), or SHA-256 without a
// key. r.hash is not part of the message.
func (hs *hasher) sum(r *record) string {
	hs.buf = canonical(hs.buf[:0], r)
	hs.h.Reset()
	hs.h.Write(hs.buf)
	var out [sha256.Size]byte
	return hex.EncodeToString(hs.h.Sum(out[:0]))
}

// canonical appends the unambiguous encoding of r to b: a version tag, then every
// stored field except the hash in a fixed order, strings as an 8-byte big-endian
// length followed by the bytes, integers as 8-byte big-endian two's complement, the
// time as microseconds since the Unix epoch (so neither the engine's time zone nor
// its text format matters). NULL IDs are encoded as 0, which Append never stores.
func canonical(b []byte, r *record) []byte {
	b = append(b, canonicalTag...)
	b = appendString(b, r.prevHash)
	b = appendInt(b, r.seq)
	b = appendInt(b, r.at.UnixMicro())
	b = appendInt(b, r.person)
	b = appendInt(b, r.unit)
	b = appendString(b, r.role)
	b = appendInt(b, r.staff)
	b = appendString(b, r.action)
	b = appendString(b, r.target)
	b = appendString(b, r.result)
	b = appendString(b, r.clientIP)
	b = appendString(b, r.requestID)
	b = appendString(b, r.detail)
	return b
}

// #nosec G115 -- the two's-complement bytes of v: a fixed encoding for the hash chain, not arithmetic.
func appendInt(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// scanner is *sql.Rows or *sql.Row.
type scanner interface{ Scan(dest ...any) error }

// scanRecord reads the columns listed in columns. It never fails on a value of the
// wrong type: it sets r.bad instead, so that Verify can name the row.
func scanRecord(sc scanner, r *record) error {
	var f [14]field
	dest := make([]any, len(f))
	for i := range f {
		dest[i] = &f[i]
	}
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	ok := true
	str := func(i int) string {
		s, good := f[i].v.(string)
		ok = ok && good
		return s
	}
	num := func(i int, nullable bool) int64 {
		switch v := f[i].v.(type) {
		case int64:
			ok = ok && (v != 0 || !nullable)
			return v
		case int32:
			return int64(v)
		case nil:
			ok = ok && nullable
		default:
			ok = false
		}
		return 0
	}
	*r = record{
		seq: num(0, false), person: num(2, true), unit: num(3, true), role: str(4),
		staff: num(5, true), action: str(6), target: str(7), result: str(8),
		clientIP: str(9), requestID: str(10), detail: str(11), prevHash: str(12),
		hash: str(13),
	}
	if at, good := f[1].v.(time.Time); good {
		r.at = at.UTC()
	} else {
		ok = false
	}
	r.bad = !ok
	return nil
}

// field accepts any column value.
type field struct{ v any }

func (f *field) Scan(v any) error {
	if b, isBytes := v.([]byte); isBytes {
		v = string(b) // the driver may reuse b
	}
	f.v = v
	return nil
}
