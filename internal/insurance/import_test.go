package insurance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func testID(seed uint64, male bool) string {
	return ident.GenerateResidentID(rand.New(rand.NewPCG(seed, 3)), "320106",
		time.Date(1970+int(seed%30), time.Month(1+seed%12), 5, 0, 0, 0, 0, time.UTC), male)
}

// badCheck returns id with a wrong check digit.
func badCheck(id string) string {
	c := byte('0')
	if id[17] == '0' {
		c = '1'
	}
	return id[:17] + string(c)
}

func importer(db *store.DB) *Importer {
	return &Importer{DB: db, Now: func() time.Time { return testNow }}
}

// eachRow calls fn with every row of tb's table, all stored columns, in key order.
func eachRow(t *testing.T, db *store.DB, tb *table, fn func(vals []any)) {
	t.Helper()
	cols := tb.storedColumns()
	rows, err := db.Query(context.Background(), "SELECT "+strings.Join(cols, ", ")+" FROM "+tb.sql+" ORDER BY "+strings.Join(cols[:tb.keys], ", "))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fn(vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// snapshot is every row of the read model's tables, for comparing before and after.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range tables {
		eachRow(t, db, tb, func(vals []any) { fmt.Fprintf(&b, "%s %v\n", tb.sql, vals) })
	}
	return b.String()
}

func TestImportEmployees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := importer(db)
		man, woman := testID(1, true), testID(2, false)
		good := "统一社会信用代码,证件号码,姓名,人员身份\n" +
			unitUSCC + "," + man + ",王伟,工人\n" +
			"\n" + // blank lines are skipped
			unitUSCC + ",\"" + strings.ToLower(woman) + "\",李芳,干部\n"
		rep, err := im.Import(ctx, "employees.csv", strings.NewReader("\uFEFF"+good))
		if err != nil || rep.Rows != 2 || rep.Written != 2 || rep.Unchanged != 0 {
			t.Fatalf("first import: %+v, %v", rep, err)
		}
		before := snapshot(t, db)
		rep, err = im.Import(ctx, "employees.csv", strings.NewReader(good))
		if err != nil || rep.Written != 0 || rep.Unchanged != 2 {
			t.Fatalf("second import: %+v, %v", rep, err)
		}
		if after := snapshot(t, db); after != before {
			t.Fatalf("importing twice changed the data:\n%s\n---\n%s", before, after)
		}
		// Sex, birth date and retirement month come from the ID number.
		res, err := New(db).OverAge(ctx, Query{USCC: unitUSCC, Month: 999912})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 0 {
			t.Fatalf("over age without an open period: %+v", res.Rows)
		}
		var sex, birth string
		var retire int
		if err := db.QueryRow(ctx, "SELECT sex, birth_date, retire_month FROM insurance_employees WHERE id_number = ?", man).Scan(&sex, &birth, &retire); err != nil {
			t.Fatal(err)
		}
		bm, _ := ParseMonth(birth[:7])
		if _, at := Retirement(bm, Male, Worker); sex != "male" || Month(retire) != at {
			t.Fatalf("stored sex %s, retirement %d; want male, %d", sex, retire, at)
		}

		// A changed row updates; the other is unchanged.
		changed := strings.Replace(good, "王伟", "王伟强", 1)
		rep, err = im.Import(ctx, "employees.csv", strings.NewReader(changed))
		if err != nil || rep.Written != 1 || rep.Unchanged != 1 {
			t.Fatalf("changed import: %+v, %v", rep, err)
		}

		// The same file as Excel saves it, in GB18030, is the same data.
		gb, err := simplifiedchinese.GB18030.NewEncoder().String(changed)
		if err != nil {
			t.Fatal(err)
		}
		rep, err = im.Import(ctx, "employees.csv", strings.NewReader(gb))
		if err != nil || rep.Written != 0 || rep.Unchanged != 2 {
			t.Fatalf("GB18030 import: %+v, %v", rep, err)
		}

		// Bad lines: each reported with its line in Chinese; nothing written, even
		// the good line.
		before = snapshot(t, db)
		bad := "证件号码,姓名,统一社会信用代码\n" +
			testID(3, true) + ",新人," + unitUSCC + "\n" +
			badCheck(testID(4, true)) + ",张三," + unitUSCC + "\n" +
			testID(5, false) + ",," + unitUSCC + "\n" +
			testID(3, true) + ",又一个," + unitUSCC + "\n" +
			testID(6, false) + ",赵六\n"
		rep, err = im.Import(ctx, "employees.csv", strings.NewReader(bad))
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("bad file: %v", err)
		}
		var got []string
		for _, e := range rep.Errors {
			got = append(got, e.String())
		}
		want := []string{"第3行：证件号码校验位错误", "第4行：姓名不能为空", "第5行：与第2行重复（统一社会信用代码、证件号码相同）", "第6行：本行有2列，表头有3列"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if after := snapshot(t, db); after != before {
			t.Fatal("a file with errors wrote rows")
		}

		// Progress lines for a long file.
		var progress bytes.Buffer
		im.Progress, im.ProgressEvery = &progress, 1
		if _, err := im.Import(ctx, "employees.csv", strings.NewReader(good)); err != nil {
			t.Fatal(err)
		}
		if progress.String() != "employees.csv：已读取1行…\nemployees.csv：已读取2行…\n" {
			t.Fatalf("progress %q", progress.String())
		}

		// Header problems.
		rep, err = im.Import(ctx, "employees.csv", strings.NewReader("姓名,备注\n王伟,x\n"))
		if !errors.Is(err, ErrInvalidFile) || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].String(), "缺少必需的列：统一社会信用代码、证件号码") {
			t.Fatalf("missing columns: %+v, %v", rep, err)
		}
	})
}

