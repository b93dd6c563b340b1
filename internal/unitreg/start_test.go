package unitreg_test

import (
	"errors"
	"strings"
	"testing"

	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/unitreg"
	"hall/internal/verify"
)

// TestStartFields checks each field of step 1 on its own: the message goes beside
// that field and no flow is saved.
func TestStartFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		good := input(e.entry)
		tests := []struct {
			name  string
			edit  func(*unitreg.UnitInput)
			field string
			msg   string
		}{
			{"uscc missing", func(in *unitreg.UnitInput) { in.USCC = " " }, unitreg.FieldUSCC, "请输入统一社会信用代码"},
			{"uscc check", func(in *unitreg.UnitInput) { in.USCC = flipLast(in.USCC) }, unitreg.FieldUSCC, ident.ErrUSCCCheck.Msg},
			{"uscc short", func(in *unitreg.UnitInput) { in.USCC = "91320102" }, unitreg.FieldUSCC, ident.ErrUSCCFormat.Msg},
			{"name missing", func(in *unitreg.UnitInput) { in.Name = "" }, unitreg.FieldUnitName, "请输入单位全称"},
			{"name control", func(in *unitreg.UnitInput) { in.Name = "江苏\u0000公司" }, unitreg.FieldUnitName, "请输入正确的单位全称（不超过100个字符）"},
			{"id type missing", func(in *unitreg.UnitInput) { in.IDType = "" }, unitreg.FieldIDType, "请选择法定代表人证件类型"},
			{"id type unknown", func(in *unitreg.UnitInput) { in.IDType = "driving_licence" }, unitreg.FieldIDType, ident.ErrIDType.Msg},
			{"passport", func(in *unitreg.UnitInput) {
				in.IDType, in.IDNumber = string(ident.IDTypeForeignPassport), "E12345678"
			}, unitreg.FieldIDType, unitreg.MsgPassport},
			{"passport by label", func(in *unitreg.UnitInput) { in.IDType = "外国人护照" }, unitreg.FieldIDType, unitreg.MsgPassport},
			{"id number missing", func(in *unitreg.UnitInput) { in.IDNumber = "" }, unitreg.FieldIDNumber, "请输入法定代表人证件号码"},
			{"id number check", func(in *unitreg.UnitInput) { in.IDNumber = flipLast(in.IDNumber) }, unitreg.FieldIDNumber, ident.ErrIDCheck.Msg},
			{"legal rep missing", func(in *unitreg.UnitInput) { in.LegalRepName = "  " }, unitreg.FieldLegalRepName, "请输入法定代表人姓名"},
			{"legal rep digits", func(in *unitreg.UnitInput) { in.LegalRepName = "周明远1" }, unitreg.FieldLegalRepName, "请输入正确的法定代表人姓名"},
			{"not agreed", func(in *unitreg.UnitInput) { in.Agreed = false }, unitreg.FieldAgreed, "请阅读并同意《法人用户注册协议》"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := good
				tt.edit(&in)
				_, err := e.reg.Start(t.Context(), browserA, in)
				wantField(t, err, tt.field, tt.msg)
				if fe := formError(t, err); len(fe.Fields) != 1 || fe.Top != "" {
					t.Errorf("other messages too: %v, top %q", fe.Fields, fe.Top)
				}
			})
		}
		// Everything empty: every field at once.
		_, err := e.reg.Start(t.Context(), browserA, unitreg.UnitInput{})
		if fe := formError(t, err); len(fe.Fields) != 6 {
			t.Errorf("empty form: %d messages %v, want 6", len(fe.Fields), fe.Fields)
		}
		if n := count(t, db, "flows"); n != 0 {
			t.Errorf("%d flows saved for refused input", n)
		}
	})
}

// flipLast changes the last character so that a check character no longer fits.
func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == '1' {
		b[len(b)-1] = '2'
	} else {
		b[len(b)-1] = '1'
	}
	return string(b)
}

