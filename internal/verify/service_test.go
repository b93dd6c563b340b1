package verify

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

func TestDevLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{})
		who := people(1, 1)[0]

		sess := mustStart(t, svc, PurposeUnitRegister, who)
		if !token.Valid(sess.ID) || sess.Status != Pending || sess.Provider != DevProviderName ||
			!sess.ExpiresAt.Equal(sess.CreatedAt.Add(5*time.Minute)) {
			t.Fatalf("started %+v", sess)
		}
		if link := Link("https://hall.example.gov.cn/", sess.ID); link != "https://hall.example.gov.cn/app/v/"+sess.ID {
			t.Errorf("Link = %q", link)
		}
		got, err := svc.Status(ctx, sess.ID, browserA)
		if err != nil || got.Status != Pending || got.Expected != who || got.Purpose != PurposeUnitRegister {
			t.Fatalf("Status = %+v, %v", got, err)
		}
		// The app screen reads it without the binding and shows it masked.
		shown, err := svc.Lookup(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m := shown.Expected.Masked(); strings.Contains(m.IDNumber, who.IDNumber[1:16]) || m.Name == who.Name {
			t.Errorf("Masked() = %+v", m)
		}

		clk.Add(time.Minute)
		done, err := dev.CompleteInApp(ctx, sess.ID, who, true)
		if err != nil || done.Status != Passed || done.CompletedAt.IsZero() {
			t.Fatalf("CompleteInApp = %+v, %v", done, err)
		}
		got, err = svc.Status(ctx, sess.ID, browserA)
		if err != nil || got.Status != Passed || got.Attempts != 1 || !got.CompletedAt.Equal(done.CompletedAt) {
			t.Fatalf("Status after pass = %+v, %v", got, err)
		}

		var consumed Session
		err = db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			consumed, err = svc.Consume(ctx, tx, sess.ID, browserA)
			return err
		})
		if err != nil || consumed.Status != Passed || consumed.Expected != who || consumed.ConsumedAt.IsZero() {
			t.Fatalf("Consume = %+v, %v", consumed, err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := svc.Consume(ctx, tx, sess.ID, browserA)
			return err
		})
		if !errors.Is(err, ErrUsed) {
			t.Errorf("second Consume: %v, want ErrUsed", err)
		}
		if _, err := dev.CompleteInApp(ctx, sess.ID, who, true); !errors.Is(err, ErrUsed) {
			t.Errorf("CompleteInApp after the result: %v, want ErrUsed", err)
		}
	})
}

func TestDevRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{})
		ps := people(2, 2)
		who, other := ps[0], ps[1]
		sameNumberOtherName := Person{IDType: who.IDType, IDNumber: who.IDNumber, Name: other.Name + "某"}
		otherType := Person{IDType: ident.IDTypeResidencePermit, IDNumber: who.IDNumber, Name: who.Name}

		cases := []struct {
			name    string
			actor   Person
			approve bool
			note    string
		}{
			{"another person", other, true, NoteNotSelf},
			{"same number, other name", sameNumberOtherName, true, NoteNotSelf},
			{"same number, other ID type", otherType, true, NoteNotSelf},
			{"empty actor", Person{}, true, NoteNotSelf},
			{"the person refuses", who, false, NoteRefused},
		}
		for _, c := range cases {
			sess := mustStart(t, svc, PurposeRecover, who)
			got, err := dev.CompleteInApp(ctx, sess.ID, c.actor, c.approve)
			if err != nil || got.Status != Failed || got.ResultNote != c.note {
				t.Errorf("%s: CompleteInApp = %s %q, %v; want failed %q", c.name, got.Status, got.ResultNote, err, c.note)
				continue
			}
			// Failed is final: the right person cannot pass it afterwards.
			if _, err := dev.CompleteInApp(ctx, sess.ID, who, true); !errors.Is(err, ErrUsed) {
				t.Errorf("%s: later approval: %v, want ErrUsed", c.name, err)
			}
			err = db.Tx(ctx, func(tx *store.Tx) error {
				_, err := svc.Consume(ctx, tx, sess.ID, browserA)
				return err
			})
			if !errors.Is(err, ErrFailed) {
				t.Errorf("%s: Consume: %v, want ErrFailed", c.name, err)
			}
		}
		if _, err := dev.CompleteInApp(ctx, token.New(), who, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown session: %v, want ErrNotFound", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{TTL: 2 * time.Minute, ConsumeWindow: time.Minute})
		who := people(3, 1)[0]

		late := mustStart(t, svc, PurposeAgentConfirm, who)
		clk.Add(2 * time.Minute)
		got, err := svc.Status(ctx, late.ID, browserA)
		if err != nil || got.Status != Expired {
			t.Fatalf("Status at expiry = %s, %v; want expired", got.Status, err)
		}
		if _, err := dev.CompleteInApp(ctx, late.ID, who, true); !errors.Is(err, ErrExpired) {
			t.Errorf("CompleteInApp after expiry: %v, want ErrExpired", err)
		}
		// The late answer is recorded as expired, and stays so.
		if _, err := dev.CompleteInApp(ctx, late.ID, who, true); !errors.Is(err, ErrExpired) {
			t.Errorf("second late CompleteInApp: %v, want ErrExpired", err)
		}
		got, _ = svc.Lookup(ctx, late.ID)
		if got.Status != Expired || got.Attempts != 2 || got.ResultNote != NoteTooLate {
			t.Errorf("after late answers: %s attempts %d note %q", got.Status, got.Attempts, got.ResultNote)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, late.ID, browserA); return err })
		if !errors.Is(err, ErrExpired) {
			t.Errorf("Consume of expired: %v, want ErrExpired", err)
		}

		// A passed result left too long is not taken either.
		slow := mustStart(t, svc, PurposeAgentConfirm, who)
		if _, err := dev.CompleteInApp(ctx, slow.ID, who, true); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		err = db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, slow.ID, browserA); return err })
		if !errors.Is(err, ErrExpired) {
			t.Errorf("Consume after ConsumeWindow: %v, want ErrExpired", err)
		}

		// Sweep removes both once they are old enough.
		if n, err := svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Errorf("Sweep(1h) = %d, %v; want 0", n, err)
		}
		clk.Add(time.Hour)
		if n, err := svc.Sweep(ctx, 30*time.Minute); err != nil || n != 2 {
			t.Errorf("Sweep(30m) = %d, %v; want 2", n, err)
		}
		if _, err := svc.Lookup(ctx, late.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("swept session: %v, want ErrNotFound", err)
		}
	})
}

func TestBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{})
		who := people(4, 1)[0]
		sess := mustStart(t, svc, PurposeUpgrade, who)

		if _, err := svc.Status(ctx, sess.ID, browserB); !errors.Is(err, ErrNotFound) {
			t.Errorf("Status from another browser: %v, want ErrNotFound", err)
		}
		if _, err := svc.Wait(ctx, sess.ID, browserB, time.Second); !errors.Is(err, ErrNotFound) {
			t.Errorf("Wait from another browser: %v, want ErrNotFound", err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, sess.ID, browserA); return err })
		if !errors.Is(err, ErrPending) {
			t.Errorf("Consume while pending: %v, want ErrPending", err)
		}
		if _, err := dev.CompleteInApp(ctx, sess.ID, who, true); err != nil {
			t.Fatal(err)
		}
		for _, b := range []string{browserB, ""} {
			err := db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, sess.ID, b); return err })
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Consume with binding %q: %v, want ErrNotFound", b, err)
			}
		}
		// The other browser's attempts did not use the result up.
		err = db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, sess.ID, browserA); return err })
		if err != nil {
			t.Errorf("Consume by the owner after refused attempts: %v", err)
		}
		for _, id := range []string{"", "short", token.New()} {
			if _, err := svc.Status(ctx, id, browserA); !errors.Is(err, ErrNotFound) {
				t.Errorf("Status(%q): %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestStartRefuses(t *testing.T) {
	db := storetest.SQLite(t)
	svc, _ := devService(db, newClock(), Config{})
	who := people(5, 1)[0]
	badCheck := who
	badCheck.IDNumber = who.IDNumber[:17] + map[bool]string{true: "0", false: "1"}[who.IDNumber[17] != '0']
	cases := []struct {
		name string
		req  Request
		want error
	}{
		{"empty binding", Request{Purpose: PurposeRecover, Expected: who}, ErrInvalid},
		{"bad purpose", Request{Purpose: "Recover!", Binding: browserA, Expected: who}, ErrInvalid},
		{"no ID type", Request{Purpose: PurposeRecover, Binding: browserA, Expected: Person{IDNumber: who.IDNumber, Name: who.Name}}, ident.ErrIDType},
		{"bad check digit", Request{Purpose: PurposeRecover, Binding: browserA, Expected: badCheck}, ident.ErrIDCheck},
		{"no name", Request{Purpose: PurposeRecover, Binding: browserA, Expected: Person{IDType: who.IDType, IDNumber: who.IDNumber, Name: "  "}}, ErrInvalid},
		{"long name", Request{Purpose: PurposeRecover, Binding: browserA, Expected: Person{IDType: who.IDType, IDNumber: who.IDNumber, Name: strings.Repeat("名", 65)}}, ErrInvalid},
	}
	for _, c := range cases {
		if _, err := svc.Start(t.Context(), c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: Start error = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestConcurrentComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{})
		ps := people(6, 2)
		sess := mustStart(t, svc, PurposeAgentConfirm, ps[0])
		const n = 10
		start := make(chan struct{})
		results := make([]Session, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				// Half approve as the expected person, half as someone else:
				// whichever comes first decides, the rest change nothing.
				actor := ps[i%2]
				results[i], errs[i] = dev.CompleteInApp(ctx, sess.ID, actor, true)
			})
		}
		close(start)
		wg.Wait()
		changed := 0
		var winner Session
		for i, err := range errs {
			switch {
			case err == nil:
				changed++
				winner = results[i]
			case !errors.Is(err, ErrUsed):
				t.Errorf("call %d: %v, want nil or ErrUsed", i, err)
			}
		}
		if changed != 1 {
			t.Fatalf("%d of %d concurrent CompleteInApp changed the state, want exactly 1", changed, n)
		}
		got, err := svc.Status(ctx, sess.ID, browserA)
		if err != nil || got.Status != winner.Status || got.ResultNote != winner.ResultNote || got.Attempts != n {
			t.Errorf("stored %s %q attempts %d (%v); winner said %s %q", got.Status, got.ResultNote, got.Attempts, err, winner.Status, winner.ResultNote)
		}
	})
}

