package sms

import (
	"strings"
	"testing"
	"time"

	"hall/internal/sealed/sealedtest"
	"hall/internal/store/storetest"
)

// TestNoticeText: what changed, when (Beijing time) and the hotline; a new mobile is
// masked.
func TestNoticeText(t *testing.T) {
	at := time.Date(2026, 12, 4, 16, 5, 0, 0, time.UTC) // 00:05 on 5 December in Beijing
	got := NoticeText("示范省人社", "12333", ChangePasswordReset, at, "")
	if want := "【示范省人社】您的个人账户登录密码已于2026年12月05日 00:05通过“找回密码”重置。如非本人操作，请立即拨打服务热线12333。"; got != want {
		t.Errorf("reset:\n got %s\nwant %s", got, want)
	}
	got = NoticeText("示范省人社", "12333", ChangeMobile, at, "13912345678")
	if !strings.Contains(got, "更换为139****5678") || strings.Contains(got, "13912345678") {
		t.Errorf("mobile: %s", got)
	}
	for _, c := range []Change{ChangePasswordReset, ChangeUnitPasswordReset, ChangePassword, ChangeUnitPassword, ChangeMobile} {
		if text := NoticeText(DefaultSign, "12333", c, at, "13912345678"); checkText(text) != nil || len([]rune(text)) > 140 {
			t.Errorf("%s: %q is not a deliverable short text", c, text)
		}
	}
}

// TestNoticesSend: AccountChanged hands the notice to the sender, with its purpose.
func TestNoticesSend(t *testing.T) {
	db := storetest.SQLite(t)
	at := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	box := NewOutbox(db, sealedtest.Keys(), func() time.Time { return at })
	n := NewNotices(box, "", "12333", func() time.Time { return at })
	if err := n.AccountChanged(t.Context(), "13800138000", ChangePassword, ""); err != nil {
		t.Fatal(err)
	}
	m, err := box.Latest(t.Context(), "13800138000")
	if err != nil {
		t.Fatal(err)
	}
	if m.Purpose != PurposeAccountNotice || !strings.HasPrefix(m.Text, "【"+DefaultSign+"】您的个人账户登录密码已于2026年12月04日 10:00修改") {
		t.Errorf("sent %+v", m)
	}
	if err := n.AccountChanged(t.Context(), "12345", ChangePassword, ""); err == nil {
		t.Error("a notice to a malformed number was accepted")
	}
}
