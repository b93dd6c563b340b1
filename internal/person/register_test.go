package person

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := f.validInput()
		// As typed: lower-case x, full-width digits, spaces in the mobile.
		in.IDNumber = strings.ToLower(in.IDNumber)
		in.Mobile = in.Mobile[:3] + " " + in.Mobile[3:7] + " " + in.Mobile[7:]
		want, _ := ident.ParseResidentID(in.IDNumber, f.clock.Now())
		wantMobile, _ := ident.NormalizeMobile(in.Mobile)
		in.SMSCode = f.codes.issue(PurposeRegister, in.Binding, wantMobile, "864209")

		p, err := f.svc.Register(ctx, in)
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if p.ID == 0 || p.IDType != ident.IDTypeResident || p.IDNumber != want.Number || p.Mobile != wantMobile ||
			p.Name != "林晓梅" || p.Level != LevelRealName || p.MustChangePassword {
			t.Fatalf("Register = %+v", p)
		}
		if p.LevelLabel() != "实名用户" || p.MaskedID() != ident.MaskID(want.Number) || p.MaskedMobile() != ident.MaskMobile(wantMobile) {
			t.Fatalf("labels: %q %q %q", p.LevelLabel(), p.MaskedID(), p.MaskedMobile())
		}
		now := f.clock.Now().UTC().Truncate(1000)
		if !p.CreatedAt.Equal(now) || !p.PasswordChangedAt.Equal(now) {
			t.Fatalf("times %v %v, want %v", p.CreatedAt, p.PasswordChangedAt, now)
		}

		for name, get := range map[string]func() (Person, error){
			"Get":        func() (Person, error) { return f.svc.Get(ctx, p.ID) },
			"ByIdentity": func() (Person, error) { return f.svc.ByIdentity(ctx, ident.IDTypeResident, in.IDNumber) },
			"ByMobile":   func() (Person, error) { return f.svc.ByMobile(ctx, "+86"+wantMobile) },
		} {
			got, err := get()
			if err != nil || got != p {
				t.Errorf("%s = %+v, %v; want %+v", name, got, err, p)
			}
		}
		var stored string
		if err := db.QueryRow(ctx, "SELECT password_hash FROM persons WHERE id = ?", p.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "$argon2id$") || strings.Contains(stored, testPassword) {
			t.Fatalf("stored password %q", stored)
		}

		entries, n, err := f.audit.List(ctx, audit.Filter{PersonID: p.ID})
		if err != nil || n != 1 {
			t.Fatalf("audit = %d entries, %v", n, err)
		}
		e := entries[0]
		if e.Action != "person.register" || e.Result != audit.Success || e.ClientIP != in.ClientAddr ||
			e.Detail["id_number"] != p.MaskedID() || strings.Contains(e.Detail["id_number"], want.Number[6:14]) {
			t.Fatalf("audit entry %+v", e)
		}

		// The code was consumed: the same form again is refused at the code.
		in2 := in
		in2.IDNumber = ident.GenerateResidentID(f.rnd, "", time.Time{}, true)
		_, err = f.svc.Register(ctx, in2)
		if fe := formError(t, err); fe.Fields[FieldSMSCode] != msgSMSCodeRefused || len(fe.Fields) != 1 {
			t.Fatalf("reused code: %s", fieldsOf(fe))
		}
	})
}

func TestRegisterOtherIDTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			typ    ident.IDType
			number string
		}{
			{ident.IDTypeForeignPassport, "e12345678"},
			{ident.IDTypeHKMacaoPass, "H12345678"},
			{ident.IDTypeResidencePermit, ident.GenerateResidencePermit(f.rnd, "", time.Time{}, false)},
		} {
			in := f.validInput()
			in.IDType, in.IDNumber, in.Name = string(tc.typ), tc.number, "MARIA GARCIA"
			p, err := f.svc.Register(context.Background(), in)
			if err != nil {
				t.Fatalf("%s: %v", tc.typ, err)
			}
			if p.IDType != tc.typ || p.IDNumber != strings.ToUpper(tc.number) {
				t.Fatalf("%s: stored %s %s", tc.typ, p.IDType, p.IDNumber)
			}
		}
	})
}

func TestRegisterInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name   string
			mod    func(in *RegisterInput)
			fields []string
		}{
			{"no id type", func(in *RegisterInput) { in.IDType = "" }, []string{FieldIDType}},
			{"unknown id type", func(in *RegisterInput) { in.IDType = "driver_licence" }, []string{FieldIDType}},
			{"no id number", func(in *RegisterInput) { in.IDNumber = " " }, []string{FieldIDNumber}},
			{"id check digit", func(in *RegisterInput) { in.IDNumber = flipCheck(in.IDNumber) }, []string{FieldIDNumber}},
			{"id too short", func(in *RegisterInput) { in.IDNumber = in.IDNumber[:17] }, []string{FieldIDNumber}},
			{"passport for resident type", func(in *RegisterInput) { in.IDNumber = "E12345678" }, []string{FieldIDNumber}},
			{"no name", func(in *RegisterInput) { in.Name = "" }, []string{FieldName}},
			{"one-character name", func(in *RegisterInput) { in.Name = "林" }, []string{FieldName}},
			{"name with digits", func(in *RegisterInput) { in.Name = "林晓梅2" }, []string{FieldName}},
			{"name too long", func(in *RegisterInput) { in.Name = strings.Repeat("林", 31) }, []string{FieldName}},
			{"no mobile", func(in *RegisterInput) { in.Mobile = "" }, []string{FieldMobile}},
			{"landline", func(in *RegisterInput) { in.Mobile = "02584001234" }, []string{FieldMobile}},
			{"short mobile", func(in *RegisterInput) { in.Mobile = in.Mobile[:10] }, []string{FieldMobile}},
			{"no password", func(in *RegisterInput) { in.Password = "" }, []string{FieldPassword, FieldConfirm}},
			{"short password", func(in *RegisterInput) { in.Password, in.Confirm = "Ab1!", "Ab1!" }, []string{FieldPassword}},
			{"two classes", func(in *RegisterInput) { in.Password, in.Confirm = "abcdefgh12", "abcdefgh12" }, []string{FieldPassword}},
			{"password with ID number", func(in *RegisterInput) {
				in.Password = "Ab!" + in.IDNumber[12:]
				in.Confirm = in.Password
			}, []string{FieldPassword}},
			{"password with mobile", func(in *RegisterInput) {
				in.Password = "Ab!" + in.Mobile
				in.Confirm = in.Password
			}, []string{FieldPassword}},
			{"common password", func(in *RegisterInput) { in.Password, in.Confirm = "Password123!", "Password123!" }, []string{FieldPassword}},
			{"no confirm", func(in *RegisterInput) { in.Confirm = "" }, []string{FieldConfirm}},
			{"confirm differs", func(in *RegisterInput) { in.Confirm = in.Password + "x" }, []string{FieldConfirm}},
			{"no code", func(in *RegisterInput) { in.SMSCode = "" }, []string{FieldSMSCode}},
			{"short code", func(in *RegisterInput) { in.SMSCode = "12345" }, []string{FieldSMSCode}},
			{"letters in code", func(in *RegisterInput) { in.SMSCode = "12a456" }, []string{FieldSMSCode}},
			{"not agreed", func(in *RegisterInput) { in.Agreed = false }, []string{FieldAgreed}},
			{"everything empty", func(in *RegisterInput) { *in = RegisterInput{} }, []string{FieldIDType, FieldIDNumber,
				FieldName, FieldMobile, FieldPassword, FieldConfirm, FieldSMSCode, FieldAgreed}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := f.validInput()
				tc.mod(&in)
				calls := f.codes.Calls()
				_, err := f.svc.Register(context.Background(), in)
				fe := formError(t, err)
				if len(fe.Fields) != len(tc.fields) {
					t.Errorf("fields %s, want exactly %v", fieldsOf(fe), tc.fields)
				}
				for _, field := range tc.fields {
					if msg := fe.Fields[field]; msg == "" || strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz") && field != FieldPassword {
						t.Errorf("field %s: message %q", field, msg)
					}
				}
				if errors.Is(err, ErrIDTaken) || errors.Is(err, ErrMobileTaken) {
					t.Errorf("invalid form matches a taken sentinel: %v", err)
				}
				if f.codes.Calls() != calls {
					t.Error("the SMS code was checked (and spent) for an invalid form")
				}
				if n := count(t, db, "persons"); n != 0 {
					t.Errorf("%d persons stored", n)
				}
			})
		}
		if n := count(t, db, "audit_log"); n != 0 {
			t.Errorf("%d audit rows for refused forms", n)
		}
	})
}

