package delegation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// queue stores text for w through QueueText and returns the notice's id.
func (f *fixture) queue(t *testing.T, w who, text string) int64 {
	t.Helper()
	var id int64
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		id, err = f.svc.QueueText(f.ctx, tx, w.ID, purposeInvite, text)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// invitation is an invitation's text naming w and a unit.
func invitation(w who, unitName string) string {
	return "【测试】" + w.Name + "邀请您成为" + unitName + "的管理员，请在掌上APP中确认。"
}

// sentText is the newest message the outbox sent to w ("" when none).
func (f *fixture) sentText(t *testing.T, w who) string {
	t.Helper()
	m, err := f.outbox.Latest(f.ctx, w.Mobile)
	if err != nil {
		return ""
	}
	return m.Text
}

// TestNoticesSealedAtRest: what `select * from delegation_notices` shows holds none
// of the queued messages' names and units, on both engines, while the sender opens
// and sends each as it was queued; a text moved to another notice does not open
// there, and is not sent.
func TestNoticesSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first, second := f.person(t), f.person(t)
		firstText, secondText := invitation(second, "金陵示范商贸有限公司"), invitation(first, "石城示范物流有限公司")
		f.queue(t, first, firstText)
		f.queue(t, second, secondText)
		rows := storetest.RawRows(t, db, "SELECT * FROM delegation_notices ORDER BY id")
		if len(rows) != 2 {
			t.Fatalf("%d rows, want 2", len(rows))
		}
		for _, row := range rows {
			for _, clear := range []string{first.Name, second.Name, "金陵示范商贸有限公司", "石城示范物流有限公司"} {
				if strings.Contains(row, clear) {
					t.Errorf("a delegation_notices row holds %q in clear", clear)
				}
			}
		}
		if sent, err := f.svc.DeliverNotices(f.ctx); err != nil || sent != 2 {
			t.Fatalf("delivered %d, %v; want 2", sent, err)
		}
		if got := f.sentText(t, first); got != firstText {
			t.Errorf("sent %q, want %q", got, firstText)
		}
		if got := f.sentText(t, second); got != secondText {
			t.Errorf("sent %q, want %q", got, secondText)
		}

		// The second's text copied onto the first's notice does not open there.
		moved, other := f.queue(t, first, "【测试】第一条"), f.queue(t, second, "【测试】第二条")
		if _, err := db.Exec(f.ctx, `UPDATE delegation_notices SET text = (SELECT text FROM delegation_notices WHERE id = ?)
			WHERE id = ?`, other, moved); err != nil {
			t.Fatal(err)
		}
		if d, err := f.svc.DeliverText(f.ctx, moved); d != GivenUp || !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("a notice with a moved text: %v, %v; want %v, %v", d, err, GivenUp, sealed.ErrAuthentication)
		}
		if got := f.sentText(t, first); got != firstText {
			t.Errorf("the moved text was sent: %q", got)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE id = ? AND failed_at IS NOT NULL AND sent_at IS NULL`, moved); n != 1 {
			t.Errorf("the notice with a moved text is not given up")
		}

		// In a run of the Runner, a text that does not open is given up and the
		// notices after it are still sent.
		unreadable := f.queue(t, first, "【测试】第三条")
		third := f.person(t)
		thirdText := invitation(third, "秦淮示范服务有限公司")
		f.queue(t, third, thirdText)
		if _, err := db.Exec(f.ctx, `UPDATE delegation_notices SET text = (SELECT text FROM delegation_notices WHERE id = ?)
			WHERE id = ?`, other, unreadable); err != nil {
			t.Fatal(err)
		}
		if sent, err := f.svc.DeliverNotices(f.ctx); err != nil || sent != 2 {
			t.Fatalf("delivered %d, %v; want 2 (the second's and the third's), nil", sent, err)
		}
		if got := f.sentText(t, third); got != thirdText {
			t.Errorf("the notice after an unreadable one: sent %q, want %q", got, thirdText)
		}
		if got := f.sentText(t, first); got != firstText {
			t.Errorf("the unreadable text was sent: %q", got)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE id = ? AND failed_at IS NOT NULL AND sent_at IS NULL`, unreadable); n != 1 {
			t.Errorf("the notice with an unreadable text is not given up")
		}
		// Given up, it is due no more: a later run finds nothing to send, and the
		// sweep deletes it with the others.
		f.clk.Add(time.Hour)
		if sent, err := f.svc.DeliverNotices(f.ctx); err != nil || sent != 0 {
			t.Errorf("a later run delivered %d, %v; want 0, nil", sent, err)
		}
		if _, err := f.svc.SweepNotices(f.ctx, 0); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE id IN (?, ?)`, moved, unreadable); n != 0 {
			t.Errorf("%d unreadable notices left after the sweep", n)
		}
	})
}

// TestDeliverNoticesWithoutKeys: with no data key configured the run fails and
// gives nothing up — a fault of the configuration, not of the notices.
func TestDeliverNoticesWithoutKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.person(t)
		id := f.queue(t, w, invitation(w, "示范单位"))
		db.UseKeys(nil)
		if _, err := f.svc.DeliverNotices(f.ctx); !errors.Is(err, person.ErrNoKeys) {
			t.Errorf("DeliverNotices without a data key: %v, want %v", err, person.ErrNoKeys)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE id = ? AND failed_at IS NULL AND sent_at IS NULL`, id); n != 1 {
			t.Errorf("a notice was given up for want of a data key")
		}
	})
}

