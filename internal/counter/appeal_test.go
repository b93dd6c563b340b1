package counter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// fileAppeal files an appeal as the hall's form does.
func (f *fixture) fileAppeal(t *testing.T, a person.Appeal) int64 {
	t.Helper()
	id, err := f.persons.FileAppeal(f.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAppeals: a taken ID number or mobile released after review, an appeal rejected
// with a reason, and who may do which.
func TestAppeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)

		t.Run("ID number taken by someone else is released", func(t *testing.T) {
			squatter := f.person(t, "冒用者")
			u := f.unitWith(t, f.person(t, "法人乙"))
			if err := db.Tx(f.ctx, func(tx *store.Tx) error {
				_, err := f.units.AddMembership(f.ctx, tx, unit.Membership{UnitID: u.ID, PersonID: squatter.ID, Role: unit.RoleAgent, Status: unit.StatusActive})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			tok := f.session(t, squatter.ID, u.ID, auth.RoleAgent)
			contact := ident.GenerateMobile(f.rnd)
			id := f.fileAppeal(t, person.Appeal{Kind: person.AppealIDTaken, IDType: squatter.IDType, IDNumber: squatter.IDNumber,
				Name: "真实本人", ContactMobile: contact, Description: "我的身份证号被他人注册"})
			a, holder, err := f.svc.GetAppeal(f.ctx, f.clerk, id)
			if err != nil || holder == nil || holder.PersonID != squatter.ID || strings.Contains(holder.MaskedID, squatter.IDNumber) {
				t.Fatalf("appeal %+v holder %+v, %v", a, holder, err)
			}
			q, err := f.svc.SubmitAppealRelease(f.ctx, f.clerk, id, "本人持身份证原件到窗口，人证一致", uploads(scans.KindIDCard))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "核实为冒用"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.persons.ByIdentity(f.ctx, squatter.IDType, squatter.IDNumber); !errors.Is(err, person.ErrNotFound) {
				t.Fatalf("the ID number still names an account: %v", err)
			}
			if f.live(tok) {
				t.Fatal("the released account's session survived")
			}
			if _, err := f.units.Membership(f.ctx, u.ID, squatter.ID); err != unit.ErrNotFound {
				t.Fatalf("the released account keeps its role: %v", err)
			}
			if h, _ := f.hash(t, squatter.ID); h != "" {
				t.Fatal("the released account keeps a password")
			}
			got, _, _ := f.svc.GetAppeal(f.ctx, f.clerk, id)
			if got.Status != person.AppealClosed || got.Decision != DecisionReleased || got.DecidedBy != f.reviewer.StaffID {
				t.Fatalf("appeal after release %+v", got)
			}
			if msg, err := f.outbox.Latest(f.ctx, contact); err != nil || !strings.Contains(msg.Text, "证件号码已释放") {
				t.Fatalf("appellant's SMS %+v, %v", msg, err)
			}
			// The real holder can now register with the number.
			if err := db.Tx(f.ctx, func(tx *store.Tx) error {
				_, err := f.persons.CreateTx(f.ctx, tx, person.NewAccount{IDType: squatter.IDType, IDNumber: squatter.IDNumber,
					Name: "真实本人", Mobile: contact}, "")
				return err
			}); err != nil {
				t.Fatalf("registration after the release: %v", err)
			}
		})

		t.Run("mobile taken is released", func(t *testing.T) {
			holder := f.person(t, "旧号主")
			appellant := f.person(t, "新号主")
			id := f.fileAppeal(t, person.Appeal{Kind: person.AppealMobileTaken, IDType: appellant.IDType, IDNumber: appellant.IDNumber,
				Name: appellant.Name, Mobile: holder.Mobile, ContactMobile: appellant.Mobile})
			q, err := f.svc.SubmitAppealRelease(f.ctx, f.clerk, id, "运营商实名证明该号码属申诉人", uploads(scans.KindIDCard))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Approve(f.ctx, f.both, q.ID, "同意"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.persons.ByMobile(f.ctx, holder.Mobile); !errors.Is(err, person.ErrNotFound) {
				t.Fatalf("the mobile still names an account: %v", err)
			}
			if p, _ := f.persons.Get(f.ctx, holder.ID); p.IDNumber != holder.IDNumber {
				t.Fatal("a mobile release changed the identity")
			}
		})

		t.Run("rejected with a reason", func(t *testing.T) {
			p := f.person(t, "申诉人")
			contact := ident.GenerateMobile(f.rnd)
			id := f.fileAppeal(t, person.Appeal{Kind: person.AppealOther, IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name,
				ContactMobile: contact, Description: "无法登录"})
			if _, err := f.svc.SubmitAppealRelease(f.ctx, f.clerk, id, "x", uploads(scans.KindIDCard)); err != ErrNotReleasable {
				t.Fatalf("release of an appeal of kind other: %v", err)
			}
			if _, _, err := f.svc.RejectAppeal(f.ctx, f.reviewer, id, "请先找回密码"); !errors.Is(err, staff.DenyRole) {
				t.Fatalf("a reviewer rejects an appeal: %v", err)
			}
			a, sent, err := f.svc.RejectAppeal(f.ctx, f.clerk, id, "账户未被占用，请使用找回密码")
			if err != nil || !sent || a.Decision != DecisionRejected {
				t.Fatalf("%+v %v %v", a, sent, err)
			}
			if msg, _ := f.outbox.Latest(f.ctx, contact); !strings.Contains(msg.Text, "账户未被占用，请使用找回密码") {
				t.Fatalf("SMS %q", msg.Text)
			}
			if _, _, err := f.svc.RejectAppeal(f.ctx, f.clerk, id, "再次"); err != ErrAppealNotFound {
				t.Fatalf("second decision: %v", err)
			}
		})

		closed, err := f.svc.ListAppeals(f.ctx, f.reviewer, person.AppealClosed, store.Cursor{}, false)
		if err != nil || len(closed.Rows) != 3 || !closed.Prev.IsZero() || !closed.Next.IsZero() {
			t.Fatalf("closed appeals: %d, pages before %v and after %v, %v", len(closed.Rows), closed.Prev, closed.Next, err)
		}
		if _, err := f.svc.ListAppeals(f.ctx, f.auditor, "", store.Cursor{}, false); !errors.Is(err, staff.ErrForbidden) {
			t.Fatalf("auditor lists appeals: %v", err)
		}
	})
}

// TestAppealsSealed: the back office reads an appeal's sealed ID number, name, mobile
// and contact mobile opened (the page, the queue, the decision), and an appeal whose
// sealed name was moved there from another appeal is never shown under the wrong
// appeal: GetAppeal and the queue return it marked without its values (the other
// appeals still shown), a release for it is refused (ErrAppealUnreadable with the
// cause), and closing it works without a message to its unreadable contact mobile.
func TestAppealsSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		filed := person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, false), Name: "申诉人甲",
			Mobile: ident.GenerateMobile(f.rnd), ContactMobile: ident.GenerateMobile(f.rnd)}
		id := f.fileAppeal(t, filed)
		other := f.fileAppeal(t, person.Appeal{Kind: person.AppealOther, IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, false), Name: "申诉人乙",
			ContactMobile: ident.GenerateMobile(f.rnd), Description: "其他问题"})
		same := func(a Appeal) bool {
			return a.ID == id && a.IDNumber == filed.IDNumber && a.Name == filed.Name && a.Mobile == filed.Mobile &&
				a.ContactMobile == filed.ContactMobile
		}
		if a, _, err := f.svc.GetAppeal(f.ctx, f.clerk, id); err != nil || !same(a) {
			t.Fatalf("GetAppeal = %+v, %v; want %+v", a, err, filed)
		}
		open, err := f.svc.ListAppeals(f.ctx, f.clerk, person.AppealOpen, store.Cursor{}, false)
		if err != nil || len(open.Rows) != 2 || !same(open.Rows[0]) {
			t.Fatalf("ListAppeals = %+v, %v", open.Rows, err)
		}

		if _, err := db.Exec(f.ctx, `UPDATE appeals SET name = (SELECT name FROM appeals WHERE id = ?) WHERE id = ?`,
			other, id); err != nil {
			t.Fatal(err)
		}
		if a, holder, err := f.svc.GetAppeal(f.ctx, f.clerk, id); err != nil || !a.Unreadable || a.Name != "" || a.IDNumber != "" ||
			a.Mobile != "" || a.ContactMobile != "" || a.Kind != person.AppealMobileTaken || holder != nil {
			t.Errorf("GetAppeal of a moved name: %+v, %+v, %v; want it marked, without its values", a, holder, err)
		}
		if _, err := f.svc.SubmitAppealRelease(f.ctx, f.clerk, id, "本人持身份证原件到窗口", uploads(scans.KindIDCard)); !errors.Is(err, ErrAppealUnreadable) ||
			!errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("a release for the unreadable appeal: %v, want %v with the cause", err, ErrAppealUnreadable)
		}
		// The queue lists it marked, without its values, beside the other.
		open, err = f.svc.ListAppeals(f.ctx, f.clerk, person.AppealOpen, store.Cursor{}, false)
		if err != nil || len(open.Rows) != 2 {
			t.Fatalf("ListAppeals with a moved name: %d rows, %v; want 2", len(open.Rows), err)
		}
		for _, a := range open.Rows {
			want := a.ID == id
			if a.Unreadable != want || (want && (a.Name != "" || a.IDNumber != "" || a.Mobile != "")) || (!want && a.Name != "申诉人乙") {
				t.Errorf("appeal %d listed as %+v; want Unreadable %v", a.ID, a, want)
			}
		}
		if a, _, err := f.svc.GetAppeal(f.ctx, f.clerk, other); err != nil || a.Name != "申诉人乙" || a.Status != person.AppealOpen {
			t.Errorf("the other appeal: %+v, %v", a, err)
		}
		var queued, queuedAfter int
		if err := db.QueryRow(f.ctx, "SELECT COUNT(*) FROM sms_outbox").Scan(&queued); err != nil {
			t.Fatal(err)
		}
		closed, sent, err := f.svc.RejectAppeal(f.ctx, f.clerk, id, "申诉数据无法读取，请申诉人重新提交")
		if err != nil || sent || !closed.Unreadable || closed.Status != person.AppealClosed || closed.Decision != DecisionRejected {
			t.Fatalf("closing the unreadable appeal: %+v, sent %v, %v", closed, sent, err)
		}
		if err := db.QueryRow(f.ctx, "SELECT COUNT(*) FROM sms_outbox").Scan(&queuedAfter); err != nil || queuedAfter != queued {
			t.Errorf("closing the unreadable appeal queued %d messages, %v; want none", queuedAfter-queued, err)
		}
		var detail string
		if err := db.QueryRow(f.ctx, "SELECT detail FROM audit_log WHERE action = 'counter.appeal_reject' AND target = ?",
			appealTarget(id)).Scan(&detail); err != nil || !strings.Contains(detail, `"unreadable":"true"`) {
			t.Errorf("the closing's audit detail: %q, %v; want it marked unreadable", detail, err)
		}
		if open, err = f.svc.ListAppeals(f.ctx, f.clerk, person.AppealOpen, store.Cursor{}, false); err != nil || len(open.Rows) != 1 ||
			open.Rows[0].ID != other {
			t.Errorf("open appeals after closing the unreadable one: %+v, %v", open.Rows, err)
		}
		// A readable appeal's answer does queue its message (what the count above
		// would have seen).
		if _, sent, err := f.svc.RejectAppeal(f.ctx, f.clerk, other, "经核实无需处理"); err != nil || !sent {
			t.Fatalf("closing the readable appeal: sent %v, %v", sent, err)
		}
		if err := db.QueryRow(f.ctx, "SELECT COUNT(*) FROM sms_outbox").Scan(&queuedAfter); err != nil || queuedAfter != queued+1 {
			t.Errorf("the readable appeal's answer queued %d messages, %v; want 1", queuedAfter-queued, err)
		}
	})
}