// TestImportLineBound: a line over the bound is refused with its line number, the
// file's other lines are not written, and a file without line ends is refused
// having read at most the bound of it (the reader stops there).
func TestImportLineBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := importer(db)
		before := snapshot(t, db)
		long := "统一社会信用代码,证件号码,姓名,人员身份\n" +
			unitUSCC + "," + testID(1, true) + ",王伟,工人\n" +
			unitUSCC + "," + testID(2, false) + "," + strings.Repeat("长", 30<<10) + ",工人\n" +
			unitUSCC + "," + badCheck(testID(3, true)) + ",张三,工人\n"
		rep, err := im.Import(ctx, "employees.csv", strings.NewReader(long))
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("over-long line: %v", err)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].String() != "第3行：该行过长（超过64 KB），文件可能不是CSV格式" {
			t.Fatalf("errors %+v", rep.Errors)
		}
		if after := snapshot(t, db); after != before {
			t.Fatal("a file with an over-long line wrote rows")
		}

		// No line end at all: refused on line 1 without reading the rest.
		src := &countingReader{r: strings.NewReader(strings.Repeat("x", 8<<20))}
		rep, err = im.Import(ctx, "employees.csv", src)
		if !errors.Is(err, ErrInvalidFile) || len(rep.Errors) != 1 || rep.Errors[0].Line != 1 {
			t.Fatalf("no line ends: %+v, %v", rep, err)
		}
		if src.n > 1<<20 {
			t.Fatalf("read %d bytes of a file without line ends", src.n)
		}
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestImportDirTwiceChangesNothing exports the demo data of a unit to the import
// format, imports it into another database twice and finds the same rows there.
func TestImportDirTwiceChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		src := storetest.SQLite(t)
		u := DemoUnit{USCC: unitUSCC, Region: "320102", Employees: 40, InjuryClass: 5, Subsidiaries: 2, Foreigners: 2, Construction: true}
		if err := src.Tx(ctx, func(tx *store.Tx) error {
			_, err := LoadDemo(ctx, tx, rand.New(rand.NewPCG(1, 1)), []DemoUnit{u}, 202511, 14, DefaultBounds)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		writeImportFiles(t, src, dir)
		var out bytes.Buffer
		im := importer(db)
		if err := im.ImportDir(ctx, dir, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		want := snapshot(t, src)
		if got := snapshot(t, db); got != want {
			t.Fatal("imported data differs from the source")
		}
		// The import keeps the unit home's monthly totals, as the demo load does.
		wantTotals, err := New(src).MonthlyTotals(ctx, u.USCC, 202410, 202511)
		if err != nil || len(wantTotals) < 14 {
			t.Fatalf("the source's totals: %d, %v", len(wantTotals), err)
		}
		if got, err := New(db).MonthlyTotals(ctx, u.USCC, 202410, 202511); err != nil || !slices.Equal(got, wantTotals) {
			t.Fatalf("imported totals %v (%v), want %v", got, err, wantTotals)
		}
		out.Reset()
		if err := im.ImportDir(ctx, dir, &out); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, db); got != want {
			t.Fatal("the second import changed the data")
		}
		if !strings.Contains(out.String(), "写入0条") || strings.Contains(out.String(), "失败") {
			t.Fatalf("second import report:\n%s", out.String())
		}

		// A bad file fails alone: the others load, the command's error says which.
		if err := os.WriteFile(filepath.Join(dir, "projects.csv"), []byte("统一社会信用代码,项目编号,项目名称,开始日期,结束日期,参保金额\n"+
			unitUSCC+",GC1,新项目,2025-13-01,2025-12-31,100.00\n"+
			unitUSCC+",GC2,新项目,2025-03-01,2025-02-28,100.00\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		err = im.ImportDir(ctx, dir, &out)
		if !errors.Is(err, ErrInvalidFile) || !strings.Contains(out.String(), "第2行：开始日期格式应为年-月-日") ||
			!strings.Contains(out.String(), "第3行：结束日期早于开始日期") {
			t.Fatalf("bad projects file: %v\n%s", err, out.String())
		}
	})
}

// writeImportFiles writes every table of db in the import format to dir.
func writeImportFiles(t *testing.T, db *store.DB, dir string) {
	t.Helper()
	for _, tb := range tables {
		var b strings.Builder
		hdr := make([]string, len(tb.columns))
		for i, c := range tb.columns {
			hdr[i] = c.zh
		}
		b.WriteString(strings.Join(hdr, ",") + "\n")
		eachRow(t, db, tb, func(vals []any) {
			cells := make([]string, len(tb.columns))
			for i, c := range tb.columns {
				cells[i] = exportCell(c, vals[i])
			}
			b.WriteString(strings.Join(cells, ",") + "\n")
		})
		if err := os.WriteFile(filepath.Join(dir, tb.file), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// exportCell writes a stored value as the import format has it.
func exportCell(c column, v any) string {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch c.db {
	case "insurance_type":
		return Type(v.(string)).Label()
	case "status":
		return Status(v.(string)).Label()
	case "kind":
		return ChangeKind(v.(string)).Label()
	case "category":
		return Category(v.(string)).Label()
	case "month", "start_month", "end_month":
		return Month(v.(int64)).String()
	case "base", "unit_amount", "personal_amount", "monthly_amount", "amount":
		return Yuan(v.(int64))
	case "unit_rate", "personal_rate":
		return Percent(int(v.(int64)))
	}
	return fmt.Sprint(v)
}
