package audit

// Anchors: the chain's head, signed and kept outside the database.
//
// The chain proves that no row was edited and none removed from the middle, but not
// that none was removed from the end: whoever can write the database can drop the
// triggers, delete the newest rows and move audit_head back to the last row left, and
// the shorter chain is still a valid chain. An anchor is the head (seq and hash) at a
// moment, signed with a key derived from the chain's key and appended as one JSON line
// to a file the database's writers cannot rewrite:
//
//	{"v":1,"seq":1234,"hash":"<64 hex>","at":"2026-03-01T01:30:00.000000Z","sig":"<64 hex>"}
//
//	sig = HMAC-SHA256(anchorKey, "hall.audit.anchor.v1\x00" ‖ seq ‖ hash ‖ at)
//	anchorKey = HMAC-SHA256(key, "hall.audit.anchor-key.v1")
//
// (seq and at, in microseconds since the Unix epoch, as 8-byte big-endian integers;
// hash as an 8-byte length and its bytes, as in hash.go). A separate key keeps an
// anchor's signature from ever standing for a row hash. Without the key nobody can
// write an anchor the hall accepts; with an empty key (development) anybody can, as
// with the chain itself.
//
// VerifyAnchors then asks the chain to contain every anchored row with its anchored
// hash. A chain cut back below the newest anchor is reported as truncated, naming the
// anchor and the chain's head. The file is only as good as where it is kept: an anchor
// file the attacker can also rewrite proves nothing (docs/audit.md).
//
// Every line stands alone, so several processes may append to one file (two `hall
// serve` on one database both anchor; a few duplicate heads are harmless). Each
// anchor is one write(2) on a file opened O_APPEND, which does not interleave with
// another process's on a local file system.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hall/internal/store"
)

// ErrAnchorLine is wrapped by ParseAnchor's errors: the line is not an anchor.
var ErrAnchorLine = errors.New("audit: not an anchor line")

// ErrHeadBehindAnchor is wrapped by WriteAnchor's error when the chain's head is
// behind the newest anchor in the file (or at its seq with another hash): the chain
// was cut back or replaced, or the file belongs to another database. WriteAnchor
// writes nothing then, so that the file keeps pointing at the loss.
var ErrHeadBehindAnchor = errors.New("audit: chain head is behind the newest anchor")

// Anchor is one signed record of the chain's head.
type Anchor struct {
	Seq  int64     // the head's seq (≥ 1)
	Hash string    // the hash of row Seq, lower-case hex
	At   time.Time // when the head was read: UTC, microseconds
	Sig  string    // HMAC-SHA256 over tag, Seq, Hash and At, lower-case hex
}

const (
	anchorTag    = "hall.audit.anchor.v1\x00"
	anchorKeyTag = "hall.audit.anchor-key.v1"
	// anchorTimeLayout is the only time format of an anchor line (always UTC, always
	// six fractional digits), so that a line has one spelling.
	anchorTimeLayout = "2006-01-02T15:04:05.000000Z"
	// maxAnchorLine bounds a line; a real one is about 190 bytes.
	maxAnchorLine = 1024
	// anchorBatch is how many anchors VerifyAnchors looks up per query.
	anchorBatch = 500
)

// anchorLine is the JSON form of an Anchor.
type anchorLine struct {
	V    int    `json:"v"`
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	At   string `json:"at"`
	Sig  string `json:"sig"`
}

// deriveAnchorKey returns the key anchors are signed with, from the chain's key.
func deriveAnchorKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(anchorKeyTag))
	return m.Sum(nil)
}

