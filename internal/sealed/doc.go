// Package sealed keeps personal data encrypted at rest (SPEC §9, QUALITY.md
// "Security", issue #16): a value is sealed with an AEAD under the data key from
// configuration (config data-key) before it is written to the database, and opened
// after it is read; look-ups by a mobile or an ID number go through a keyed blind
// index instead of the clear value.
//
// # Keys
//
// The data key is 32 random bytes (config data-key: base64, `openssl rand -base64
// 32`). Nothing is used under it directly: HKDF-SHA256 (RFC 5869, no salt) derives
//
//   - the encryption key, info "hall sealed encryption v1" (32 bytes,
//     XChaCha20-Poly1305);
//   - the blind-index key, info "hall blind index v1" (32 bytes, HMAC-SHA256);
//   - the key identifier, info "hall sealed key id v1" (the first 4 bytes), which
//     names the key inside every sealed value without revealing anything about it.
//
// Keys holds the primary key, which seals and indexes, and any previous keys, which
// only open: a rotation (`hall keys rotate`, not yet built) configures the new key
// as primary and the old one as previous, re-seals every value in batches, and
// recomputes the index columns (the index key changes with the data key), and the
// old key can go once nothing names its identifier.
//
// # Format of a sealed value (version 1)
//
//	offset  length  content
//	0       1       version, 0x01
//	1       4       key identifier (see Keys)
//	5       24      nonce, random per value (XChaCha20-Poly1305: 192-bit nonces
//	                are safe to draw at random for any number of values)
//	29      n + 16  ciphertext of the n plaintext bytes, then the Poly1305 tag
//
// so a sealed value is 45 bytes longer than its plaintext. The database keeps the
// bytes as they are (SQLite BLOB, PostgreSQL bytea).
//
// # Where a value belongs
//
// The additional data of the AEAD is the format's first 5 bytes (version and key
// identifier) followed by "hall sealed", the table, the column and the row key
// (Place), each as a 4-byte big-endian length and its bytes. A value therefore opens
// only in the table, column and row it was sealed for: copied into another column,
// or onto another row of the same column, it is refused like a tampered one. The
// row key is whatever identifies the row for good (usually its ID, in decimal);
// empty when a value is not bound to a row.
//
// # Errors
//
// Open returns, wrapped with the place:
//
//   - ErrMalformed: too short for the format, or a version this hall does not know;
//   - ErrUnknownKey: sealed under a key identifier that is neither the primary nor
//     a previous key — sealed under another data key, or a key that was retired
//     too early;
//   - ErrAuthentication: the bytes do not authenticate under the named key — any
//     changed byte (a flipped bit, a forged key identifier), or a value moved to
//     another table, column or row.
//
// None of them says more than that: a caller shows a generic failure and logs the
// place, never the bytes.
//
// # Blind index
//
// Index(kind, normalized) is HMAC-SHA256 under the blind-index key of the kind and
// the value (each length-prefixed), 32 bytes. Equal inputs give equal indexes, so a
// unique index or a WHERE clause on the index column finds a row without the clear
// value in the database; someone without the key cannot compute it for a guessed
// mobile. Normalizing is the caller's: the index of "138 1234 5678" is not that of
// "13812345678", so every writer and every reader passes the value through the same
// normalizer first (ident.NormalizeMobile for mobiles, ident.ValidateID's result for
// ID numbers). The kind ("mobile", "id-number") keeps indexes of different kinds apart,
// so a mobile and an ID number with the same digits do not match.
package sealed
