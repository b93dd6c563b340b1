package insurance

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
)

// Bounds are the contribution base floor and ceiling in fen a month. FACTS.md gives
// one source's 4,879 / 24,396 with the year unconfirmed, so they are a setting.
type Bounds struct {
	Floor, Ceiling int64
}

// DefaultBounds are FACTS.md's figures.
var DefaultBounds = Bounds{Floor: 487900, Ceiling: 2439600}

// Clamp brings a wage into the bounds: the base of a person paid less than the floor
// is the floor, and of one paid more than the ceiling the ceiling.
func (b Bounds) Clamp(wage int64) int64 { return max(b.Floor, min(b.Ceiling, wage)) }

// Contribution rates in hundredths of a percent (FACTS.md): pension unit 16%,
// personal 8%; unemployment 0.5% each; work injury by industry class, the unit
// alone.
const (
	PensionUnitRate      = 1600
	PensionPersonalRate  = 800
	UnemploymentUnitRate = 50
	UnemploymentPersRate = 50
)

// InjuryClassRates are the work-injury rates of the eight industry classes.
var InjuryClassRates = [8]int{20, 40, 70, 90, 110, 130, 160, 190}

// DemoUnit is a unit to generate demo insurance data for.
type DemoUnit struct {
	USCC      string
	Region    string // county code for the employees' ID numbers
	Public    bool   // a public institution: 机关事业单位养老保险 instead of 企业基本养老保险
	Employees int    // headcount to keep about steady
	// InjuryClass is the work-injury industry class, 1–8 (software 1, construction 5).
	InjuryClass  int
	Construction bool // has construction projects (工程工伤)
	Subsidiaries int
	Foreigners   int
}

// DemoStats counts what LoadDemo wrote.
type DemoStats struct {
	Employees, Payments, Changes int
}

// amount is base × rate, rounded to the fen.
func amount(base int64, rate int) int64 { return (base*int64(rate) + 5000) / 10000 }

// LoadDemo writes invented but consistent insurance data for the units over the
// months last-months+1 … last, in tx: each unit's enrolments, employees with valid
// ID numbers and generated names, their enrolment periods, a payment per person,
// type and month with the base between the bounds, the monthly 增员/减员 of a steady
// turnover, those reaching retirement age leaving with 退休 and becoming pension
// recipients (a few staying on, over age), and foreigners, construction projects
// and subsidiaries where asked. Rows go in multi-row prepared inserts, so a unit of
// 3,000 employees over 36 months loads in a few seconds.
func LoadDemo(ctx context.Context, tx *store.Tx, g *rand.Rand, units []DemoUnit, last Month, months int, b Bounds) (DemoStats, error) {
	var st DemoStats
	if tx.Engine() == store.SQLite {
		// SQLite's default page cache (2 MB) spills the transaction's dirty pages to
		// the WAL file as it grows, and the writes cost more than the inserts; hold
		// them in memory until the commit, then give the memory back.
		var was int64
		if err := tx.QueryRow(ctx, "PRAGMA cache_size").Scan(&was); err != nil {
			return st, err
		}
		if _, err := tx.Exec(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return st, err
		}
		defer func() { _, _ = tx.Exec(ctx, fmt.Sprintf("PRAGMA cache_size = %d", was)) }()
	}
	w := newWriters(ctx, tx)
	defer w.close()
	first := last.Add(-(months - 1))
	for _, u := range units {
		if err := demoUnit(w, g, u, first, last, b, &st); err != nil {
			return st, err
		}
	}
	if err := w.flush(); err != nil {
		return st, err
	}
	var usccs []string
	for _, u := range units {
		usccs = append(usccs, u.USCC)
	}
	if err := refreshMonthlyTotals(ctx, tx, usccs); err != nil {
		return st, err
	}
	return st, analyze(ctx, tx, "insurance_enrolments", "insurance_employees", "insurance_periods",
		"insurance_payments", "insurance_changes", "insurance_pensioners", "insurance_exemptions", "insurance_projects",
		"insurance_subsidiaries")
}

type demoPerson struct {
	id, name     string
	sex          Sex
	cat          Category
	retire       Month
	join, leave  Month // leave 0: still there
	reason       string
	wage         int64
	keepsWorking bool
}