// sign returns the signature a should carry.
func (l *Log) sign(a Anchor) string {
	m := hmac.New(sha256.New, l.anchorKey)
	b := append([]byte(anchorTag), make([]byte, 0, 96)...)
	b = appendInt(b, a.Seq)
	b = appendString(b, a.Hash)
	b = appendInt(b, a.At.UnixMicro())
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// Signed reports whether a's signature is right for this Log's key.
func (l *Log) Signed(a Anchor) bool { return equalHex(l.sign(a), a.Sig) }

// Line returns a as one line of the anchor file, without the newline.
func (a Anchor) Line() []byte {
	b, _ := json.Marshal(anchorLine{V: 1, Seq: a.Seq, Hash: a.Hash, At: a.At.UTC().Format(anchorTimeLayout), Sig: a.Sig})
	return b
}

// ParseAnchor reads one line of an anchor file (without its newline). It checks the
// form only — a JSON object with exactly the fields v (1), seq (≥ 1), hash and sig
// (64 lower-case hex digits each) and at (UTC, microseconds, anchorTimeLayout) — not
// the signature (Log.Signed). The line is outside input. Errors: ErrAnchorLine,
// wrapped with what is wrong.
func ParseAnchor(line []byte) (Anchor, error) {
	if len(line) > maxAnchorLine {
		return Anchor{}, fmt.Errorf("%w: longer than %d bytes", ErrAnchorLine, maxAnchorLine)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var al anchorLine
	if err := dec.Decode(&al); err != nil {
		return Anchor{}, fmt.Errorf("%w: %v", ErrAnchorLine, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Anchor{}, fmt.Errorf("%w: text after the object", ErrAnchorLine)
	}
	switch {
	case al.V != 1:
		return Anchor{}, fmt.Errorf("%w: version %d (want 1)", ErrAnchorLine, al.V)
	case al.Seq < 1:
		return Anchor{}, fmt.Errorf("%w: seq %d (want ≥ 1)", ErrAnchorLine, al.Seq)
	case !lowerHex64(al.Hash):
		return Anchor{}, fmt.Errorf("%w: hash is not 64 lower-case hex digits", ErrAnchorLine)
	case !lowerHex64(al.Sig):
		return Anchor{}, fmt.Errorf("%w: sig is not 64 lower-case hex digits", ErrAnchorLine)
	}
	at, err := time.Parse(anchorTimeLayout, al.At)
	if err != nil || at.Format(anchorTimeLayout) != al.At {
		return Anchor{}, fmt.Errorf("%w: at %q is not like %s", ErrAnchorLine, al.At, anchorTimeLayout)
	}
	return Anchor{Seq: al.Seq, Hash: al.Hash, At: at, Sig: al.Sig}, nil
}

func lowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// readHead returns audit_head's seq and hash.
func (l *Log) readHead(ctx context.Context) (int64, string, error) {
	return (&walker{db: l.db}).head(ctx)
}

// WriteAnchor appends an anchor of the chain's current head to the file at path
// (created 0600, its directory 0700, if missing) and syncs it to disk. It writes
// nothing and returns false when the chain is empty or the newest anchor in the file
// already names the head. Errors: database failures; file failures (the *os.PathError
// inside); ErrHeadBehindAnchor (nothing written).
func (l *Log) WriteAnchor(ctx context.Context, path string) (Anchor, bool, error) {
	seq, hash, err := l.readHead(ctx)
	if err != nil || seq == 0 {
		return Anchor{}, false, err
	}
	last, found, endsInNewline := l.lastAnchor(path)
	if found {
		switch {
		case seq == last.Seq && equalHex(hash, last.Hash):
			return last, false, nil
		case seq <= last.Seq:
			return Anchor{}, false, fmt.Errorf("%w: head seq %d hash %s, newest anchor seq %d hash %s at %s in %s",
				ErrHeadBehindAnchor, seq, hash, last.Seq, last.Hash, last.At.Format(anchorTimeLayout), path)
		}
	}
	a := Anchor{Seq: seq, Hash: hash, At: store.Time(l.now())}
	a.Sig = l.sign(a)
	line := append(a.Line(), '\n')
	if !endsInNewline {
		// A line cut short (a crash while writing) stays a line of its own, which
		// verify reports, rather than swallowing this anchor.
		line = append([]byte{'\n'}, line...)
	}
	// #nosec G304 -- the anchor file's path is the operator's configuration (--audit-anchor-file), not request input.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			// #nosec G304 -- the anchor file's path is the operator's configuration (--audit-anchor-file), not request input.
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		}
	}
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit: anchor: %w", err)
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit: anchor: %w", err)
	}
	return a, true, nil
}

// lastAnchor reads the last line of the file at path and returns it if it is a
// signed anchor; endsInNewline is false only when the file ends in a cut-short line.
// A file that cannot be read (missing, or writable only) gives no anchor: the next
// anchor is then written whatever the file holds, and verify judges the file.
func (l *Log) lastAnchor(path string) (last Anchor, found, endsInNewline bool) {
	// #nosec G304 -- the anchor file's path is the operator's configuration (--audit-anchor-file), not request input.
	f, err := os.Open(path)
	if err != nil {
		return Anchor{}, false, true
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return Anchor{}, false, true
	}
	off := max(st.Size()-2*maxAnchorLine, 0)
	tail := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(tail, off); err != nil {
		return Anchor{}, false, true
	}
	endsInNewline = tail[len(tail)-1] == '\n'
	lines := strings.Split(strings.TrimRight(string(tail), "\n"), "\n")
	a, err := ParseAnchor([]byte(lines[len(lines)-1]))
	if err != nil || !l.Signed(a) {
		return Anchor{}, false, endsInNewline
	}
	return a, true, endsInNewline
}

