package delegation

import (
	"errors"
	"fmt"
	"testing"

	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestDeliverText: a text another package queued in its transaction is sent after
// commit; DeliverText says what an attempt came to — sent, retried after a
// transient failure (then sent by the Runner's round), given up when the gateway
// refuses it for good, or held elsewhere when already done — with the gateway's
// error; a text whose transaction rolled back is never sent.
func TestDeliverText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.person(t)
		queue := func(text string) int64 {
			t.Helper()
			var id int64
			if err := db.Tx(f.ctx, func(tx *store.Tx) error {
				var err error
				id, err = f.svc.QueueText(f.ctx, tx, p.ID, "test-text", text)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}

		sent := queue("【测试】一")
		if d, err := f.svc.DeliverText(f.ctx, sent); d != Sent || err != nil {
			t.Fatalf("first delivery: %d %v", d, err)
		}
		if d, err := f.svc.DeliverText(f.ctx, sent); d != Elsewhere || err != nil {
			t.Fatalf("a second delivery of a sent text: %d %v", d, err)
		}

		retried := queue("【测试】二")
		f.outbox.FailNext(nil)
		if d, err := f.svc.DeliverText(f.ctx, retried); d != Retrying || !errors.Is(err, sms.ErrUnavailable) {
			t.Fatalf("a transient failure: %d %v", d, err)
		}
		if n, err := f.svc.DeliverNotices(f.ctx); n != 1 || err != nil {
			t.Fatalf("the next round sent %d (%v)", n, err)
		}

		refused := queue("【测试】三")
		f.outbox.FailNext(fmt.Errorf("%w: test", sms.ErrUndeliverable))
		if d, err := f.svc.DeliverText(f.ctx, refused); d != GivenUp || !errors.Is(err, sms.ErrUndeliverable) {
			t.Fatalf("an undeliverable text: %d %v", d, err)
		}
		if n, err := f.svc.DeliverNotices(f.ctx); n != 0 || err != nil {
			t.Fatalf("a round after giving up sent %d (%v)", n, err)
		}

		_ = db.Tx(f.ctx, func(tx *store.Tx) error {
			if _, err := f.svc.QueueText(f.ctx, tx, p.ID, "test-text", "【测试】四"); err != nil {
				t.Fatal(err)
			}
			return errors.New("the change fails")
		})
		if n, err := f.svc.DeliverNotices(f.ctx); n != 0 || err != nil {
			t.Fatalf("a text of a rolled-back change: %d sent (%v)", n, err)
		}
		if got := f.texts(t, p); len(got) != 2 || got[0] != "【测试】一" || got[1] != "【测试】二" {
			t.Fatalf("texts sent: %q", got)
		}
	})
}
