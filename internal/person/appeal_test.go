package person

import (
	"context"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestFileAppeal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		idNumber := ident.GenerateResidentID(f.rnd, "", time.Time{}, false)
		contact := ident.GenerateMobile(f.rnd)
		id, err := f.svc.FileAppeal(ctx, Appeal{
			Kind: AppealIDTaken, IDType: ident.IDTypeResident, IDNumber: strings.ToLower(idNumber),
			Name: " 王 芳 ", ContactMobile: "+86 " + contact, Description: "本人从未注册。\r\n请核实。",
			ClientAddr: "198.51.100.4",
		})
		if err != nil || id == 0 {
			t.Fatalf("FileAppeal = %d, %v", id, err)
		}
		var (
			kind, idType, desc, status, addr string
			created                          time.Time
			v                                SealedAppeal
		)
		err = db.QueryRow(ctx, `SELECT kind, id_type, id_number, name, mobile, contact_mobile, description,
			status, client_addr, created_at FROM appeals WHERE id = ?`, id).Scan(
			&kind, &idType, &v.IDNumber, &v.Name, &v.Mobile, &v.ContactMobile, &desc, &status, &addr, &created)
		if err != nil {
			t.Fatal(err)
		}
		opened := Appeal{ID: id}
		if err := v.OpenInto(db.Keys(), &opened); err != nil {
			t.Fatal(err)
		}
		number, name, mobile, contactMobile := opened.IDNumber, opened.Name, opened.Mobile, opened.ContactMobile
		if kind != "id_taken" || idType != "resident" || number != idNumber || name != "王芳" || mobile != "" ||
			contactMobile != contact || desc != "本人从未注册。\n请核实。" || status != "open" || addr != "198.51.100.4" ||
			!created.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("stored %q %q %q %q %q %q %q %q %q %v", kind, idType, number, name, mobile, contactMobile, desc, status, addr, created)
		}
		if n := count(t, db, "audit_log"); n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
	})
}

func TestFileAppealInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		valid := func() Appeal {
			return Appeal{Kind: AppealMobileTaken, IDType: ident.IDTypeResident,
				IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, true), Name: "王芳",
				Mobile: ident.GenerateMobile(f.rnd), ContactMobile: ident.GenerateMobile(f.rnd)}
		}
		for _, tc := range []struct {
			name   string
			mod    func(a *Appeal)
			fields []string
		}{
			{"no kind", func(a *Appeal) { a.Kind = "" }, []string{FieldKind}},
			{"unknown kind", func(a *Appeal) { a.Kind = "refund" }, []string{FieldKind}},
			{"no id type", func(a *Appeal) { a.IDType = "" }, []string{FieldIDType}},
			{"bad id", func(a *Appeal) { a.IDNumber = flipCheck(a.IDNumber) }, []string{FieldIDNumber}},
			{"no name", func(a *Appeal) { a.Name = "" }, []string{FieldName}},
			{"mobile_taken without mobile", func(a *Appeal) { a.Mobile = "" }, []string{FieldMobile}},
			{"bad optional mobile", func(a *Appeal) { a.Kind, a.Mobile = AppealIDTaken, "123" }, []string{FieldMobile}},
			{"no contact", func(a *Appeal) { a.ContactMobile = "" }, []string{FieldContactMobile}},
			{"other without description", func(a *Appeal) { a.Kind = AppealOther }, []string{FieldDescription}},
			{"long description", func(a *Appeal) { a.Description = strings.Repeat("长", 501) }, []string{FieldDescription}},
			{"control characters", func(a *Appeal) { a.Description = "a\x07b" }, []string{FieldDescription}},
			{"everything empty", func(a *Appeal) { *a = Appeal{} }, []string{FieldKind, FieldIDType, FieldIDNumber,
				FieldName, FieldContactMobile}},
		} {
			a := valid()
			tc.mod(&a)
			_, err := f.svc.FileAppeal(context.Background(), a)
			fe := formError(t, err)
			if len(fe.Fields) != len(tc.fields) {
				t.Errorf("%s: fields %s, want %v", tc.name, fieldsOf(fe), tc.fields)
			}
			for _, field := range tc.fields {
				if fe.Fields[field] == "" {
					t.Errorf("%s: no message for %s (%s)", tc.name, field, fieldsOf(fe))
				}
			}
		}
		if n := count(t, db, "appeals"); n != 0 {
			t.Fatalf("%d appeals stored", n)
		}
	})
}