// AnchorReason says why the anchors and the chain disagree.
type AnchorReason string

const (
	// AnchorUnreadable: a line is not an anchor (ParseAnchor's error is in Detail).
	AnchorUnreadable AnchorReason = "anchor line unreadable"
	// AnchorSignature: a line's signature is wrong for the key: the line was edited
	// or forged, or signed with another key.
	AnchorSignature AnchorReason = "anchor signature invalid"
	// AnchorHash: the chain's row at the anchored seq has another hash: the chain
	// was rewritten from there on (or the file belongs to another database).
	AnchorHash AnchorReason = "chain hash differs from the anchor"
	// AnchorMissing: the anchored row is gone although the head is past it.
	AnchorMissing AnchorReason = "anchored row missing from the chain"
	// AnchorTruncated: the chain's head is below the newest anchor: rows the hall
	// had written are gone from the end.
	AnchorTruncated AnchorReason = "chain truncated below an anchor"
)

// AnchorResult is the outcome of VerifyAnchors.
type AnchorResult struct {
	Path    string
	Present bool // false: there is no file at Path, and nothing was checked
	OK      bool
	// Anchors is the number of anchor lines read (all of them when OK).
	Anchors int64
	// Newest is the anchor with the highest seq read (zero when none).
	Newest Anchor
	// HeadSeq is the chain head's seq (audit_head) read after the file.
	HeadSeq int64
	// When not OK: Reason; Line, the failing line's number (from 1); Anchor, the
	// failing anchor (for AnchorTruncated the newest; zero for AnchorUnreadable);
	// ChainHash, the chain's hash at Anchor.Seq (AnchorHash); Detail, what is wrong
	// with the line (AnchorUnreadable).
	Reason    AnchorReason
	Line      int64
	Anchor    Anchor
	ChainHash string
	Detail    string
}

// String is the line `hall audit verify` prints.
func (r AnchorResult) String() string {
	at := func(a Anchor) string { return a.At.Format(anchorTimeLayout) }
	switch {
	case !r.Present:
		return fmt.Sprintf("audit anchors: no anchor file at %s; the chain was checked only against itself", r.Path)
	case r.OK && r.Anchors == 0:
		return fmt.Sprintf("audit anchors OK: %s holds no anchors yet", r.Path)
	case r.OK:
		return fmt.Sprintf("audit anchors OK: %d anchors in %s agree with the chain; newest seq %d at %s, chain head seq %d",
			r.Anchors, r.Path, r.Newest.Seq, at(r.Newest), r.HeadSeq)
	}
	where := fmt.Sprintf("%s line %d", r.Path, r.Line)
	a := r.Anchor
	switch r.Reason {
	case AnchorUnreadable:
		return fmt.Sprintf("audit anchors BROKEN at %s: %s (%s)", where, r.Reason, r.Detail)
	case AnchorSignature:
		return fmt.Sprintf("audit anchors BROKEN at %s: %s (seq %d, at %s)", where, r.Reason, a.Seq, at(a))
	case AnchorHash:
		return fmt.Sprintf("audit anchors BROKEN at %s: anchored seq %d hash %s at %s, but the chain's row %d has hash %s",
			where, a.Seq, a.Hash, at(a), a.Seq, r.ChainHash)
	case AnchorTruncated:
		return fmt.Sprintf("audit chain TRUNCATED: %s anchored seq %d hash %s at %s, but the chain head is seq %d (%d anchored entries missing)",
			where, a.Seq, a.Hash, at(a), r.HeadSeq, a.Seq-r.HeadSeq)
	}
	return fmt.Sprintf("audit anchors BROKEN at %s: anchored seq %d hash %s at %s: %s (chain head seq %d)",
		where, a.Seq, a.Hash, at(a), r.Reason, r.HeadSeq)
}