// passAs runs step 1 with in for browserA and passes its verification as the typed
// legal rep, then returns what Verified says.
func (e *env) passAs(t *testing.T, in unitreg.UnitInput) error {
	t.Helper()
	ctx := t.Context()
	f, err := e.reg.Start(ctx, browserA, in)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	v, err := e.reg.Get(ctx, f.ID, browserA)
	if err != nil {
		t.Fatal(err)
	}
	typed := verify.Person{IDType: ident.IDType(in.IDType), IDNumber: strings.ToUpper(strings.TrimSpace(in.IDNumber)),
		Name: strings.TrimSpace(in.LegalRepName)}
	if _, err := e.svc.DevVerify.CompleteInApp(ctx, v.Session.ID, typed, true); err != nil {
		t.Fatalf("CompleteInApp: %v", err)
	}
	return e.reg.Verified(ctx, f.ID, browserA)
}

// TestStartAnswersAlike: step 1 compares nothing with the registry, so a hundred
// candidate ID numbers for a registered unit, the legal rep's among them, all get
// the same answer: a flow at the verify step for the typed person.
func TestStartAnswersAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		born := e.entry.RegisteredAt.AddDate(-30, 0, 0)
		for i := range 100 {
			in := input(e.entry)
			if i != 37 {
				in.IDNumber = ident.GenerateResidentID(e.g, "320102", born, i%2 == 0)
			}
			f, err := e.reg.Start(ctx, browserA, in)
			if err != nil || f.Step != unitreg.StepVerify {
				t.Fatalf("candidate %d: %v", i, err)
			}
			v, err := e.reg.Get(ctx, f.ID, browserA)
			if err != nil || v.Verification != unitreg.VerifyPending || v.LegalRep.IDNumber != ident.MaskID(in.IDNumber) {
				t.Fatalf("candidate %d: view %+v, %v", i, v, err)
			}
		}
	})
}

// TestVerifiedRegistry checks the registry rules, applied once the typed legal rep
// has passed face verification: unknown unit, outage, mismatch per field, abnormal
// status, and a unit that already has an account.
func TestVerifiedRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		other := ident.GenerateUSCC(e.g, "320104")

		in := input(e.entry)
		in.USCC = other
		wantField(t, e.passAs(t, in), unitreg.FieldUSCC, unitreg.MsgRegistryNotFound)

		// An outage after the verification passed: the flow stays verified, and
		// Verified goes on once the registry answers again.
		f, err := e.reg.Start(ctx, browserA, input(e.entry))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := e.reg.Get(ctx, f.ID, browserA)
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, v.Session.ID, legalRep(e.entry), true); err != nil {
			t.Fatal(err)
		}
		e.svc.DevRegistry.SetUnavailable(true)
		err = e.reg.Verified(ctx, f.ID, browserA)
		if fe := formError(t, err); fe.Top != unitreg.MsgRegistryUnavailable || len(fe.Fields) != 0 {
			t.Errorf("registry down: top %q fields %v", fe.Top, fe.Fields)
		}
		e.svc.DevRegistry.SetUnavailable(false)
		if v, _ := e.reg.Get(ctx, f.ID, browserA); v.Verification != unitreg.VerifyPassed {
			t.Errorf("after the outage the page shows %q", v.Verification)
		}
		if err := e.reg.Verified(ctx, f.ID, browserA); err != nil {
			t.Errorf("Verified after the outage: %v", err)
		}

		in = input(e.entry)
		in.Name = "江苏澄睿信息科技有限公司"
		wantField(t, e.passAs(t, in), unitreg.FieldUnitName, registry.ErrNameMismatch.Msg)

		// Brackets and spaces do not count as a difference.
		in = input(e.addEntry(t, "南京恒远（江宁）物流有限公司", registry.StatusActive))
		in.Name = "南京恒远(江宁)物流有限公司 "
		if err := e.passAs(t, in); err != nil {
			t.Errorf("half-width brackets refused: %v", err)
		}

		for name, edit := range map[string]func(*unitreg.UnitInput){
			"legal rep name": func(in *unitreg.UnitInput) { in.LegalRepName = "周明" },
			"legal rep number": func(in *unitreg.UnitInput) {
				in.IDNumber = ident.GenerateResidentID(e.g, "320102", e.entry.RegisteredAt.AddDate(-30, 0, 0), false)
			},
			"legal rep type": func(in *unitreg.UnitInput) {
				in.IDType = string(ident.IDTypeResidencePermit)
				in.IDNumber = ident.GenerateResidencePermit(e.g, "810000", e.entry.RegisteredAt.AddDate(-30, 0, 0), true)
			},
		} {
			in := input(e.entry)
			edit(&in)
			err := e.passAs(t, in)
			t.Run(name, func(t *testing.T) { wantField(t, err, unitreg.FieldIDNumber, registry.ErrLegalRepMismatch.Msg) })
		}

		closed := e.addEntry(t, "苏州禾川食品有限公司", registry.StatusCancelled)
		if fe := formError(t, e.passAs(t, input(closed))); fe.Top != registry.ErrStatusAbnormal.Msg {
			t.Errorf("cancelled unit: top %q fields %v", fe.Top, fe.Fields)
		}

		// A unit with an account is sent to the login page.
		taken := e.addEntry(t, "无锡锦拓机械制造有限公司", registry.StatusActive)
		p := e.createPerson(t, taken.LegalRepIDType, taken.LegalRepIDNumber, taken.LegalRepName, e.mobile(), "Hall#2026pass")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := e.svc.Units.Create(ctx, tx, unit.NewUnit{USCC: taken.USCC, Name: taken.Name, UnitType: "企业",
				Region: taken.Region, LegalRepPersonID: p.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantField(t, e.passAs(t, input(taken)), unitreg.FieldUSCC, unitreg.MsgUnitTaken)
	})
}

