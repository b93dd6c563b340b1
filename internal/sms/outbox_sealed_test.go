package sms

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/sealed"
	"hall/internal/sealed/sealedtest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestOutboxSealedAtRest: after a send, the table holds neither the mobile nor
// any part of the text in clear, on both engines, while the outbox still reads
// them back and finds the message by its mobile.
func TestOutboxSealedAtRest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := NewOutbox(db, sealedtest.Keys(), newClock().Now)
		mobile := mobiles(40, 1)[0]
		const text = "【示范省人社】王晓明您好，您的验证码为482913，5分钟内有效。"
		if err := o.Send(ctx, Message{Mobile: mobile, Text: text, Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		// The mobile in either notation, the code, the name and the sign.
		storetest.HoldsNone(t, db, "sms_outbox", mobile, mobile[:3]+" "+mobile[3:7], "482913", "王晓明", "示范省人社", "验证码")
		m, err := o.Latest(ctx, mobile)
		if err != nil || m.Mobile != mobile || m.Text != text {
			t.Fatalf("Latest = %+v, %v", m, err)
		}
		sent, err := o.SentTo(ctx, "+86 "+mobile)
		if err != nil || len(sent) != 1 || sent[0].Text != text {
			t.Fatalf("SentTo = %+v, %v", sent, err)
		}
	})
}