// VerifyAnchors checks every line of the anchor file at path against the chain: the
// line must be an anchor signed with this Log's key, the chain must hold row seq with
// the anchored hash, and the chain's head must not be below the newest anchor. It
// reads the file once, looking anchors up a batch at a time (constant memory), and
// reports the first unreadable, unsigned or disagreeing line; rows missing are
// reported after the whole file, as truncation when the head is below the newest
// anchor. Empty lines are skipped. It checks the anchored rows' hashes, not the chain
// itself: run Verify as well. A file missing is no error (Present false). Errors:
// database failures and failures to read the file.
func (l *Log) VerifyAnchors(ctx context.Context, path string) (AnchorResult, error) {
	res := AnchorResult{Path: path}
	// #nosec G304 -- the anchor file's path is the operator's configuration (--audit-anchor-file), not request input.
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("audit: anchors: %w", err)
	}
	defer f.Close()
	res.Present = true
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxAnchorLine+1)
	var (
		batch        []lineAnchor
		firstMissing *lineAnchor
		newestLine   int64
		n            int64
	)
	flush := func() (bool, error) {
		bad, missing, err := l.checkBatch(ctx, batch)
		batch = batch[:0]
		if err != nil || bad != nil {
			if bad != nil {
				res.Reason, res.Line, res.Anchor, res.ChainHash = AnchorHash, bad.line, bad.a, bad.chainHash
			}
			return false, err
		}
		if missing != nil && firstMissing == nil {
			firstMissing = missing
		}
		return true, nil
	}
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		a, err := ParseAnchor(sc.Bytes())
		if err != nil {
			res.Reason, res.Line, res.Detail = AnchorUnreadable, n, strings.TrimPrefix(err.Error(), ErrAnchorLine.Error()+": ")
			return res, nil
		}
		if !l.Signed(a) {
			res.Reason, res.Line, res.Anchor = AnchorSignature, n, a
			return res, nil
		}
		res.Anchors++
		if a.Seq > res.Newest.Seq {
			res.Newest, newestLine = a, n
		}
		if batch = append(batch, lineAnchor{line: n, a: a}); len(batch) == anchorBatch {
			if ok, err := flush(); !ok {
				return res, err
			}
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		res.Reason, res.Line, res.Detail = AnchorUnreadable, n+1, fmt.Sprintf("longer than %d bytes", maxAnchorLine)
		return res, nil
	} else if err != nil {
		return res, fmt.Errorf("audit: anchors: %w", err)
	}
	if ok, err := flush(); !ok {
		return res, err
	}
	// The head is read after the file: every anchor read names a head the chain had
	// reached before, so a head below it now was moved back.
	if res.HeadSeq, _, err = l.readHead(ctx); err != nil {
		return res, err
	}
	switch {
	case res.Newest.Seq > res.HeadSeq:
		res.Reason, res.Line, res.Anchor = AnchorTruncated, newestLine, res.Newest
	case firstMissing != nil:
		res.Reason, res.Line, res.Anchor = AnchorMissing, firstMissing.line, firstMissing.a
	default:
		res.OK = true
	}
	return res, nil
}

// lineAnchor is an anchor read from a line of the file.
type lineAnchor struct {
	line      int64
	a         Anchor
	chainHash string
}

// checkBatch looks up the rows batch names and returns the first anchor whose row has
// another hash (bad) and the first whose row is missing.
func (l *Log) checkBatch(ctx context.Context, batch []lineAnchor) (bad, missing *lineAnchor, err error) {
	if len(batch) == 0 {
		return nil, nil, nil
	}
	args := make([]any, len(batch))
	for i, b := range batch {
		args[i] = b.a.Seq
	}
	rows, err := l.db.Query(ctx, "SELECT seq, hash FROM audit_log WHERE seq IN (?"+strings.Repeat(", ?", len(batch)-1)+")", args...)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: anchors: %w", err)
	}
	defer rows.Close()
	chain := make(map[int64]string, len(batch))
	for rows.Next() {
		var seq int64
		var hash string
		if err := rows.Scan(&seq, &hash); err != nil {
			return nil, nil, fmt.Errorf("audit: anchors: %w", err)
		}
		chain[seq] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("audit: anchors: %w", err)
	}
	for i := range batch {
		b := &batch[i]
		hash, found := chain[b.a.Seq]
		switch {
		case !found:
			if missing == nil {
				m := *b
				missing = &m
			}
		case !equalHex(hash, b.a.Hash):
			m := *b
			m.chainHash = hash
			return &m, missing, nil
		}
	}
	return nil, missing, nil
}
