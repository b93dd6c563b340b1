package verify

import (
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2025, 6, 30, 8, 15, 0, 123456000, time.UTC))
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞"}
)

// people returns n invented persons with valid resident ID numbers.
func people(seed uint64, n int) []Person {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]Person, n)
	for i := range out {
		name := surnames[r.IntN(len(surnames))] + given[r.IntN(len(given))]
		if r.IntN(2) == 0 {
			name += given[r.IntN(len(given))]
		}
		out[i] = Person{
			IDType:   ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(r, "", time.Time{}, r.IntN(2) == 0),
			Name:     name,
		}
	}
	return out
}

const (
	browserA = "flow-1|session-cookie-of-browser-A"
	browserB = "flow-9|session-cookie-of-browser-B"
)

// devService returns a Service with the development provider on db.
func devService(db *store.DB, clk *clock, cfg Config) (*Service, *DevProvider) {
	dev := NewDevProvider()
	return New(db, dev, cfg, clk.Now), dev
}

func mustStart(t *testing.T, s *Service, purpose string, p Person) Session {
	t.Helper()
	sess, err := s.Start(t.Context(), Request{Purpose: purpose, Binding: browserA, Expected: p})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return sess
}
