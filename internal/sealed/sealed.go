package sealed

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the length of a data key in bytes.
const KeySize = 32

// Version is the format version Seal writes.
const Version byte = 1

// Sizes of the format (package documentation).
const (
	idSize     = 4
	headerSize = 1 + idSize
	nonceSize  = chacha20poly1305.NonceSizeX
	tagSize    = chacha20poly1305.Overhead
	// Overhead is how many bytes longer a sealed value is than its plaintext.
	Overhead = headerSize + nonceSize + tagSize
)

// Errors of Open (package documentation) and of NewKeys.
var (
	ErrMalformed      = errors.New("sealed: not a sealed value of a known version")
	ErrUnknownKey     = errors.New("sealed: sealed under a data key that is not configured")
	ErrAuthentication = errors.New("sealed: value does not authenticate (changed, or moved from another place)")
	ErrKeySize        = fmt.Errorf("sealed: a data key is %d bytes", KeySize)
)

// Place is where a sealed value belongs: its table, its column and the key of its
// row ("" when it is not bound to a row). It is part of the additional data, so a
// value opens only at the place it was sealed for.
type Place struct {
	Table, Column, Row string
}

// RowPlace is the place of a column of the row whose key is the integer id (the
// usual row key: the row's ID in decimal).
func RowPlace(table, column string, id int64) Place {
	return Place{Table: table, Column: column, Row: strconv.FormatInt(id, 10)}
}

// Blind-index kinds (Index) shared by every table that looks the same kind of value
// up: a mobile's index is the same in persons and in the SMS outbox.
const (
	KindMobile   = "mobile"    // a mobile, normalized by ident.NormalizeMobile
	KindIDNumber = "id-number" // an ID number, normalized by ident.ValidateID
	// KindCaseSubject is whom a case is about within its unit and item
	// (cases.Form.Subject): an employee's ID number, a year, a keyword. Its own
	// kind, as it is not always an ID number and is compared only with subjects.
	KindCaseSubject = "case-subject"
)

func (p Place) String() string {
	if p.Row == "" {
		return p.Table + "." + p.Column
	}
	return p.Table + "." + p.Column + "[" + p.Row + "]"
}

// KeyID is a key's identifier as it appears in sealed values.
type KeyID [idSize]byte

func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

// key is one data key's derived keys.
type key struct {
	id    KeyID
	aead  cipher.AEAD
	index []byte
}

// Keys seals and opens values and computes blind indexes. Safe for concurrent use.
type Keys struct {
	primary *key
	byID    map[KeyID]*key
	ordered []*key // primary first, then the previous keys as given
}

// NewKeys returns the keys for the primary data key, which seals and indexes, and
// any previous ones, which only open. Errors: ErrKeySize (wrapped) for a key that is
// not KeySize bytes; an error naming two keys with the same identifier (the same key
// given twice).
func NewKeys(primary []byte, previous ...[]byte) (*Keys, error) {
	k := &Keys{byID: map[KeyID]*key{}}
	for i, raw := range append([][]byte{primary}, previous...) {
		d, err := derive(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := k.byID[d.id]; dup {
			return nil, fmt.Errorf("sealed: data key %d has the identifier %s of an earlier one: the same key twice", i+1, d.id)
		}
		k.byID[d.id] = d
		k.ordered = append(k.ordered, d)
		if i == 0 {
			k.primary = d
		}
	}
	return k, nil
}

// derive expands one data key into its encryption key, index key and identifier.
func derive(raw []byte) (*key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w, not %d", ErrKeySize, len(raw))
	}
	expand := func(info string, n int) []byte {
		b, err := hkdf.Key(sha256.New, raw, nil, info, n)
		if err != nil {
			panic(err) // n ≤ 32 is far below HKDF-SHA256's limit of 8160 bytes
		}
		return b
	}
	aead, err := chacha20poly1305.NewX(expand("hall sealed encryption v1", chacha20poly1305.KeySize))
	if err != nil {
		panic(err) // the key has the size NewX takes
	}
	d := &key{aead: aead, index: expand("hall blind index v1", sha256.Size)}
	copy(d.id[:], expand("hall sealed key id v1", idSize))
	return d, nil
}

// Primary is the identifier of the key that seals (for logs: it says which key is in
// use without saying anything about it).
func (k *Keys) Primary() KeyID { return k.primary.id }

// Seal encrypts plaintext for place under the primary key and returns the sealed
// value (Overhead bytes longer).
func (k *Keys) Seal(place Place, plaintext []byte) []byte {
	out := make([]byte, headerSize+nonceSize, Overhead+len(plaintext))
	out[0] = Version
	copy(out[1:headerSize], k.primary.id[:])
	// crypto/rand.Read never returns an error (it crashes the program instead).
	_, _ = rand.Read(out[headerSize:])
	return k.primary.aead.Seal(out, out[headerSize:], plaintext, additional(out[:headerSize], place))
}

// SealString is Seal of a string.
func (k *Keys) SealString(place Place, plaintext string) []byte {
	return k.Seal(place, []byte(plaintext))
}

// Open returns the plaintext of a value sealed for place. Errors, wrapped with the
// place: ErrMalformed, ErrUnknownKey, ErrAuthentication.
func (k *Keys) Open(place Place, value []byte) ([]byte, error) {
	h, err := Parse(value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", place, err)
	}
	d, ok := k.byID[h.KeyID]
	if !ok {
		return nil, fmt.Errorf("%s: %w (key %s)", place, ErrUnknownKey, h.KeyID)
	}
	out, err := d.aead.Open(nil, h.Nonce, h.Ciphertext, additional(value[:headerSize], place))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", place, ErrAuthentication)
	}
	return out, nil
}

