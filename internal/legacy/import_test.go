package legacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/lines"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// testHash is a cheap PBKDF2 hash of password (the minimum iterations).
func testHash(t testing.TB, password string) string {
	t.Helper()
	h, err := HashPBKDF2(password, []byte("test-salt-"+password), MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type testLine struct{ number, uscc, name, hash string }

func testLines(t testing.TB, seed uint64, n int) []testLine {
	r := rand.New(rand.NewPCG(seed, seed))
	var out []testLine
	for i := range n {
		out = append(out, testLine{fmt.Sprintf("JS%08d", 3201000+i), ident.GenerateUSCC(r, "320106"),
			fmt.Sprintf("南京测试%d有限公司", i), testHash(t, fmt.Sprintf("Old#%d", i))})
	}
	return out
}

func csvOf(rows []testLine) []byte {
	var b bytes.Buffer
	b.WriteString("单位编号,统一社会信用代码,单位名称,密码哈希\n")
	for _, l := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", l.number, l.uscc, l.name, l.hash)
	}
	return b.Bytes()
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM legacy_accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportIdempotent: a file loads; loading it again changes nothing; a changed
// line updates its account; an upgraded account is never brought back.
func TestImportIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := &Importer{DB: db, Now: func() time.Time { return time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC) }}
		rows := testLines(t, 1, 5)
		rep, err := im.Import(ctx, bytes.NewReader(csvOf(rows)))
		if err != nil || rep.Inserted != 5 || rep.Rows != 5 {
			t.Fatalf("first import: %+v %v", rep, err)
		}
		rep, err = im.Import(ctx, bytes.NewReader(csvOf(rows)))
		if err != nil || rep.Unchanged != 5 || rep.Inserted+rep.Updated != 0 {
			t.Fatalf("second import: %+v %v", rep, err)
		}
		// Mark the first upgraded, change the first two.
		var id int64
		if err := db.QueryRow(ctx, `SELECT id FROM legacy_accounts WHERE unit_number = ?`, rows[0].number).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, status, created_at, updated_at)
			VALUES (?, '3201069000001', 'x', 'enterprise', '320106', 'active', ?, ?)`, rows[0].uscc, im.Now(), im.Now()); err != nil {
			t.Fatal(err)
		}
		var unitID int64
		if err := db.QueryRow(ctx, `SELECT id FROM units WHERE uscc = ?`, rows[0].uscc).Scan(&unitID); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return NewStore(db, nil).MarkUpgradedTx(ctx, tx, id, unitID, im.Now())
		}); err != nil {
			t.Fatal(err)
		}
		rows[0].name, rows[1].name = "改名甲", "改名乙"
		rep, err = im.Import(ctx, bytes.NewReader(csvOf(rows)))
		if err != nil || rep.Updated != 1 || rep.Upgraded != 1 || rep.Unchanged != 3 {
			t.Fatalf("third import: %+v %v", rep, err)
		}
		a, err := NewStore(db, nil).Get(ctx, id)
		if err != nil || a.State != StateUpgraded || a.UnitName == "改名甲" {
			t.Errorf("the upgraded account was touched: %+v %v", a, err)
		}
	})
}

// TestImportBadLineRollsBack: one bad line anywhere loads nothing and names every
// problem by line and column, in Chinese, without the values.
func TestImportBadLineRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := &Importer{DB: db}
		rows := testLines(t, 2, 4)
		bad := rows[2].uscc[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", rows[2].uscc[17])+1)%31])
		rows[2].uscc = bad
		rows[3].hash = "5f4dcc3b5aa765d61d8327deb882cf99"
		file := csvOf(append(rows, rows[0]))
		rep, err := im.Import(ctx, bytes.NewReader(file))
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("Import = %v, want ErrInvalidFile", err)
		}
		if n := count(t, db); n != 0 {
			t.Fatalf("%d accounts loaded from a bad file", n)
		}
		want := []string{"第4行 统一社会信用代码：", "第5行 密码哈希：不支持的密码哈希格式", "第6行 单位编号：单位编号与第2行重复"}
		var got []string
		for _, e := range rep.Errors {
			got = append(got, e.String())
		}
		all := strings.Join(got, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("errors %q lack %q", all, w)
			}
		}
		if strings.Contains(all, bad) || strings.Contains(all, "5f4dcc3b") {
			t.Errorf("errors quote the values: %s", all)
		}
		// Missing columns and an empty file.
		for _, f := range []string{"", "单位编号,单位名称\nJS00000001,x\n", "单位编号,统一社会信用代码,单位名称,密码哈希\n"} {
			if _, err := im.Import(ctx, strings.NewReader(f)); !errors.Is(err, ErrInvalidFile) {
				t.Errorf("Import(%q) = %v, want ErrInvalidFile", f, err)
			}
		}
	})
}

// TestCheck: the right password passes; a wrong password and an unknown number give
// the same error; an upgraded account says so only after the right password.
func TestCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := NewStore(db, nil)
		// With no account at all an unknown number is still refused.
		if _, err := st.Check(ctx, "JS03201000", "x"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Check on an empty table = %v", err)
		}
		rows := testLines(t, 3, 2)
		if _, err := (&Importer{DB: db}).Import(ctx, bytes.NewReader(csvOf(rows))); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, number, password string
			want                   error
		}{
			{"right", rows[0].number, "Old#0", nil},
			{"right, lower case and spaces", " " + strings.ToLower(rows[0].number[:4]) + " " + rows[0].number[4:], "Old#0", nil},
			{"wrong password", rows[0].number, "Old#1", ErrBadCredentials},
			{"unknown number", "JS99999999", "Old#0", ErrBadCredentials},
			{"malformed number", "单位", "Old#0", ErrBadCredentials},
			{"empty password", rows[1].number, "", ErrBadCredentials},
			{"the right password and more than 512 bytes", rows[0].number, "Old#0" + strings.Repeat("x", 600), ErrBadCredentials},
		} {
			a, err := st.Check(ctx, tc.number, tc.password)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.want)
			}
			if tc.want == nil && a.USCC != rows[0].uscc {
				t.Errorf("%s: account %+v", tc.name, a)
			}
		}
	})
}

// TestCheckOverlongTakesAsLong: an over-long password is refused after the same
// one verification for a known number as for an unknown one, so the time of the
// refusal does not tell whether the account exists. The hash is made slow enough
// (PBKDF2, 400,000 iterations) that skipping it would show.
func TestCheckOverlongTakesAsLong(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	h, err := HashPBKDF2("Old#slow", []byte("0123456789abcdef"), 400000)
	if err != nil {
		t.Fatal(err)
	}
	line := testLines(t, 5, 1)[0]
	line.hash = h
	if _, err := (&Importer{DB: db}).Import(ctx, bytes.NewReader(csvOf([]testLine{line}))); err != nil {
		t.Fatal(err)
	}
	st := NewStore(db, nil)
	long := strings.Repeat("y", 600)
	took := func(number string) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			if _, err := st.Check(ctx, number, long); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("Check(%s, over-long) = %v", number, err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	unknown, known := took("JS99999999"), took(line.number)
	if known < unknown/3 {
		t.Fatalf("an over-long password is refused in %v for a known number and %v for an unknown one", known, unknown)
	}
}

// TestUnknownNumberCostsAsAccountsDo: an unknown number is verified against a
// stored account's hash chosen by a keyed hash of the number, so that with an
// export mixing costs the unknown numbers cost as the accounts do, in the same
// proportions; a number always gets the same one (a retry shows no difference in
// time); another key chooses otherwise.
func TestUnknownNumberCostsAsAccountsDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := NewStore(db, []byte("key one"))
		if h, err := st.dummyHash(ctx, "JS99999999"); err != nil || h != nil {
			t.Fatalf("no accounts: %v, %v", h, err)
		}
		rows := testLines(t, 7, 4)
		cheap, dear := MinIterations, 3*MinIterations
		for i := range rows {
			iterations := cheap
			if i%2 == 1 {
				iterations = dear
			}
			h, err := HashPBKDF2("Old#x", []byte(fmt.Sprintf("salt-%08d", i)), iterations)
			if err != nil {
				t.Fatal(err)
			}
			rows[i].hash = h
		}
		if _, err := (&Importer{DB: db}).Import(ctx, bytes.NewReader(csvOf(rows))); err != nil {
			t.Fatal(err)
		}
		other := NewStore(db, []byte("key two"))
		byCost := map[int]int{}
		differ := 0
		for i := range 200 {
			number := fmt.Sprintf("JS9%07d", i)
			h, err := st.dummyHash(ctx, number)
			if err != nil || h == nil {
				t.Fatalf("%s: %v, %v", number, h, err)
			}
			byCost[h.iterations]++
			if again, _ := st.dummyHash(ctx, number); again.iterations != h.iterations || !bytes.Equal(again.salt, h.salt) {
				t.Fatalf("%s: chose %d then %d iterations", number, h.iterations, again.iterations)
			}
			if o, _ := other.dummyHash(ctx, number); !bytes.Equal(o.salt, h.salt) {
				differ++
			}
		}
		if byCost[cheap] < 60 || byCost[dear] < 60 {
			t.Errorf("unknown numbers verified at %v iterations, want both costs about half the time", byCost)
		}
		if differ == 0 {
			t.Error("another key chooses the same hash for every number")
		}
	})
}

// TestUnknownNumberRangeKept: the range of IDs an unknown number's dummy hash is
// chosen in is read once and kept, not queried on every attempt: an account written
// behind the store's back is not chosen until the range is older than rangeMaxAge,
// and then it is; an import that tells the store (Importer.Accounts) shows at once.
func TestUnknownNumberRangeKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := NewStore(db, []byte("range key"))
		clock := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		st.ids.now = func() time.Time { return clock }
		rows := testLines(t, 11, 8)
		if _, err := (&Importer{DB: db}).Import(ctx, bytes.NewReader(csvOf(rows[:4]))); err != nil {
			t.Fatal(err)
		}
		// costs counts the unknown numbers' dummies by their iterations.
		costs := func(when string) map[int]int {
			t.Helper()
			out := map[int]int{}
			for i := range 50 {
				h, err := st.dummyHash(ctx, fmt.Sprintf("JS8%07d", i))
				if err != nil || h == nil {
					t.Fatalf("%s: dummy hash: %v, %v", when, h, err)
				}
				out[h.iterations]++
			}
			return out
		}
		if got := costs("first import"); got[MinIterations] != 50 {
			t.Fatalf("first import: dummies at %v iterations", got)
		}

		dear := 3 * MinIterations
		for i := 4; i < 8; i++ {
			h, err := HashPBKDF2("Old#x", []byte(fmt.Sprintf("salt-dear-%d", i)), dear)
			if err != nil {
				t.Fatal(err)
			}
			rows[i].hash = h
		}
		if _, err := (&Importer{DB: db, Accounts: st}).Import(ctx, bytes.NewReader(csvOf(rows[4:]))); err != nil {
			t.Fatal(err)
		}
		if got := costs("import told"); got[dear] < 10 || got[MinIterations] < 10 {
			t.Fatalf("after an import that told the store: dummies at %v iterations, want both kinds", got)
		}

		dearest := 5 * MinIterations
		h, err := HashPBKDF2("Old#x", []byte("salt-dearest"), dearest)
		if err != nil {
			t.Fatal(err)
		}
		now := store.Time(clock)
		overriding := "" // PostgreSQL generates the IDs unless told
		if db.Engine == store.Postgres {
			overriding = "OVERRIDING SYSTEM VALUE"
		}
		if _, err := db.Exec(ctx, `INSERT INTO legacy_accounts (id, unit_number, uscc, unit_name, password_hash, state, imported_at, updated_at)
			`+overriding+` VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`, int64(1_000_000_000), "JS77777777", ident.GenerateUSCC(rand.New(rand.NewPCG(12, 12)), "320106"),
			"南京后写有限公司", h, now, now); err != nil {
			t.Fatal(err)
		}
		// Read on every attempt, the range would reach 1,000,000,000 and nearly
		// every number would land on the new account.
		if got := costs("written behind the store's back"); got[dearest] != 0 {
			t.Fatalf("the range was read again within rangeMaxAge: dummies at %v iterations", got)
		}
		clock = clock.Add(rangeMaxAge)
		if got := costs("after rangeMaxAge"); got[dearest] < 45 {
			t.Fatalf("the range was not read again after rangeMaxAge: dummies at %v iterations", got)
		}
	})
}

// TestImportFileProblems: each problem of a file is named by its line, in Chinese;
// an over-long line is one such problem (the lines after it are still checked) and
// nothing is loaded.
func TestImportFileProblems(t *testing.T) {
	const header = "单位编号,统一社会信用代码,单位名称,密码哈希\n"
	rows := testLines(t, 3, 2)
	good := func(l testLine) string { return fmt.Sprintf("%s,%s,%s,%s\n", l.number, l.uscc, l.name, l.hash) }
	long := strings.Repeat("长", lines.MaxBytes/3+1) // over the bound by a character
	cases := []struct {
		name string
		file string
		want []string // every error, in order
	}{
		{"empty", "", []string{"第1行：文件为空，第一行应为表头"}},
		{"header only", header, []string{"第2行：文件中没有数据行"}},
		{"missing column", "单位编号,单位名称,密码哈希\n" + "x,y,z\n", []string{"第1行：表头缺少“统一社会信用代码”列"}},
		{"header too long", strings.Repeat("单位编号", lines.MaxBytes) + "\n" + good(rows[0]), []string{"第1行：" + lines.TooLongMessage}},
		{"quote left open", header + good(rows[0]) + "\"JS0001,x\n", []string{"第3行：不是有效的CSV格式（请检查引号）"}},
		{"quoted line end", header + rows[0].number + "," + rows[0].uscc + ",\"南京\n测试\"," + rows[0].hash + "\n",
			[]string{"第2行：不是有效的CSV格式（请检查引号）", "第3行：不是有效的CSV格式（请检查引号）"}},
		{"short row", header + "JS0001,x\n", []string{"第2行：本行有2列，表头有4列"}},
		{"line too long, later lines still checked",
			header + good(rows[0]) + rows[1].number + "," + rows[1].uscc + "," + long + "," + rows[1].hash + "\r\n" + good(rows[0]),
			[]string{"第3行：" + lines.TooLongMessage, "第4行 单位编号：单位编号与第2行重复"}},
		{"no line end at all", header + strings.Repeat("x", 3*lines.MaxBytes), []string{"第2行：" + lines.TooLongMessage}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		im := &Importer{DB: db}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := im.Import(context.Background(), strings.NewReader(tc.file))
				if !errors.Is(err, ErrInvalidFile) {
					t.Fatalf("Import = %+v, %v; want ErrInvalidFile", rep, err)
				}
				var got []string
				for _, e := range rep.Errors {
					got = append(got, e.String())
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				if n := count(t, db); n != 0 {
					t.Errorf("%d accounts loaded from a bad file", n)
				}
			})
		}
	})
}

// TestLineBound: the import's lines are bounded by lines.Limiter: a line of exactly
// lines.MaxBytes (with either line end) is read; one byte more is refused, and the
// reader goes on with the next line, numbered as in the file.
func TestLineBound(t *testing.T) {
	edge := strings.Repeat("a", lines.MaxBytes)
	for _, end := range []string{"\n", "\r\n"} {
		lr := newLineReader(strings.NewReader(edge + end + edge + "b" + end + "c"))
		if text, n, err := lr.next(); err != nil || n != 1 || text != edge {
			t.Fatalf("line 1 (%q end): %d bytes, line %d, %v", end, len(text), n, err)
		}
		if _, n, err := lr.next(); !errors.Is(err, lines.ErrTooLong) || n != 2 {
			t.Fatalf("line 2 (%q end): line %d, %v; want lines.ErrTooLong", end, n, err)
		}
		if text, n, err := lr.next(); err != nil || n != 3 || text != "c" {
			t.Fatalf("line 3 (%q end): %q, line %d, %v", end, text, n, err)
		}
		if _, _, err := lr.next(); err != io.EOF {
			t.Fatalf("after the last line: %v, want io.EOF", err)
		}
	}
}