// flipCheck changes the check character of an ID number to a wrong one.
func flipCheck(id string) string {
	c := id[17]
	if c == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

type msgError struct{}

func (msgError) Error() string        { return "sms: too many attempts" }
func (msgError) FieldMessage() string { return "验证码错误次数过多，请重新获取" }

func TestRegisterCodeRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for _, tc := range []struct {
			name   string
			refuse error
			mod    func(in *RegisterInput)
			want   string
		}{
			{"wrong code", nil, func(in *RegisterInput) { in.SMSCode = "000000" }, msgSMSCodeRefused},
			{"other binding", nil, func(in *RegisterInput) { in.Binding = "another-flow" }, msgSMSCodeRefused},
			{"unknown error type", errors.New("sms: expired"), nil, msgSMSCodeRefused},
			{"error with a field message", msgError{}, nil, "验证码错误次数过多，请重新获取"},
		} {
			in := f.validInput()
			if tc.mod != nil {
				tc.mod(&in)
			}
			f.codes.refuse = tc.refuse
			_, err := f.svc.Register(ctx, in)
			f.codes.refuse = nil
			fe := formError(t, err)
			if len(fe.Fields) != 1 || fe.Fields[FieldSMSCode] != tc.want {
				t.Errorf("%s: %s", tc.name, fieldsOf(fe))
			}
		}
		if n := count(t, db, "persons"); n != 0 {
			t.Errorf("%d persons stored", n)
		}
	})
}

func TestRegisterTaken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		first, firstIn := f.register(t)

		for _, tc := range []struct {
			name           string
			mod            func(in *RegisterInput)
			idTaken, mTake bool
		}{
			{"same ID", func(in *RegisterInput) { in.IDNumber = strings.ToLower(firstIn.IDNumber) }, true, false},
			{"same mobile", func(in *RegisterInput) { in.Mobile = "+86 " + first.Mobile }, false, true},
			{"both", func(in *RegisterInput) { in.IDNumber, in.Mobile = first.IDNumber, first.Mobile }, true, true},
		} {
			in := f.validInput()
			tc.mod(&in)
			m, _ := ident.NormalizeMobile(in.Mobile)
			in.SMSCode = f.codes.issue(PurposeRegister, in.Binding, m, "112233")
			_, err := f.svc.Register(ctx, in)
			fe := formError(t, err)
			if errors.Is(err, ErrIDTaken) != tc.idTaken || errors.Is(err, ErrMobileTaken) != tc.mTake {
				t.Errorf("%s: %v matches ErrIDTaken=%v ErrMobileTaken=%v", tc.name, err,
					errors.Is(err, ErrIDTaken), errors.Is(err, ErrMobileTaken))
			}
			if tc.idTaken && fe.Fields[FieldIDNumber] != MsgIDTaken {
				t.Errorf("%s: id message %q", tc.name, fe.Fields[FieldIDNumber])
			}
			if tc.mTake && fe.Fields[FieldMobile] != MsgMobileTaken {
				t.Errorf("%s: mobile message %q", tc.name, fe.Fields[FieldMobile])
			}
			if !strings.Contains(MsgIDTaken, "用户申诉") || !strings.Contains(MsgMobileTaken, "用户申诉") {
				t.Error("taken messages must point to 用户申诉")
			}
		}
		// The same number under another ID type is another account.
		in := f.validInput()
		in.IDType, in.IDNumber = string(ident.IDTypeForeignPassport), "P"+first.IDNumber[:10]
		if _, err := f.svc.Register(ctx, in); err != nil {
			t.Fatalf("other type: %v", err)
		}
		if n := count(t, db, "persons"); n != 2 {
			t.Fatalf("%d persons, want 2", n)
		}
	})
}