func demoUnit(w *writers, g *rand.Rand, u DemoUnit, first, last Month, b Bounds, st *DemoStats) error {
	pensionType := TypePension
	if u.Public {
		pensionType = TypePublicPension
	}
	injuryRate := InjuryClassRates[max(1, min(8, u.InjuryClass))-1]
	types := []struct {
		t              Type
		unit, personal int
	}{{pensionType, PensionUnitRate, PensionPersonalRate}, {TypeInjury, injuryRate, 0},
		{TypeUnemployment, UnemploymentUnitRate, UnemploymentPersRate}}
	opened := first.Add(-12 - g.IntN(120))
	for _, t := range types {
		start := fmt.Sprintf("%04d-%02d-%02d", opened.Year(), opened.Mon(), 1+g.IntN(28))
		if err := w.enrolments.add(u.USCC, string(t.t), string(StatusPaying), start, int64(t.unit), int64(t.personal)); err != nil {
			return err
		}
	}

	seen := map[string]bool{}
	newPerson := func(join Month) (*demoPerson, error) {
		male := g.IntN(100) < 55
		var birth time.Time
		p := &demoPerson{name: registry.DemoPersonName(g, male), sex: Female, cat: Worker, join: join}
		if male {
			p.sex = Male
		}
		if g.IntN(100) < 40 {
			p.cat = Staff
		}
		// Ages from 18 at the start of the window, younger ones more likely, and
		// at least a year before retirement when joining.
		for p.retire <= max(join, first).Add(12) {
			age := 18 + int(g.ExpFloat64()*12)%45
			birth = time.Date(first.Year()-age, time.Month(1+g.IntN(12)), 1+g.IntN(28), 0, 0, 0, 0, time.UTC)
			_, p.retire = Retirement(MonthOf(birth), p.sex, p.cat)
		}
		for p.id == "" || seen[p.id] {
			p.id = ident.GenerateResidentID(g, u.Region, birth, male)
		}
		seen[p.id] = true
		// Wages: a long tail above a typical 4,000–9,000 a month.
		p.wage = int64(400000+g.IntN(500000)) + int64(g.ExpFloat64()*400000)
		p.keepsWorking = g.IntN(100) < 15
		return p, w.employees.add(u.USCC, p.id, p.name, string(p.cat), string(p.sex), birth.Format("2006-01-02"), int64(p.retire))
	}

	var people []*demoPerson
	for range u.Employees {
		p, err := newPerson(first.Add(-1 - g.IntN(180)))
		if err != nil {
			return err
		}
		people = append(people, p)
	}
	// Each month about 1.5% leave (and those reaching retirement age, unless they
	// stay on), and as many join as keep the headcount near u.Employees.
	reasons := []string{"解除劳动合同", "劳动合同期满", "个人辞职", "调出本单位"}
	active := len(people)
	for m := first; m <= last; m = m.Add(1) {
		for _, p := range people {
			switch {
			case p.leave != 0 || p.join > m:
			case p.retire <= m && !p.keepsWorking:
				p.leave, p.reason = m, "退休"
				active--
			case g.IntN(1000) < 15:
				p.leave, p.reason = m, pickString(g, reasons)
				active--
			}
		}
		for active < u.Employees {
			p, err := newPerson(m)
			if err != nil {
				return err
			}
			people = append(people, p)
			active++
		}
		// Bases are declared once a year, in January, from last year's wages.
		if m.Mon() == time.January {
			for _, p := range people {
				p.wage += p.wage * int64(g.IntN(8)) / 100
			}
		}
		// In primary-key order (month, type, ID number), so the rows append to the
		// index instead of landing all over it.
		slices.SortFunc(people, func(a, b *demoPerson) int { return strings.Compare(a.id, b.id) })
		for _, t := range types {
			for _, p := range people {
				if p.join > m || (p.leave != 0 && p.leave <= m) {
					continue
				}
				base := b.Clamp(p.wage)
				if err := w.payments.add(u.USCC, int64(m), string(t.t), p.id, base, amount(base, t.unit), amount(base, t.personal)); err != nil {
					return err
				}
				st.Payments++
			}
		}
	}
	for _, p := range people {
		st.Employees++
		end := int64(0)
		if p.leave != 0 {
			end = int64(p.leave.Add(-1))
		}
		for _, t := range types {
			if err := w.periods.add(u.USCC, p.id, string(t.t), int64(p.join), end); err != nil {
				return err
			}
		}
		if p.join >= first {
			st.Changes++
			if err := w.changes.add(u.USCC, int64(p.join), p.id, string(ChangeJoin), "新招录"); err != nil {
				return err
			}
		}
		if p.leave != 0 {
			st.Changes++
			if err := w.changes.add(u.USCC, int64(p.leave), p.id, string(ChangeLeave), p.reason); err != nil {
				return err
			}
		}
		if p.reason == "退休" {
			pension := b.Clamp(p.wage) * int64(35+g.IntN(25)) / 100
			if err := w.pensioners.add(u.USCC, p.id, p.name, int64(p.leave), pension); err != nil {
				return err
			}
		}
	}
	for i := range u.Foreigners {
		passport := fmt.Sprintf("%c%c%07d", 'A'+g.IntN(26), 'A'+g.IntN(26), g.IntN(10_000_000))
		start := first.Add(g.IntN(24))
		nat := pickString(g, []string{"德国", "韩国", "法国", "日本", "荷兰", "瑞士", "芬兰"})
		if err := w.exemptions.add(u.USCC, passport, fmt.Sprintf("%04d-%02d-%02d", start.Year(), start.Mon(), 1+i%28),
			registry.DemoForeignName(g), nat, fmt.Sprintf("%04d-%02d-%02d", start.Year()+3, start.Mon(), 1+i%28)); err != nil {
			return err
		}
	}
	if u.Construction {
		for i := range 6 + g.IntN(10) {
			start := first.Add(g.IntN(30))
			end := start.Add(6 + g.IntN(18))
			name := pickString(g, []string{"科技园", "安置房", "中学", "产业园", "商业综合体", "污水处理厂"})
			number := fmt.Sprintf("GC%s%04d%03d", u.Region, start.Year(), i+1)
			if err := w.projects.add(u.USCC, number, fmt.Sprintf("%s%d期工程", name, 1+g.IntN(3)),
				fmt.Sprintf("%04d-%02d-01", start.Year(), start.Mon()), fmt.Sprintf("%04d-%02d-28", end.Year(), end.Mon()),
				int64(5_000_000+g.IntN(50_000_000))); err != nil {
				return err
			}
		}
	}
	for i := range u.Subsidiaries {
		sub := ident.GenerateUSCCWithPrefix(g, "91", u.Region)
		opened := first.Add(-g.IntN(120))
		if err := w.subsidiaries.add(u.USCC, sub, pickString(g, []string{"南京", "苏州", "无锡", "常州"})+fmt.Sprintf("第%d分公司", i+1),
			fmt.Sprintf("%04d-%02d-%02d", opened.Year(), opened.Mon(), 1+g.IntN(28))); err != nil {
			return err
		}
	}
	return nil
}

