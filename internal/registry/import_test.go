package registry

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hall/internal/ident"
	"hall/internal/lines"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func importBytes(t *testing.T, tb *Table, b []byte) (Report, error) {
	t.Helper()
	return tb.Import(context.Background(), bytes.NewReader(b))
}

func TestImportGoodFileWithBOMThenIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tb := NewTable(db, clk.Now)
		es := testEntries(1, 40)
		file := append([]byte("\xEF\xBB\xBF"), entriesFile(t, es)...)

		rep, err := importBytes(t, tb, file)
		if err != nil {
			t.Fatalf("Import: %v %v", err, rep.Errors)
		}
		if rep.Encoding != EncodingUTF8 || rep.Rows != 40 || rep.Inserted != 40 || rep.Updated+rep.Unchanged != 0 {
			t.Fatalf("first import report %+v", rep)
		}
		first := clk.Now().UTC().Truncate(time.Microsecond)
		for _, e := range es {
			got, err := tb.Lookup(ctx, e.USCC)
			if err != nil {
				t.Fatalf("Lookup %s: %v", e.USCC, err)
			}
			assertSame(t, got, e)
			if !got.UpdatedAt.Equal(first) {
				t.Fatalf("updated_at %v, want %v", got.UpdatedAt, first)
			}
		}

		// The same file again: nothing changes, not even updated_at.
		clk.Advance(time.Hour)
		rep, err = importBytes(t, tb, file)
		if err != nil || rep.Unchanged != 40 || rep.Inserted+rep.Updated != 0 {
			t.Fatalf("re-import: %+v, %v", rep, err)
		}
		if ch, err := tb.ChangedSince(ctx, first.Add(time.Microsecond), 100); err != nil || len(ch) != 0 {
			t.Fatalf("re-import changed %d entries (%v)", len(ch), err)
		}

		// One unit gets a new legal rep, another a new name; one is new.
		clk.Advance(time.Hour)
		g := testEntries(2, 1)
		es[3].LegalRepIDNumber, es[3].LegalRepName, es[3].LegalRepIDType = g[0].LegalRepIDNumber, g[0].LegalRepName, g[0].LegalRepIDType
		es[7].Name += "（新）"
		es = append(es, testEntries(3, 1)...)
		rep, err = importBytes(t, tb, entriesFile(t, es))
		if err != nil || rep.Inserted != 1 || rep.Updated != 2 || rep.Unchanged != 38 {
			t.Fatalf("changed import: %+v, %v", rep, err)
		}
		changed, err := tb.ChangedSince(ctx, first.Add(time.Microsecond), 100)
		if err != nil || len(changed) != 3 {
			t.Fatalf("ChangedSince = %d entries, %v; want 3", len(changed), err)
		}
		for _, c := range changed {
			if !c.UpdatedAt.Equal(clk.Now().UTC().Truncate(time.Microsecond)) {
				t.Fatalf("changed entry stamped %v", c.UpdatedAt)
			}
		}
		if got, _ := tb.Lookup(ctx, es[3].USCC); got.LegalRepName != es[3].LegalRepName {
			t.Fatal("legal rep change not stored")
		}
	})
}

func TestImportThreeBadLinesLoadsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		es := testEntries(4, 6)
		rows := make([][]string, len(es))
		for i, e := range es {
			rows[i] = row(e)
		}
		rows[1][0] = flipLast(rows[1][0]) // line 3: bad USCC check character
		rows[3][1] = ""                   // line 5: missing unit name
		rows[4][9] = "迁出"                 // line 6: unknown status
		rep, err := importBytes(t, tb, csvFile(t, zhHeader, rows...))
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("Import error = %v, want ErrInvalidFile", err)
		}
		want := []struct {
			line       int
			column     string
			code, text string
		}{
			{3, "统一社会信用代码", ident.CodeUSCCCheck, "校验位错误"},
			{5, "单位名称", CodeRequired, "单位名称不能为空"},
			{6, "登记状态", CodeStatus, "登记状态无法识别"},
		}
		if len(rep.Errors) != len(want) || rep.MoreErrors != 0 {
			t.Fatalf("errors %v, want %d", rep.Errors, len(want))
		}
		for i, w := range want {
			got := rep.Errors[i]
			if got.Line != w.line || got.Column != w.column || got.Code != w.code || !strings.Contains(got.Msg, w.text) {
				t.Errorf("error %d = %+v, want line %d %s %s", i, got, w.line, w.column, w.code)
			}
		}
		if n := countRows(t, db); n != 0 {
			t.Fatalf("%d rows loaded from a bad file", n)
		}
		if rep.Inserted+rep.Updated+rep.Unchanged != 0 {
			t.Fatalf("report counts writes of a failed import: %+v", rep)
		}
	})
}

