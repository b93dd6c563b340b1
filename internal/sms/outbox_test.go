package sms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hall/internal/sealed/sealedtest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestOutboxSendListLatest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := newClock()
		o := NewOutbox(db, sealedtest.Keys(), clock.Now)
		ms := mobiles(30, 2)
		for i := range 5 {
			mobile := ms[i%2]
			if i == 4 {
				mobile = "+86 " + mobile[:3] + "-" + mobile[3:] // normalised before storing
			}
			if err := o.Send(ctx, Message{Mobile: mobile, Text: fmt.Sprint("第", i, "条"), Purpose: "login"}); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
			clock.Add(time.Second)
		}
		page, total, err := o.List(ctx, Page{Page: 1, PerPage: 2})
		if err != nil {
			t.Fatal(err)
		}
		if total != 5 || len(page) != 2 || page[0].Text != "第4条" || page[1].Text != "第3条" {
			t.Fatalf("page 1 = %+v, total %d", page, total)
		}
		if page[0].Mobile != ms[0] || !page[0].CreatedAt.Equal(newClock().Now().Add(4*time.Second)) || page[0].CreatedAt.Location() != time.UTC {
			t.Fatalf("stored message = %+v", page[0])
		}
		page, _, err = o.List(ctx, Page{Page: 3, PerPage: 2})
		if err != nil || len(page) != 1 || page[0].Text != "第0条" {
			t.Fatalf("page 3 = %+v, %v", page, err)
		}
		page, _, err = o.List(ctx, Page{Page: 9, PerPage: 2})
		if err != nil || len(page) != 0 {
			t.Fatalf("page 9 = %+v, %v", page, err)
		}
		m, err := o.Latest(ctx, ms[1])
		if err != nil || m.Text != "第3条" {
			t.Fatalf("Latest = %+v, %v", m, err)
		}
		if _, err := o.Latest(ctx, mobiles(31, 1)[0]); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Latest of a mobile without messages: %v", err)
		}
	})
}

func TestOutboxRefusesLikeAGateway(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	o := NewOutbox(db, sealedtest.Keys(), nil)
	mobile := mobiles(32, 1)[0]
	cases := []struct {
		name string
		msg  Message
	}{
		{"invalid mobile", Message{Mobile: "12012345678", Text: "x", Purpose: "login"}},
		{"landline", Message{Mobile: "02512345678", Text: "x", Purpose: "login"}},
		{"empty text", Message{Mobile: mobile, Purpose: "login"}},
		{"text too long", Message{Mobile: mobile, Text: strings.Repeat("字", MaxTextRunes+1), Purpose: "login"}},
		{"invalid UTF-8", Message{Mobile: mobile, Text: "\xff", Purpose: "login"}},
	}
	for _, c := range cases {
		if err := o.Send(ctx, c.msg); !errors.Is(err, ErrUndeliverable) {
			t.Errorf("%s: Send = %v, want ErrUndeliverable", c.name, err)
		}
	}
	if n := count(t, db, "sms_outbox", ""); n != 0 {
		t.Fatalf("refused messages were stored (%d)", n)
	}
}

func TestOutboxFailNext(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	o := NewOutbox(db, sealedtest.Keys(), nil)
	mobile := mobiles(33, 1)[0]
	boom := errors.New("boom")
	o.FailNext(boom)
	o.FailNext(nil)
	msg := Message{Mobile: mobile, Text: "x", Purpose: "login"}
	if err := o.Send(ctx, msg); err != boom {
		t.Fatalf("first Send = %v, want the queued error", err)
	}
	if err := o.Send(ctx, msg); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("second Send = %v, want ErrUnavailable", err)
	}
	if err := o.Send(ctx, msg); err != nil {
		t.Fatalf("third Send = %v, want success", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := o.Send(cancelled, msg); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled context = %v", err)
	}
	if n := count(t, db, "sms_outbox", ""); n != 1 {
		t.Fatalf("outbox has %d messages, want 1", n)
	}
}

func TestPrintOutbox(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := newClock()
		clock.Set(time.Date(2026, 3, 2, 16, 30, 0, 0, time.UTC)) // 00:30 on 3 March in Shanghai
		o := NewOutbox(db, sealedtest.Keys(), clock.Now)
		mobile := mobiles(34, 1)[0]
		for i := range 130 {
			text := fmt.Sprintf("【示范省人社】第%d条", i)
			if i == 129 {
				text = "第一行\n第二行\t尾"
			}
			if err := o.Send(ctx, Message{Mobile: mobile, Text: text, Purpose: "register"}); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := PrintOutbox(ctx, &buf, o, 3); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		if len(lines) != 5 {
			t.Fatalf("output has %d lines, want header, 3 rows and a count:\n%s", len(lines), buf.String())
		}
		for _, want := range []string{"时间", "手机号", "用途", "内容"} {
			if !strings.Contains(lines[0], want) {
				t.Errorf("header %q lacks %q", lines[0], want)
			}
		}
		row := lines[1]
		for _, want := range []string{"2026-03-03 00:30:00", mobile, "register", "第一行 第二行 尾"} {
			if !strings.Contains(row, want) {
				t.Errorf("row %q lacks %q", row, want)
			}
		}
		if !strings.Contains(lines[3], "第127条") || !strings.Contains(lines[4], "共 130 条") {
			t.Errorf("unexpected rows or count:\n%s", buf.String())
		}

		// More than one page of the list, and n beyond the outbox.
		for _, c := range []struct{ n, rows int }{{120, 120}, {500, 130}, {0, DefaultPerPage}} {
			buf.Reset()
			if err := PrintOutbox(ctx, &buf, o, c.n); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(buf.String(), "\n") - 2; got != c.rows {
				t.Errorf("PrintOutbox(n=%d) printed %d rows, want %d", c.n, got, c.rows)
			}
		}
	})
}