func pickString(g *rand.Rand, xs []string) string { return xs[g.IntN(len(xs))] }

// batchRows is how many rows one multi-row INSERT carries: well inside both
// engines' limits on bound parameters (7 columns × 500).
const batchRows = 500

// inserter collects rows of one table and writes them batchRows at a time through
// one prepared statement, the remainder at flush.
type inserter struct {
	ctx   context.Context
	tx    *store.Tx
	table string
	cols  int
	head  string
	stmt  *sql.Stmt
	args  []any
}

func (in *inserter) sql(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.cols), ", ") + ")"
	return in.head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

func (in *inserter) add(vals ...any) error {
	in.args = append(in.args, vals...)
	if len(in.args) < batchRows*in.cols {
		return nil
	}
	if in.stmt == nil {
		s, err := in.tx.Prepare(in.ctx, in.sql(batchRows))
		if err != nil {
			return fmt.Errorf("insurance demo: prepare %s: %w", in.table, err)
		}
		in.stmt = s
	}
	if _, err := in.stmt.ExecContext(in.ctx, in.args...); err != nil {
		return fmt.Errorf("insurance demo: insert %s: %w", in.table, err)
	}
	in.args = in.args[:0]
	return nil
}

func (in *inserter) flush() error {
	if len(in.args) == 0 {
		return nil
	}
	if _, err := in.tx.Exec(in.ctx, in.sql(len(in.args)/in.cols), in.args...); err != nil {
		return fmt.Errorf("insurance demo: insert %s: %w", in.table, err)
	}
	in.args = in.args[:0]
	return nil
}

type writers struct {
	enrolments, employees, periods, payments, changes, pensioners, exemptions, projects, subsidiaries *inserter
}

func newWriters(ctx context.Context, tx *store.Tx) *writers {
	mk := func(t *table) *inserter {
		cols := t.storedColumns()
		return &inserter{ctx: ctx, tx: tx, table: t.sql, cols: len(cols),
			head: "INSERT INTO " + t.sql + " (" + strings.Join(cols, ", ") + ") VALUES "}
	}
	by := func(f string) *inserter { return mk(tableByFile(f)) }
	return &writers{by("enrolments.csv"), by("employees.csv"), by("periods.csv"), by("payments.csv"), by("changes.csv"),
		by("pensioners.csv"), by("exemptions.csv"), by("projects.csv"), by("subsidiaries.csv")}
}

func (w *writers) all() []*inserter {
	return []*inserter{w.enrolments, w.employees, w.periods, w.payments, w.changes, w.pensioners, w.exemptions, w.projects, w.subsidiaries}
}

func (w *writers) flush() error {
	for _, in := range w.all() {
		if err := in.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (w *writers) close() {
	for _, in := range w.all() {
		if in.stmt != nil {
			_ = in.stmt.Close() // closing prepared statements at the end of the demo load; nothing to recover
		}
	}
}