func TestImportBadFileLeavesExistingDataAlone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tb := NewTable(db, clk.Now)
		es := testEntries(5, 5)
		if _, err := importBytes(t, tb, entriesFile(t, es)); err != nil {
			t.Fatal(err)
		}
		before := clk.Now().UTC().Truncate(time.Microsecond)
		clk.Advance(time.Hour)
		// Rows 1–3 change (and would be written before the bad row 4 is read).
		changed := append([]Entry(nil), es...)
		for i := range 3 {
			changed[i].Address += "附1号"
		}
		changed = append(changed, testEntries(6, 1)...)
		rows := [][]string{row(changed[0]), row(changed[1]), row(changed[2]), append(row(changed[3])[:6:6], "2015-02-30", "", "", "存续"), row(changed[5])}
		if _, err := importBytes(t, tb, csvFile(t, zhHeader, rows...)); !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("Import = %v, want ErrInvalidFile", err)
		}
		if n := countRows(t, db); n != 5 {
			t.Fatalf("%d rows, want 5", n)
		}
		for _, e := range es {
			got, err := tb.Lookup(ctx, e.USCC)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, got, e)
			if !got.UpdatedAt.Equal(before) {
				t.Fatalf("updated_at moved to %v", got.UpdatedAt)
			}
		}
	})
}

func TestImportGB18030(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		es := testEntries(7, 12)
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(entriesFile(t, es))
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(gb) {
			t.Fatal("test file is valid UTF-8; the GB18030 path is not exercised")
		}
		rep, err := importBytes(t, tb, gb)
		if err != nil || rep.Encoding != EncodingGB18030 || rep.Inserted != 12 {
			t.Fatalf("Import: %+v, %v", rep, err)
		}
		for _, e := range es {
			got, err := tb.Lookup(context.Background(), e.USCC)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, got, e)
		}
	})
}

func TestImportDuplicateUSCC(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		es := testEntries(8, 3)
		dup := es[0]
		dup.Name = "另一个名称有限公司"
		dup.USCC = strings.ToLower(dup.USCC) // the same unit after normalisation
		rep, err := importBytes(t, tb, entriesFile(t, append(es, dup)))
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("Import = %v, want ErrInvalidFile", err)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].Line != 5 || rep.Errors[0].Code != CodeDuplicate ||
			!strings.Contains(rep.Errors[0].Msg, "第2行") {
			t.Fatalf("errors %v", rep.Errors)
		}
		if n := countRows(t, db); n != 0 {
			t.Fatalf("%d rows loaded", n)
		}
	})
}

func TestImportFormats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		es := testEntries(9, 3)
		// English header in another order, without region, an extra column, a
		// blank row, YYYYMMDD dates, CRLF line ends and codes instead of labels.
		hdr := []string{"Status", "USCC", "name", "unit_type", "legal_rep_id_type", "legal_rep_id_number",
			"legal_rep_name", "registered_at", "address", "备注"}
		var rows [][]string
		for _, e := range es {
			rows = append(rows, []string{string(e.Status), e.USCC, e.Name, string(e.UnitType), string(e.LegalRepIDType),
				e.LegalRepIDNumber, e.LegalRepName, e.RegisteredAt.Format("20060102"), e.Address, "无"})
			rows = append(rows, make([]string, len(hdr)))
		}
		file := bytes.ReplaceAll(csvFile(t, hdr, rows...), []byte("\n"), []byte("\r\n"))
		rep, err := importBytes(t, tb, file)
		if err != nil || rep.Inserted != 3 || rep.Rows != 3 {
			t.Fatalf("Import: %+v, %v", rep, err)
		}
		if len(rep.IgnoredColumns) != 1 || rep.IgnoredColumns[0] != "备注" {
			t.Fatalf("ignored columns %v", rep.IgnoredColumns)
		}
		for _, e := range es {
			got, err := tb.Lookup(context.Background(), e.USCC)
			if err != nil {
				t.Fatal(err)
			}
			e.Region = ident.USCCRegion(e.USCC) // the demo units are registered where they are
			assertSame(t, got, e)
		}
	})
}

