package registry

import (
	"bytes"
	"context"
	"encoding/csv"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// clock is a fake time source that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 1, 2, 3, 4, 567891000, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var testNow = newClock().Now()

// testEntries returns n valid demo entries for a seed.
func testEntries(seed uint64, n int) []Entry {
	return DemoEntries(rand.New(rand.NewPCG(seed, 1)), n)
}

// activeEntry returns a valid 存续 enterprise with a resident legal rep.
func activeEntry(seed uint64) Entry {
	g := rand.New(rand.NewPCG(seed, 2))
	return Entry{
		USCC:             ident.GenerateUSCC(g, "320102"),
		Name:             "江苏恒睿科技（南京）有限公司",
		UnitType:         UnitEnterprise,
		LegalRepIDType:   ident.IDTypeResident,
		LegalRepIDNumber: ident.GenerateResidentID(g, "320102", time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC), true),
		LegalRepName:     "王伟",
		RegisteredAt:     time.Date(2015, 3, 7, 0, 0, 0, 0, time.UTC),
		Address:          "江苏省南京市玄武区恒远路1号",
		Region:           "320102",
		Status:           StatusActive,
	}
}

var zhHeader = []string{"统一社会信用代码", "单位名称", "单位类型", "法定代表人证件类型", "法定代表人证件号码",
	"法定代表人姓名", "成立日期", "住所", "行政区划", "登记状态"}

var enHeader = []string{"uscc", "name", "unit_type", "legal_rep_id_type", "legal_rep_id_number",
	"legal_rep_name", "registered_at", "address", "region", "status"}

// row renders e the way a registry export would: Chinese labels, dates as YYYY-MM-DD.
func row(e Entry) []string {
	return []string{e.USCC, e.Name, e.UnitType.Label(), e.LegalRepIDType.Label(), e.LegalRepIDNumber,
		e.LegalRepName, e.RegisteredAt.Format("2006-01-02"), e.Address, e.Region, e.Status.Label()}
}

// csvFile builds a CSV file from a header and rows.
func csvFile(t testing.TB, header []string, rows ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if header != nil {
		if err := w.Write(header); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func entriesFile(t testing.TB, es []Entry) []byte {
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = row(e)
	}
	return csvFile(t, zhHeader, rows...)
}

func countRows(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM registry_entries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sameEntry compares everything but UpdatedAt.
func assertSame(t testing.TB, got, want Entry) {
	t.Helper()
	if !sameContent(got, want) {
		t.Fatalf("entry differs:\n got %#v\nwant %#v", got, want)
	}
}
