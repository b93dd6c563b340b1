package counter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/registrysync"
	"hall/internal/scans"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// registration is a counter registration form for entry e with the legal rep's mobile.
func registration(e registry.Entry, mobile string) UnitRegistrationInput {
	return UnitRegistrationInput{USCC: e.USCC, Name: e.Name, UnitType: e.UnitType, Address: "南京市玄武区示范路8号",
		LegalRep: Identity{e.LegalRepIDType, e.LegalRepIDNumber, e.LegalRepName}, LegalRepMobile: mobile}
}

// TestUnitRegistration: the B1/R3 flow and its refusals, on both engines.
func TestUnitRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		until := t0.AddDate(1, 0, 0)

		t.Run("new legal rep and an administrator", func(t *testing.T) {
			repID := ident.GenerateResidentID(f.rnd, "320104", time.Date(1979, 6, 1, 0, 0, 0, 0, time.UTC), true)
			e := f.entry(repID, "欧阳明")
			f.upsert(t, e)
			admin := f.person(t, "管丽")
			in := registration(e, ident.GenerateMobile(f.rnd))
			in.Admin = &delegation.Nominee{Name: admin.Name, IDType: admin.IDType, IDNumber: admin.IDNumber, Mobile: admin.Mobile}
			in.AdminValidUntil = until
			q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, in, "持营业执照副本及授权委托书办理", uploads(allScans...))
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "材料齐全，与登记信息一致")
			if err != nil {
				t.Fatal(err)
			}
			o := out.Request.Outcome
			if !out.Delivered || o["registry"] != "matched" || o["first_login"] != "sms" || o["unit_number"] == "" || o["admin_membership"] == "" {
				t.Fatalf("outcome %+v", out)
			}
			rep, err := f.persons.ByIdentity(f.ctx, e.LegalRepIDType, e.LegalRepIDNumber)
			if err != nil || !rep.MustChangePassword || rep.Mobile != in.LegalRepMobile {
				t.Fatalf("legal rep account %+v, %v", rep, err)
			}
			pw := f.sentPassword(t, rep.Mobile)
			if h, _ := f.hash(t, rep.ID); h != "fake$"+pw {
				t.Fatal("the SMS password is not the account's")
			}
			u, err := f.units.ByAccount(f.ctx, e.USCC)
			if err != nil || u.UnitNumber != o["unit_number"] || out.Request.UnitID != u.ID {
				t.Fatalf("unit %+v, %v", u, err)
			}
			if m, err := f.units.Membership(f.ctx, u.ID, rep.ID); err != nil || m.Role != unit.RoleLegalRep || m.Status != unit.StatusActive {
				t.Fatalf("legal rep membership %+v, %v", m, err)
			}
			m, err := f.units.Membership(f.ctx, u.ID, admin.ID)
			if err != nil || m.Role != unit.RoleAdmin || m.Status != unit.StatusPending {
				t.Fatalf("admin membership %+v, %v", m, err)
			}
			if msg, err := f.outbox.Latest(f.ctx, admin.Mobile); err != nil || !strings.Contains(msg.Text, "我是经办人") {
				t.Fatalf("admin invitation SMS: %+v, %v", msg, err)
			}
			es := f.entries(t, "counter.unit_register")
			if len(es) != 1 || es[0].StaffID != f.reviewer.StaffID || es[0].UnitID != u.ID || es[0].Detail["channel"] != "counter" {
				t.Fatalf("audit %+v", es)
			}
			if es := f.entries(t, "delegation.counter_set_admin"); len(es) != 1 || es[0].StaffID != f.reviewer.StaffID {
				t.Fatalf("audit of the nomination %+v", es)
			}
			if es := f.entries(t, "person.register"); len(es) == 0 || es[0].Detail["channel"] != "counter" {
				t.Fatalf("audit of the account %+v", es)
			}
		})

		t.Run("legal rep with an account keeps their password", func(t *testing.T) {
			rep := f.person(t, "司马光")
			e := f.entry(rep.IDNumber, rep.Name)
			f.upsert(t, e)
			q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, registration(e, rep.Mobile), "窗口开户", uploads(allScans...))
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "同意")
			if err != nil || out.Request.Outcome["first_login"] != "" {
				t.Fatalf("%+v, %v", out, err)
			}
			if h, must := f.hash(t, rep.ID); h != "fake$Own#2026pw" || must {
				t.Fatalf("the legal rep's own password changed: %q %v", h, must)
			}
			if msg, _ := f.outbox.Latest(f.ctx, rep.Mobile); !strings.Contains(msg.Text, "请使用您的个人账户密码") {
				t.Fatalf("SMS %q", msg.Text)
			}
		})

		t.Run("a unit the market regulator does not register", func(t *testing.T) {
			repID := ident.GenerateResidentID(f.rnd, "320106", time.Date(1970, 2, 3, 0, 0, 0, 0, time.UTC), false)
			e := f.entry(repID, "诸葛亮")
			e.USCC = ident.GenerateUSCCWithPrefix(f.rnd, "12", "320106") // 事业单位, not in the table
			e.UnitType = registry.UnitPublicInstitution
			q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, registration(e, ident.GenerateMobile(f.rnd)), "事业单位法人证书办理", uploads(allScans...))
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "同意")
			if err != nil || out.Request.Outcome["registry"] != "not_found" {
				t.Fatalf("%+v, %v", out, err)
			}
		})

		t.Run("legal rep named otherwise than their account", func(t *testing.T) {
			rep := f.person(t, "端木华")
			e := f.entry(rep.IDNumber, rep.Name)
			in := registration(e, rep.Mobile)
			in.LegalRep.Name = "端木平"
			if _, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, in, "窗口开户", uploads(allScans...)); !errors.Is(err, ErrNameMismatch) {
				t.Fatalf("got %v, want ErrNameMismatch", err)
			}
		})

		refusals := []struct {
			name  string
			setup func(t *testing.T) UnitRegistrationInput
			want  error
		}{
			{"legal rep differs from the registry", func(t *testing.T) UnitRegistrationInput {
				e := f.entry(ident.GenerateResidentID(f.rnd, "320102", time.Date(1981, 1, 1, 0, 0, 0, 0, time.UTC), true), "赵甲")
				f.upsert(t, e)
				in := registration(e, ident.GenerateMobile(f.rnd))
				in.LegalRep.Name = "赵乙"
				return in
			}, &Error{Code: "registry_mismatch"}},
			{"cancelled in the registry", func(t *testing.T) UnitRegistrationInput {
				e := f.entry(ident.GenerateResidentID(f.rnd, "320102", time.Date(1982, 1, 1, 0, 0, 0, 0, time.UTC), true), "钱甲")
				e.Status = registry.StatusCancelled
				f.upsert(t, e)
				return registration(e, ident.GenerateMobile(f.rnd))
			}, ErrRegistryStatus},
			{"unit already has an account", func(t *testing.T) UnitRegistrationInput {
				rep := f.person(t, "孙甲")
				u := f.unitWith(t, rep)
				e, _ := f.table.Lookup(f.ctx, u.USCC)
				return registration(e, rep.Mobile)
			}, ErrUnitTaken},
			{"legal rep's mobile belongs to someone else", func(t *testing.T) UnitRegistrationInput {
				other := f.person(t, "李甲")
				e := f.entry(ident.GenerateResidentID(f.rnd, "320102", time.Date(1983, 1, 1, 0, 0, 0, 0, time.UTC), true), "周甲")
				f.upsert(t, e)
				return registration(e, other.Mobile)
			}, ErrMobileTaken},
			{"administrator who is not registered", func(t *testing.T) UnitRegistrationInput {
				e := f.entry(ident.GenerateResidentID(f.rnd, "320102", time.Date(1984, 1, 1, 0, 0, 0, 0, time.UTC), true), "吴甲")
				f.upsert(t, e)
				in := registration(e, ident.GenerateMobile(f.rnd))
				in.Admin = &delegation.Nominee{Name: "郑甲", IDType: ident.IDTypeResident,
					IDNumber: ident.GenerateResidentID(f.rnd, "320102", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), true), Mobile: ident.GenerateMobile(f.rnd)}
				in.AdminValidUntil = until
				return in
			}, delegation.ErrNomineeMismatch},
		}
		for _, c := range refusals {
			t.Run(c.name, func(t *testing.T) {
				in := c.setup(t)
				q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, in, "窗口开户", uploads(allScans...))
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.svc.Approve(f.ctx, f.reviewer, q.ID, "同意")
				if Message(err) == "" || Message(err) == "系统繁忙，请稍后再试" {
					t.Fatalf("no message for %v", err)
				}
				var ce, we *Error
				if errors.As(c.want, &we) && errors.As(err, &ce) && ce.Code == we.Code {
					err = c.want
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				// Nothing was carried out: the request still waits, and a reviewer can
				// return it with the reason.
				got, _, _ := f.svc.Get(f.ctx, f.reviewer, q.ID)
				if got.Status != StatusSubmitted {
					t.Fatalf("status %s after a refused approval", got.Status)
				}
				if _, err := f.svc.Reject(f.ctx, f.reviewer, q.ID, "核对不符，退回"); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// TestTakeOverAfterRegistryChange: the registry names a new legal rep who has no
// account; the old one loses the unit at once; the new one takes over at the counter.
func TestTakeOverAfterRegistryChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old := f.person(t, "钟旧")
		u := f.unitWith(t, old)
		agent := f.person(t, "经办甲")
		if err := db.Tx(f.ctx, func(tx *store.Tx) error {
			_, err := f.units.AddMembership(f.ctx, tx, unit.Membership{UnitID: u.ID, PersonID: agent.ID, Role: unit.RoleAgent, Status: unit.StatusActive})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		oldTok := f.session(t, old.ID, u.ID, auth.RoleLegalRep)
		syncer, err := registrysync.New(registrysync.Deps{DB: db, Audit: f.audit, Changes: f.table, Sessions: f.sessions, Units: f.units, Now: f.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := f.table.Lookup(f.ctx, u.USCC)
		e.LegalRepIDNumber = ident.GenerateResidentID(f.rnd, "320115", time.Date(1988, 8, 8, 0, 0, 0, 0, time.UTC), false)
		e.LegalRepName = "钟新"
		f.clk.Add(time.Hour)
		f.upsert(t, e)
		rep, err := syncer.Run(f.ctx, registrysync.Origin{Via: "import"})
		if err != nil || len(rep.Changes) != 1 || rep.Changes[0].LegalRep != registrysync.LegalRepVacant || f.live(oldTok) {
			t.Fatalf("sync: %+v, %v", rep, err)
		}
		q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, registration(e, ident.GenerateMobile(f.rnd)), "法定代表人变更后到窗口开户", uploads(allScans...))
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "与登记信息一致")
		if err != nil || out.Request.Outcome["takeover"] != "true" || out.Request.UnitID != u.ID {
			t.Fatalf("takeover: %+v, %v", out, err)
		}
		newRep, err := f.persons.ByIdentity(f.ctx, e.LegalRepIDType, e.LegalRepIDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := f.units.Membership(f.ctx, u.ID, newRep.ID); err != nil || m.Role != unit.RoleLegalRep {
			t.Fatalf("new legal rep %+v, %v", m, err)
		}
		if m, err := f.units.Membership(f.ctx, u.ID, agent.ID); err != nil || m.Role != unit.RoleAgent {
			t.Fatalf("the agent after the change: %+v, %v", m, err)
		}
	})
}

// TestAdminChange: B2, an administrator set and then replaced at the counter in the
// name of the legal rep.
func TestAdminChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.person(t, "法人甲")
		u := f.unitWith(t, rep)
		first, second := f.person(t, "管理甲"), f.person(t, "管理乙")
		nominee := func(p person.Person) delegation.Nominee {
			return delegation.Nominee{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile}
		}
		q, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: u.UnitNumber, Nominee: nominee(first),
			ValidUntil: t0.AddDate(1, 0, 0)}, "持法人授权委托书设置管理员", uploads(allScans...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: u.USCC, Nominee: nominee(second),
			ValidUntil: t0.AddDate(1, 0, 0)}, "重复提交", uploads(allScans...)); err != ErrOpen {
			t.Fatalf("a second open change for the unit: %v", err)
		}
		out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "同意")
		if err != nil {
			t.Fatal(err)
		}
		m1, err := f.units.Membership(f.ctx, u.ID, first.ID)
		if err != nil || m1.Role != unit.RoleAdmin || m1.Status != unit.StatusPending {
			t.Fatalf("first admin %+v, %v", m1, err)
		}
		var invitedBy int64
		if err := db.QueryRow(f.ctx, `SELECT invited_by FROM invitations WHERE membership_id = ?`, m1.ID).Scan(&invitedBy); err != nil || invitedBy != rep.ID {
			t.Fatalf("invitation in the name of %d (%v), want the legal rep %d", invitedBy, err, rep.ID)
		}
		if out.Request.Outcome["admin_membership"] == "" {
			t.Fatalf("outcome %+v", out.Request.Outcome)
		}
		// Replace: naming a stale admin is refused, naming the current one works.
		q2, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: u.USCC, Replace: m1.ID + 1000, Nominee: nominee(second),
			ValidUntil: t0.AddDate(1, 0, 0)}, "更换管理员", uploads(allScans...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, q2.ID, "同意"); !errors.Is(err, delegation.ErrAdminChanged) {
			t.Fatalf("stale replace: %v", err)
		}
		if _, err := f.svc.Reject(f.ctx, f.reviewer, q2.ID, "管理员已变更，请重新办理"); err != nil {
			t.Fatal(err)
		}
		q3, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: u.USCC, Replace: m1.ID, Nominee: nominee(second),
			ValidUntil: t0.AddDate(1, 0, 0)}, "更换管理员", uploads(allScans...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, q3.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.units.Membership(f.ctx, u.ID, first.ID); err != unit.ErrNotFound {
			t.Fatalf("replaced admin: %v", err)
		}
		if es := f.entries(t, "delegation.counter_replace_admin"); len(es) != 1 || es[0].Detail["reason"] != "同意" {
			t.Fatalf("audit %+v", es)
		}
		if _, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: "91320102MA00000000", Nominee: nominee(second),
			ValidUntil: t0.AddDate(1, 0, 0)}, "x", uploads(allScans...)); err != ErrUnitNotFound {
			t.Fatalf("unknown unit: %v", err)
		}
		if _, err := f.svc.SubmitAdminChange(f.ctx, f.clerk, AdminChangeInput{Unit: u.USCC, Nominee: nominee(second),
			ValidUntil: t0.AddDate(1, 0, 0)}, "x", uploads(scans.KindLicence)); !errors.Is(err, ErrScanMissing) {
			t.Fatalf("missing ID scan: %v", err)
		} else if se := new(ScanError); !errors.As(err, &se) || se.Kind != scans.KindIDCard {
			t.Fatalf("the missing scan's kind: %v", err)
		}
	})
}