// TestQueueTextWithoutKeys: a database without a data key queues no message.
func TestQueueTextWithoutKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.person(t)
		db.UseKeys(nil)
		err := db.Tx(f.ctx, func(tx *store.Tx) error {
			_, err := f.svc.QueueText(f.ctx, tx, w.ID, purposeInvite, invitation(w, "示范单位"))
			return err
		})
		if !errors.Is(err, person.ErrNoKeys) {
			t.Fatalf("QueueText without a data key: %v, want %v", err, person.ErrNoKeys)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices`); n != 0 {
			t.Fatalf("%d notices queued without a data key", n)
		}
	})
}

// TestMigrationSealsClearNotices: a database whose delegation text messages were
// kept in clear (the schema before 0052) is sealed by migration 0052's Go half —
// a message still due is sent as it was queued, one already sent opens to its
// text, and no clear text is left — and a migration without a data key is refused,
// leaving the schema where it was.
func TestMigrationSealsClearNotices(t *testing.T) {
	storetest.EachBefore(t, 52, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// The persons are sealed already (0040), under the keys EachBefore set; the
		// notices are not.
		now := store.Time(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		var persons []who
		for i := range 2 {
			w := who{Nominee: Nominee{Name: "端木" + strings.Repeat("蓉", i+1), IDType: ident.IDTypeResident,
				IDNumber: ident.NumberedResidentID(i), Mobile: ident.NumberedMobile(i)}}
			if err := db.Tx(ctx, func(tx *store.Tx) (err error) {
				w.ID, err = person.Insert(ctx, tx, person.Row{IDType: string(w.IDType), IDNumber: w.IDNumber, Name: w.Name,
					Mobile: w.Mobile, CreatedAt: now})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			persons = append(persons, w)
		}
		db.UseKeys(nil)
		due, sent := invitation(persons[1], "秦淮示范商贸有限公司"), invitation(persons[0], "鼓楼示范物流有限公司")
		var dueID, sentID int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO delegation_notices (person_id, purpose, text, created_at)
				VALUES (?, 'delegation-invite', ?, ?) RETURNING id`, persons[0].ID, due, now).Scan(&dueID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO delegation_notices (person_id, purpose, text, created_at, sent_at)
				VALUES (?, 'delegation-invite', ?, ?, ?) RETURNING id`, persons[1].ID, sent, now, now).Scan(&sentID)
		}); err != nil {
			t.Fatal(err)
		}
		storetest.MigrateSealing(t, db, 52)
		for _, row := range storetest.RawRows(t, db, "SELECT * FROM delegation_notices ORDER BY id") {
			for _, clear := range []string{persons[0].Name, persons[1].Name, "秦淮示范商贸有限公司", "鼓楼示范物流有限公司"} {
				if strings.Contains(row, clear) {
					t.Errorf("a delegation_notices row still holds %q in clear", clear)
				}
			}
		}
		var sealedSent []byte
		if err := db.QueryRow(ctx, `SELECT text FROM delegation_notices WHERE id = ?`, sentID).Scan(&sealedSent); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Keys().OpenString(NoticePlace(sentID), sealedSent); err != nil || got != sent {
			t.Errorf("the sent notice after the migration: %q, %v; want %q", got, err, sent)
		}
		f := newFixture(t, db)
		if n, err := f.svc.DeliverNotices(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v; want the one still due", n, err)
		}
		if got := f.sentText(t, persons[0]); got != due {
			t.Errorf("sent %q, want %q", got, due)
		}
	})
}

// TestKeyRotationCoversNotices: `hall keys rotate` (store.RotateKeys) moves the
// queued messages onto the new data key: the rotation re-seals them, and afterwards
// the new key alone sends each as it was queued.
func TestKeyRotationCoversNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var persons []who
		var texts []string
		for i := range 3 {
			w := f.person(t)
			persons, texts = append(persons, w), append(texts, invitation(w, "示范单位"+strings.Repeat("甲", i+1)))
			f.queue(t, w, texts[i])
		}
		if n := storetest.RotateToNewKey(t, db, 2, "delegation_notices"); n != 3 {
			t.Errorf("the rotation re-sealed %d notices, want 3", n)
		}
		if n, err := f.svc.DeliverNotices(f.ctx); err != nil || n != 3 {
			t.Fatalf("delivered %d, %v under the new key alone; want 3", n, err)
		}
		for i, w := range persons {
			if got := f.sentText(t, w); got != texts[i] {
				t.Errorf("sent %q, want %q", got, texts[i])
			}
		}
	})
}

// TestNoticeToAnUnreadableMobile: a notice whose recipient's mobile does not open
// (moved from another person's row here) is given up, like one whose text does not
// open, and the run goes on to send the notices after it instead of ending at it
// on every run.
func TestNoticeToAnUnreadableMobile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first, second := f.person(t), f.person(t)
		unreadable := f.queue(t, first, invitation(first, "金陵示范商贸有限公司"))
		secondText := invitation(second, "石城示范物流有限公司")
		f.queue(t, second, secondText)
		if _, err := db.Exec(f.ctx, `UPDATE persons SET mobile = (SELECT mobile FROM persons WHERE id = ?) WHERE id = ?`,
			second.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if sent, err := f.svc.DeliverNotices(f.ctx); err != nil || sent != 1 {
			t.Fatalf("delivered %d, %v; want 1 (the second's), nil", sent, err)
		}
		if got := f.sentText(t, second); got != secondText {
			t.Errorf("the notice after the unreadable mobile: sent %q, want %q", got, secondText)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE id = ? AND failed_at IS NOT NULL AND sent_at IS NULL`, unreadable); n != 1 {
			t.Errorf("the notice to an unreadable mobile is not given up")
		}
		f.clk.Add(time.Hour)
		if sent, err := f.svc.DeliverNotices(f.ctx); err != nil || sent != 0 {
			t.Errorf("a later run delivered %d, %v; want 0, nil", sent, err)
		}
	})
}
