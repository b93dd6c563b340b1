package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// mustAnchor writes an anchor and wants one written at seq.
func mustAnchor(t *testing.T, l *Log, path string, seq int64) Anchor {
	t.Helper()
	a, wrote, err := l.WriteAnchor(context.Background(), path)
	if err != nil || !wrote || a.Seq != seq {
		t.Fatalf("WriteAnchor = %+v, %v, %v; want a new anchor at seq %d", a, wrote, err, seq)
	}
	return a
}

func verifyAnchors(t *testing.T, l *Log, path string) AnchorResult {
	t.Helper()
	res, err := l.VerifyAnchors(context.Background(), path)
	if err != nil {
		t.Fatalf("VerifyAnchors: %v", err)
	}
	return res
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestAnchorsAgreeWithTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		path := filepath.Join(t.TempDir(), "anchors", "audit-anchor.log")

		// Nothing to anchor in an empty chain, and no file yet.
		if a, wrote, err := l.WriteAnchor(ctx, path); err != nil || wrote {
			t.Fatalf("WriteAnchor on an empty chain = %+v, %v, %v", a, wrote, err)
		}
		if res := verifyAnchors(t, l, path); res.Present || res.OK || !strings.Contains(res.String(), "no anchor file at "+path) {
			t.Fatalf("missing file: %+v %q", res, res)
		}

		rows := seed(t, l, 3)
		first := mustAnchor(t, l, path, 3)
		if first.Hash != rows[0].Hash || first.At.Location() != time.UTC || first.At.Nanosecond()%1000 != 0 {
			t.Fatalf("anchor %+v; want the head's hash %s at a UTC microsecond", first, rows[0].Hash)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("anchor file: %v %v, want mode 0600", st, err)
		}
		// The head did not move: nothing is appended.
		if _, wrote, err := l.WriteAnchor(ctx, path); err != nil || wrote {
			t.Fatalf("WriteAnchor with an unmoved head wrote %v, %v", wrote, err)
		}
		for range 2 {
			if _, err := l.Record(ctx, Entry{Action: "grant.revoke", Result: Success}); err != nil {
				t.Fatal(err)
			}
		}
		mustAnchor(t, l, path, 5)
		if lines := fileLines(t, path); len(lines) != 2 {
			t.Fatalf("anchor file has %d lines, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		mustVerifyOK(t, l, 5)
		res := verifyAnchors(t, l, path)
		if !res.OK || res.Anchors != 2 || res.Newest.Seq != 5 || res.HeadSeq != 5 {
			t.Fatalf("VerifyAnchors = %+v", res)
		}
		if want := "audit anchors OK: 2 anchors in " + path; !strings.HasPrefix(res.String(), want) {
			t.Fatalf("String() = %q, want prefix %q", res, want)
		}

		// A line cut short by a crash stays a line of its own: the next anchor is
		// whole, and verify names the cut line.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(`{"v":1,"seq":5,"ha`); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if _, err := l.Record(ctx, Entry{Action: "grant.revoke", Result: Success}); err != nil {
			t.Fatal(err)
		}
		mustAnchor(t, l, path, 6)
		lines := fileLines(t, path)
		if len(lines) != 4 {
			t.Fatalf("anchor file has %d lines, want 4:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		if a, err := ParseAnchor([]byte(lines[3])); err != nil || a.Seq != 6 || !l.Signed(a) {
			t.Fatalf("anchor after a cut line: %+v, %v", a, err)
		}
		if res := verifyAnchors(t, l, path); res.OK || res.Reason != AnchorUnreadable || res.Line != 3 {
			t.Fatalf("VerifyAnchors with a cut line = %+v", res)
		}
	})
}

// TestAnchorsFindATruncatedChain is the attack the anchors exist for: with the
// triggers dropped, the newest rows deleted and audit_head moved back to the last row
// left, the chain verifies, but it no longer reaches the anchored head.
func TestAnchorsFindATruncatedChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		path := filepath.Join(t.TempDir(), "audit-anchor.log")
		seed(t, l, 3)
		mustAnchor(t, l, path, 3)
		rows := seed(t, l, 6) // newest first: rows[0] is seq 9
		newest := mustAnchor(t, l, path, 9)
		mustVerifyOK(t, l, 9)

		dropGuards(t, db)
		exec(t, db, "DELETE FROM audit_log WHERE seq > 4")
		exec(t, db, "UPDATE audit_head SET seq = 4, hash = ? WHERE id = 1", rows[5].Hash)
		mustVerifyOK(t, l, 4) // the chain alone cannot tell

		res := verifyAnchors(t, l, path)
		if res.OK || res.Reason != AnchorTruncated || res.Line != 2 || res.Anchor != newest || res.HeadSeq != 4 {
			t.Fatalf("VerifyAnchors = %+v; want truncated at line 2 (seq 9), head 4", res)
		}
		for _, want := range []string{"TRUNCATED", path + " line 2", "anchored seq 9 hash " + newest.Hash,
			newest.At.Format(anchorTimeLayout), "chain head is seq 4", "5 anchored entries missing"} {
			if !strings.Contains(res.String(), want) {
				t.Errorf("String() = %q, want %q in it", res, want)
			}
		}

		// The serving side refuses to anchor the shortened head, so the file keeps
		// pointing at the loss.
		if _, wrote, err := l.WriteAnchor(ctx, path); !errors.Is(err, ErrHeadBehindAnchor) || wrote {
			t.Fatalf("WriteAnchor on the truncated chain = %v, %v; want ErrHeadBehindAnchor", wrote, err)
		}
		if n := len(fileLines(t, path)); n != 2 {
			t.Fatalf("anchor file has %d lines after the refusal, want 2", n)
		}
	})
}

func TestAnchoredRowMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := New(db, testKey, clock())
		path := filepath.Join(t.TempDir(), "audit-anchor.log")
		seed(t, l, 3)
		first := mustAnchor(t, l, path, 3)
		seed(t, l, 2)
		mustAnchor(t, l, path, 5)
		dropGuards(t, db)
		exec(t, db, "DELETE FROM audit_log WHERE seq = 3")
		res := verifyAnchors(t, l, path)
		if res.OK || res.Reason != AnchorMissing || res.Line != 1 || res.Anchor != first || res.HeadSeq != 5 {
			t.Fatalf("VerifyAnchors = %+v; want the anchored row 3 missing at line 1", res)
		}
	})
}

// TestAnchorFileTampering edits the anchor file, one case at a time, over a chain of
// five rows anchored at 3 and 5.
func TestAnchorFileTampering(t *testing.T) {
	otherKey := []byte("another audit key, 32 bytes long")
	type tamperCase struct {
		name string
		// edit returns the file's new lines, given the good ones and the chain.
		edit   func(l *Log, lines []string, rows []Entry) []string
		line   int64
		reason AnchorReason
		want   string // in String()
	}
	signed := func(l *Log, seq int64, hash string) string {
		a := Anchor{Seq: seq, Hash: hash, At: time.Date(2026, 3, 1, 2, 0, 0, 1000, time.UTC)}
		a.Sig = l.sign(a)
		return string(a.Line())
	}
	cases := []tamperCase{
		{"seq raised", func(_ *Log, lines []string, _ []Entry) []string {
			lines[1] = strings.Replace(lines[1], `"seq":5`, `"seq":4`, 1)
			return lines
		}, 2, AnchorSignature, "anchor signature invalid (seq 4"},
		{"time moved", func(_ *Log, lines []string, _ []Entry) []string {
			lines[0] = strings.Replace(lines[0], `"at":"2026-`, `"at":"2025-`, 1)
			return lines
		}, 1, AnchorSignature, "line 1: anchor signature invalid"},
		{"hash replaced", func(_ *Log, lines []string, rows []Entry) []string {
			lines[0] = strings.Replace(lines[0], rows[2].Hash, rows[3].Hash, 1)
			return lines
		}, 1, AnchorSignature, "anchor signature invalid"},
		{"signed with another key", func(_ *Log, lines []string, rows []Entry) []string {
			return append(lines, signed(New(nil, otherKey, nil), 5, rows[0].Hash))
		}, 3, AnchorSignature, "line 3"},
		{"signed without a key", func(_ *Log, lines []string, rows []Entry) []string {
			return append(lines, signed(New(nil, nil, nil), 5, rows[0].Hash))
		}, 3, AnchorSignature, "line 3"},
		{"not JSON", func(_ *Log, lines []string, _ []Entry) []string {
			return append(lines[:1], "seq=5", lines[1])
		}, 2, AnchorUnreadable, "anchor line unreadable"},
		{"unknown field", func(_ *Log, lines []string, _ []Entry) []string {
			lines[1] = strings.Replace(lines[1], `{"v":1,`, `{"v":1,"note":"x",`, 1)
			return lines
		}, 2, AnchorUnreadable, `unknown field "note"`},
		{"line too long", func(_ *Log, lines []string, _ []Entry) []string {
			return append(lines, strings.Repeat("x", 5000))
		}, 3, AnchorUnreadable, "longer than 1024 bytes"},
		{"signed anchor on another hash", func(l *Log, lines []string, rows []Entry) []string {
			return append(lines[:1], signed(l, 4, rows[3].Hash), lines[1])
		}, 2, AnchorHash, "anchored seq 4 hash "},
		{"signed anchor past the chain", func(l *Log, lines []string, rows []Entry) []string {
			return append(lines, signed(l, 7, rows[0].Hash))
		}, 3, AnchorTruncated, "chain head is seq 5"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := New(db, testKey, clock())
		dir := t.TempDir()
		path := filepath.Join(dir, "audit-anchor.log")
		seed(t, l, 3)
		mustAnchor(t, l, path, 3)
		seed(t, l, 2)
		mustAnchor(t, l, path, 5)
		rows, _, err := l.List(context.Background(), Filter{PerPage: 5}) // newest first
		if err != nil || len(rows) != 5 {
			t.Fatalf("List = %d rows, %v", len(rows), err)
		}
		good := fileLines(t, path)
		// Blank lines are no anchors and no harm.
		blank := filepath.Join(dir, "blank.log")
		if err := os.WriteFile(blank, []byte("\n"+good[0]+"\n\n"+good[1]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if res := verifyAnchors(t, l, blank); !res.OK || res.Anchors != 2 {
			t.Fatalf("file with blank lines: %+v", res)
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				edited := filepath.Join(dir, "case"+string(rune('a'+i))+".log")
				lines := tc.edit(l, append([]string(nil), good...), rows)
				if err := os.WriteFile(edited, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				res := verifyAnchors(t, l, edited)
				if res.OK || res.Reason != tc.reason || res.Line != tc.line {
					t.Fatalf("VerifyAnchors = %+v (%s); want %s at line %d", res, res, tc.reason, tc.line)
				}
				if !strings.Contains(res.String(), tc.want) {
					t.Errorf("String() = %q, want %q in it", res, tc.want)
				}
				if tc.reason == AnchorHash && res.ChainHash != rows[1].Hash {
					t.Errorf("ChainHash = %s, want the chain's %s", res.ChainHash, rows[1].Hash)
				}
			})
		}
	})
}

func TestParseAnchor(t *testing.T) {
	l := New(nil, testKey, nil)
	a := Anchor{Seq: 12, Hash: strings.Repeat("ab", 32), At: time.Date(2026, 3, 1, 1, 30, 0, 5000, time.UTC)}
	a.Sig = l.sign(a)
	good := string(a.Line())
	if got, err := ParseAnchor([]byte(good)); err != nil || got != a || !l.Signed(got) {
		t.Fatalf("ParseAnchor(%s) = %+v, %v", good, got, err)
	}
	bad := map[string]string{
		"empty":              "",
		"array":              "[]",
		"version 2":          strings.Replace(good, `"v":1`, `"v":2`, 1),
		"seq 0":              strings.Replace(good, `"seq":12`, `"seq":0`, 1),
		"negative seq":       strings.Replace(good, `"seq":12`, `"seq":-12`, 1),
		"seq as text":        strings.Replace(good, `"seq":12`, `"seq":"12"`, 1),
		"short hash":         strings.Replace(good, a.Hash, a.Hash[2:], 1),
		"upper-case hash":    strings.Replace(good, a.Hash, strings.ToUpper(a.Hash), 1),
		"upper-case sig":     strings.Replace(good, a.Sig, strings.ToUpper(a.Sig), 1),
		"no sig":             strings.Replace(good, `,"sig":"`+a.Sig+`"`, "", 1),
		"time zone offset":   strings.Replace(good, "01:30:00.000005Z", "09:30:00.000005+08:00", 1),
		"nanoseconds":        strings.Replace(good, "00.000005Z", "00.000005000Z", 1),
		"no fraction":        strings.Replace(good, "00.000005Z", "00Z", 1),
		"second object":      good + good,
		"text after":         good + " x",
		"unknown field":      strings.Replace(good, `"v":1`, `"v":1,"w":2`, 1),
		"over-long":          good + strings.Repeat(" ", 1100),
		"null":               "null",
		"truncated":          good[:len(good)-5],
		"invalid UTF-8 time": strings.Replace(good, "2026-03-01T01:30:00.000005Z", "2026-03-01T01:30:00.0000\xff5Z", 1),
	}
	for name, line := range bad {
		if got, err := ParseAnchor([]byte(line)); !errors.Is(err, ErrAnchorLine) {
			t.Errorf("%s: ParseAnchor(%q) = %+v, %v; want ErrAnchorLine", name, line, got, err)
		}
	}
}

func FuzzParseAnchor(f *testing.F) {
	l := New(nil, testKey, nil)
	a := Anchor{Seq: 7, Hash: strings.Repeat("0f", 32), At: time.Date(2026, 3, 1, 1, 30, 0, 123000, time.UTC)}
	a.Sig = l.sign(a)
	f.Add(a.Line())
	f.Add([]byte(`{"v":1,"seq":1,"hash":"","at":"","sig":""}`))
	f.Add([]byte(`{"seq":1e3}`))
	f.Add([]byte("\xff{}"))
	f.Fuzz(func(t *testing.T, line []byte) {
		got, err := ParseAnchor(line)
		if err != nil {
			if !errors.Is(err, ErrAnchorLine) {
				t.Fatalf("error %v does not wrap ErrAnchorLine", err)
			}
			return
		}
		// What parses writes back to a line that parses to the same anchor.
		again, err := ParseAnchor(got.Line())
		if err != nil || again != got {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", line, again, err, got)
		}
		if got.Seq < 1 || got.At.Location() != time.UTC || len(got.Line()) > maxAnchorLine {
			t.Fatalf("accepted %+v", got)
		}
	})
}