// OpenString is Open returning a string.
func (k *Keys) OpenString(place Place, value []byte) (string, error) {
	b, err := k.Open(place, value)
	return string(b), err
}

// Header is the clear part of a sealed value.
type Header struct {
	Version byte
	KeyID   KeyID
	// Nonce and Ciphertext (the tag included) alias the parsed value.
	Nonce, Ciphertext []byte
}

// Parse splits a sealed value into its parts without opening it (a rotation reads
// the key identifier this way). Errors: ErrMalformed.
func Parse(value []byte) (Header, error) {
	if len(value) < Overhead {
		return Header{}, fmt.Errorf("%w: %d bytes, at least %d", ErrMalformed, len(value), Overhead)
	}
	if value[0] != Version {
		return Header{}, fmt.Errorf("%w: version %d", ErrMalformed, value[0])
	}
	h := Header{Version: value[0], Nonce: value[headerSize : headerSize+nonceSize], Ciphertext: value[headerSize+nonceSize:]}
	copy(h.KeyID[:], value[1:headerSize])
	return h, nil
}

// additional is the AEAD's additional data: the header, then the place's parts,
// each length-prefixed so that no two places give the same bytes.
func additional(header []byte, p Place) []byte {
	b := make([]byte, 0, len(header)+64)
	b = append(b, header...)
	for _, s := range []string{"hall sealed", p.Table, p.Column, p.Row} {
		b = lengthPrefixed(b, s)
	}
	return b
}

func lengthPrefixed(b []byte, s string) []byte {
	// #nosec G115 -- a table, column, row key or indexed value is far below 4 GiB.
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Index is the blind index of a normalized value of a kind ("mobile", "id-number"):
// HMAC-SHA256 under the primary key's index key, 32 bytes. The caller normalizes
// (package documentation).
func (k *Keys) Index(kind, normalized string) []byte { return k.primary.blindIndex(kind, normalized) }

// Indexes are the blind indexes of a normalized value under every key, the primary
// first: what a look-up searches while a rotation (Rotating) has not yet re-indexed
// every row, so that a row still indexed under a previous key is found.
func (k *Keys) Indexes(kind, normalized string) [][]byte {
	out := make([][]byte, len(k.ordered))
	for i, d := range k.ordered {
		out[i] = d.blindIndex(kind, normalized)
	}
	return out
}

// Rotating reports whether there are previous keys: values and indexes under them
// may still be in the database.
func (k *Keys) Rotating() bool { return len(k.ordered) > 1 }

// NeedsResealing reports whether a sealed value is under a key other than the
// primary (or is not a sealed value at all): what a rotation re-seals.
func (k *Keys) NeedsResealing(value []byte) bool {
	h, err := Parse(value)
	return err != nil || h.KeyID != k.primary.id
}

func (d *key) blindIndex(kind, normalized string) []byte {
	m := hmac.New(sha256.New, d.index)
	m.Write(lengthPrefixed(lengthPrefixed(nil, kind), normalized))
	return m.Sum(nil)
}

// refusals are Open's refusals of a stored value (Unreadable, Refusal).
var refusals = [...]error{ErrMalformed, ErrUnknownKey, ErrAuthentication}

// Unreadable reports whether err is Open's refusal of a stored value, wrapped or
// not: ErrMalformed (not a sealed value), ErrUnknownKey (sealed under a data key no
// longer configured: an old key removed, a dump restored elsewhere) or
// ErrAuthentication (changed in the database, or moved from another row or column).
// That is a fault of the row, which a caller may show or count as unreadable while
// it goes on with the others. A caller's own error for missing keys (ErrNoKeys in
// the packages that seal) is not among them: it is the configuration's fault, the
// same for every row, and neither is a failure of the database or a cancelled
// context; those stop the caller.
func Unreadable(err error) bool {
	for _, refusal := range refusals {
		if errors.Is(err, refusal) {
			return true
		}
	}
	return false
}

// Refusal is an Open error without its place: ErrMalformed, ErrUnknownKey or
// ErrAuthentication itself, for a message that must not name the row — a row key may
// be a secret, such as a verification session's id, which its QR code carries. Any
// other error is returned as it is.
func Refusal(err error) error {
	for _, refusal := range refusals {
		if errors.Is(err, refusal) {
			return refusal
		}
	}
	return err
}

// RecordUnreadable is a domain's refusal to show or act on one record whose sealed
// values do not open (see Unreadable): cases.ErrCaseUnreadable,
// counter.ErrUnreadable, counter.ErrAppealUnreadable, scans.ErrTampered. The record
// and the cause are logged (by the domain, or by the web layer with the request's
// path); whoever asked can only report it, so the web layer answers every such
// refusal the same way — 500 with Msg and whom to ask, which differs between the
// hall's users (the counter) and the back office's staff (the data keys) — instead
// of each page mapping each domain's refusal.
type RecordUnreadable struct {
	// Code names the refusal in logs and tests.
	Code string
	// Msg is the Chinese sentence naming the kind of record, without advice.
	Msg string
}

func (e *RecordUnreadable) Error() string { return "unreadable record: " + e.Code }