func TestImportFileProblems(t *testing.T) {
	t.Parallel()
	good := row(testEntries(10, 1)[0])
	long := strings.Repeat("长", lines.MaxBytes/3+10)
	cases := []struct {
		name string
		file []byte
		line int
		msg  string
	}{
		{"empty", nil, 1, "文件为空"},
		{"only a BOM", []byte("\xEF\xBB\xBF"), 1, "文件为空"},
		{"header only", csvFile(t, zhHeader), 2, "没有数据行"},
		{"unknown header", csvFile(t, []string{"a", "b"}, []string{"1", "2"}), 1, "未识别到任何列名"},
		{"missing columns", csvFile(t, zhHeader[:3], good[:3]), 1, "缺少必需的列：法定代表人证件类型、"},
		{"duplicate column", csvFile(t, append(append([]string{}, zhHeader...), "uscc"), append(good, "x")), 1, "列名重复"},
		{"short row", csvFile(t, zhHeader, good[:9]), 2, "本行有9列，表头有10列"},
		{"bare quote", append(csvFile(t, zhHeader, good), []byte("a\"b,2\n")...), 3, "英文双引号"},
		{"UTF-16", []byte("\xFF\xFEu\x00s\x00"), 1, "UTF-16"},
		{"line too long", csvFile(t, zhHeader, good, append([]string{long}, good[1:]...)), 3, "过长"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := importBytes(t, tb, tc.file)
				if !errors.Is(err, ErrInvalidFile) || len(rep.Errors) == 0 {
					t.Fatalf("Import = %+v, %v; want ErrInvalidFile", rep, err)
				}
				if e := rep.Errors[0]; e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
					t.Fatalf("first error %+v, want line %d %q", e, tc.line, tc.msg)
				}
				if n := countRows(t, db); n != 0 {
					t.Fatalf("%d rows loaded", n)
				}
			})
		}
	})
}

func TestImportCapsErrorList(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	tb := NewTable(db, newClock().Now)
	bad := row(testEntries(11, 1)[0])
	bad[1] = "" // missing name
	rows := make([][]string, MaxReportedErrors+25)
	for i := range rows {
		rows[i] = bad
	}
	rep, err := importBytes(t, tb, csvFile(t, zhHeader, rows...))
	if !errors.Is(err, ErrInvalidFile) {
		t.Fatal(err)
	}
	// The first row is only missing its name; the others also repeat its USCC.
	if len(rep.Errors) != MaxReportedErrors || rep.ErrorCount() != 1+2*(len(rows)-1) {
		t.Fatalf("%d listed, %d in all", len(rep.Errors), rep.ErrorCount())
	}
}

func TestImportCancelled(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	tb := NewTable(db, newClock().Now)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tb.Import(ctx, bytes.NewReader(entriesFile(t, testEntries(12, 3)))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Import = %v, want context.Canceled", err)
	}
	if n := countRows(t, db); n != 0 {
		t.Fatalf("%d rows loaded", n)
	}
}

// BenchmarkImport measures a first load and a re-load of 10,000 units on SQLite
// (-bench Import -benchtime 3x); rows/s is the figure for docs/benchmarks.md.
func BenchmarkImport(b *testing.B) {
	file := entriesFile(b, testEntries(90, 10_000))
	for _, phase := range []string{"insert", "unchanged"} {
		b.Run(phase, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				db := storetest.SQLite(b)
				tb := NewTable(db, newClock().Now)
				if phase == "unchanged" {
					if _, err := tb.Import(context.Background(), bytes.NewReader(file)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				rep, err := tb.Import(context.Background(), bytes.NewReader(file))
				if err != nil || rep.Rows != 10_000 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