// TestOutboxRefusesMovedValues: a sealed value copied to another row or column, or
// a row sealed under another data key, is nobody's message (Latest, SentTo) and is
// listed as unreadable with its plain columns, instead of showing another message.
func TestOutboxRefusesMovedValues(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := NewOutbox(db, sealedtest.Keys(), newClock().Now)
		ms := mobiles(41, 8)
		// send texts ms[i] and ms[i+1] and returns their rows' IDs.
		send := func(i int) (first, second int64) {
			for _, m := range ms[i : i+2] {
				if err := o.Send(ctx, Message{Mobile: m, Text: "您好，" + m, Purpose: "login"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.QueryRow(ctx, "SELECT MAX(id) - 1, MAX(id) FROM sms_outbox").Scan(&first, &second); err != nil {
				t.Fatal(err)
			}
			return first, second
		}
		first, second := send(0)
		if m, err := o.Latest(ctx, ms[1]); err != nil || m.Text != "您好，"+ms[1] {
			t.Fatalf("before any move: %+v, %v", m, err)
		}
		other, err := sealed.NewKeys(bytes.Repeat([]byte{1}, sealed.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		// Under another data key no row opens: the page lists them as unreadable
		// rather than failing, and no message is given out for a mobile.
		page, total, err := NewOutbox(db, other, nil).List(ctx, Page{})
		if err != nil || total != 2 || len(page) != 2 {
			t.Fatalf("List under another data key: %d of %d, %v", len(page), total, err)
		}
		for _, m := range page {
			if !m.Unreadable || m.Text != UnreadableText || m.Mobile != "" || m.Purpose != "login" || !m.CreatedAt.Equal(newClock().Now()) {
				t.Errorf("List under another data key: %+v, want it unreadable with its purpose and time", m)
			}
		}
		cases := []struct {
			name, query string
			own         bool // the value comes from the same row
		}{
			{"text of another row", "UPDATE sms_outbox SET text = (SELECT text FROM sms_outbox WHERE id = ?) WHERE id = ?", false},
			{"mobile of another row", "UPDATE sms_outbox SET mobile = (SELECT mobile FROM sms_outbox WHERE id = ?) WHERE id = ?", false},
			{"its own mobile as text", "UPDATE sms_outbox SET text = (SELECT mobile FROM sms_outbox WHERE id = ?) WHERE id = ?", true},
		}
		for i, c := range cases {
			if i > 0 {
				first, second = send(2 * i)
			}
			src := first
			if c.own {
				src = second
			}
			if _, err := db.Exec(ctx, c.query, src, second); err != nil {
				t.Fatal(err)
			}
			// The changed row does not open: it is nobody's message, and the page
			// shows it as unreadable.
			if m, err := o.Latest(ctx, ms[2*i+1]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: Latest = %+v, %v; want ErrNotFound", c.name, m, err)
			}
			if got, err := o.SentTo(ctx, ms[2*i+1]); err != nil || len(got) != 0 {
				t.Errorf("%s: SentTo = %+v, %v; want none", c.name, got, err)
			}
			if page, _, err := o.List(ctx, Page{PerPage: 1}); err != nil || len(page) != 1 || page[0].ID != second || !page[0].Unreadable {
				t.Errorf("%s: List's newest = %+v, %v; want row %d unreadable", c.name, page, err, second)
			}
		}
		// The look-up column copied from another row: the row opens, but its sealed
		// mobile is not the one looked up, so the look-up's own message is the answer.
		first, second = send(2 * len(cases))
		if _, err := db.Exec(ctx, "UPDATE sms_outbox SET mobile_index = (SELECT mobile_index FROM sms_outbox WHERE id = ?) WHERE id = ?",
			first, second); err != nil {
			t.Fatal(err)
		}
		target := ms[2*len(cases)]
		if m, err := o.Latest(ctx, target); err != nil || m.ID != first || m.Text != "您好，"+target {
			t.Errorf("look-up column of another row: Latest = %+v, %v; want row %d's own message", m, err, first)
		}
		if got, err := o.SentTo(ctx, target); err != nil || len(got) != 1 || got[0].ID != first {
			t.Errorf("look-up column of another row: SentTo = %+v, %v; want row %d alone", got, err, first)
		}
		// A newer row sealed under another data key but carrying this key's look-up
		// column for target is found by the look-up, does not open, and is passed over
		// for target's own older message; the page lists it with its plain columns.
		clock := newClock()
		clock.Add(time.Hour)
		if err := NewOutbox(db, other, clock.Now).Send(ctx, Message{Mobile: target, Text: "另一密钥", Purpose: "other-key"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "UPDATE sms_outbox SET mobile_index = ? WHERE id = (SELECT MAX(id) FROM sms_outbox)",
			o.keys.Index(sealed.KindMobile, target)); err != nil {
			t.Fatal(err)
		}
		if m, err := o.Latest(ctx, target); err != nil || m.ID != first || m.Text != "您好，"+target {
			t.Errorf("row of another data key under this key's look-up: Latest = %+v, %v; want row %d", m, err, first)
		}
		if got, err := o.SentTo(ctx, target); err != nil || len(got) != 1 || got[0].ID != first {
			t.Errorf("row of another data key under this key's look-up: SentTo = %+v, %v; want row %d alone", got, err, first)
		}
		page, _, err = o.List(ctx, Page{PerPage: 1})
		if err != nil || len(page) != 1 {
			t.Fatalf("List's newest: %+v, %v", page, err)
		}
		if m := page[0]; m.ID != second+1 || !m.Unreadable || m.Text != UnreadableText || m.Mobile != "" ||
			m.Purpose != "other-key" || !m.CreatedAt.Equal(clock.Now()) || m.CreatedAt.Location() != time.UTC {
			t.Errorf("List's newest = %+v; want row %d unreadable, with its purpose and time", m, second+1)
		}
	})
}

// TestOutboxLatestStopsAtItsAnswer: Latest reads the rows of a mobile newest first
// and stops at the first message that opens and is the mobile's: an older row that
// cannot even be scanned does not fail it, while SentTo, which reads every row,
// meets it.
func TestOutboxLatestStopsAtItsAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := NewOutbox(db, sealedtest.Keys(), newClock().Now)
		mobile := mobiles(42, 1)[0]
		for _, text := range []string{"旧短信", "新短信"} {
			if err := o.Send(ctx, Message{Mobile: mobile, Text: text, Purpose: "login"}); err != nil {
				t.Fatal(err)
			}
		}
		// The older row's plain column no longer scans.
		breakOlder := []string{"UPDATE sms_outbox SET created_at = 'not a time' WHERE id = (SELECT MIN(id) FROM sms_outbox)"}
		if db.Engine == store.Postgres {
			breakOlder = []string{"ALTER TABLE sms_outbox ALTER COLUMN purpose DROP NOT NULL",
				"UPDATE sms_outbox SET purpose = NULL WHERE id = (SELECT MIN(id) FROM sms_outbox)"}
		}
		for _, q := range breakOlder {
			if _, err := db.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := o.SentTo(ctx, mobile); err == nil {
			t.Fatalf("SentTo = %+v; want the older row's scan error", got)
		}
		if m, err := o.Latest(ctx, mobile); err != nil || m.Text != "新短信" {
			t.Errorf("Latest = %+v, %v; want the newest message, without reading the older row", m, err)
		}
	})
}

// TestOutboxFindsRowsUnderPreviousKeys: a code sent just before a key rotation's
// switch, its row indexed under the key that was primary then, is still found by
// Latest and SentTo once that key is a previous one, beside the messages sent under
// the new key after the switch; an outbox that knows only the new key finds none of
// the old rows.
func TestOutboxFindsRowsUnderPreviousKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKey, newKey := bytes.Repeat([]byte{3}, sealed.KeySize), bytes.Repeat([]byte{4}, sealed.KeySize)
		keys := func(primary []byte, previous ...[]byte) *sealed.Keys {
			k, err := sealed.NewKeys(primary, previous...)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		clock := newClock()
		mobile := mobiles(43, 1)[0]
		if err := NewOutbox(db, keys(oldKey), clock.Now).Send(ctx, Message{Mobile: mobile, Text: "旧密钥下的验证码", Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		switched := NewOutbox(db, keys(newKey, oldKey), clock.Now)
		if m, err := switched.Latest(ctx, mobile); err != nil || m.Text != "旧密钥下的验证码" {
			t.Fatalf("Latest after the switch = %+v, %v; want the message sent under the previous key", m, err)
		}
		clock.Add(time.Minute)
		if err := switched.Send(ctx, Message{Mobile: mobile, Text: "新密钥下的验证码", Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		if m, err := switched.Latest(ctx, "+86 "+mobile); err != nil || m.Text != "新密钥下的验证码" {
			t.Errorf("Latest after a send under the new key = %+v, %v; want that send", m, err)
		}
		sent, err := switched.SentTo(ctx, mobile)
		if err != nil || len(sent) != 2 || sent[0].Text != "旧密钥下的验证码" || sent[1].Text != "新密钥下的验证码" {
			t.Errorf("SentTo after the switch = %+v, %v; want both messages, oldest first", sent, err)
		}
		if sent, err := NewOutbox(db, keys(newKey), clock.Now).SentTo(ctx, mobile); err != nil || len(sent) != 1 || sent[0].Text != "新密钥下的验证码" {
			t.Errorf("SentTo under the new key alone = %+v, %v; want only the message sent under it", sent, err)
		}
	})
}