func TestSamePerson(t *testing.T) {
	base := Person{IDType: ident.IDTypeResident, IDNumber: "11010519491231002X", Name: "买买提·艾力"}
	cases := []struct {
		name string
		q    Person
		want bool
	}{
		{"identical", base, true},
		{"lower-case x", Person{base.IDType, "11010519491231002x", base.Name}, true},
		{"spaces around", Person{base.IDType, " 11010519491231002X ", " 买买提·艾力 "}, true},
		{"other middle dot", Person{base.IDType, base.IDNumber, "买买提・艾力"}, true},
		{"ASCII dot", Person{base.IDType, base.IDNumber, "买买提.艾力"}, true},
		{"other name", Person{base.IDType, base.IDNumber, "买买提·艾"}, false},
		{"other number", Person{base.IDType, "110105194912310038", base.Name}, false},
		{"other type", Person{ident.IDTypeResidencePermit, base.IDNumber, base.Name}, false},
		{"empty", Person{}, false},
	}
	for _, c := range cases {
		if got := base.Same(c.q); got != c.want {
			t.Errorf("%s: Same = %v, want %v", c.name, got, c.want)
		}
		if got := c.q.Same(base); got != c.want {
			t.Errorf("%s (reversed): Same = %v, want %v", c.name, got, c.want)
		}
	}
	if (Person{}).Same(Person{}) {
		t.Error("two empty persons are the same")
	}
	latin := Person{ident.IDTypeForeignPassport, "E12345678", "JOHN  SMITH"}
	if !latin.Same(Person{ident.IDTypeForeignPassport, "e12345678", "John Smith"}) {
		t.Error("Latin names differing in case and spacing are not the same")
	}
}

func TestLabels(t *testing.T) {
	for _, p := range []string{PurposeUnitRegister, PurposeUpgrade, PurposeRecover, PurposeAgentConfirm, PurposeAppReset} {
		if l := PurposeLabel(p); l == "" || l == PurposeLabel("other") || !validPurpose(p) {
			t.Errorf("purpose %q: label %q", p, l)
		}
	}
	if PurposeLabel("other") != "身份核验" {
		t.Errorf("fallback label %q", PurposeLabel("other"))
	}
	if !strings.HasPrefix(DevLabel, "开发环境") {
		t.Errorf("DevLabel %q does not say development", DevLabel)
	}
}