// TestStartSavesFlow checks what a successful step 1 leaves: a flow at the verify
// step, bound to the browser, and a pending verification session for the
// registered legal rep, bound to the flow.
func TestStartSavesFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		in := input(e.entry)
		in.USCC = " " + lowerASCII(in.USCC) + " " // typed loosely
		f, err := e.reg.Start(ctx, browserA, in)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if f.Step != unitreg.StepVerify || f.Kind != flow.KindUnitRegister {
			t.Errorf("flow at %s/%s", f.Kind, f.Step)
		}
		if got := f.ExpiresAt.Sub(f.CreatedAt); got != unitreg.TTL {
			t.Errorf("flow lives %v, want %v", got, unitreg.TTL)
		}
		v, err := e.reg.Get(ctx, f.ID, browserA)
		if err != nil {
			t.Fatal(err)
		}
		if v.USCC != e.entry.USCC || v.UnitName != e.entry.Name || v.Verification != unitreg.VerifyPending {
			t.Errorf("view %+v", v)
		}
		if v.LegalRep.IDNumber != ident.MaskID(e.entry.LegalRepIDNumber) || v.LegalRep.Name != "**远" {
			t.Errorf("legal rep shown as %+v", v.LegalRep)
		}
		// The session belongs to the flow, not to the browser binding.
		sess, err := e.svc.Verify.Status(ctx, v.Session.ID, f.ID)
		if err != nil {
			t.Fatalf("session by flow ID: %v", err)
		}
		if sess.Purpose != verify.PurposeUnitRegister || !sess.Expected.Same(legalRep(e.entry)) || sess.Status != verify.Pending {
			t.Errorf("session %+v", sess)
		}
		if _, err := e.svc.Verify.Status(ctx, v.Session.ID, browserA); !errors.Is(err, verify.ErrNotFound) {
			t.Errorf("session by browser binding: %v", err)
		}
		// Another browser cannot see the flow.
		if _, err := e.reg.Get(ctx, f.ID, browserB); !errors.Is(err, unitreg.ErrNotFound) {
			t.Errorf("Get from another browser: %v", err)
		}
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
