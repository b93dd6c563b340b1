package web

import (
	"strings"
	"testing"

	"hall/internal/sms"
)

// acsSMSNotices returns the texts of the account notices (sms.PurposeAccountNotice) in
// the development outbox for mobile, oldest first.
func acsSMSNotices(t testing.TB, ts *TestServer, mobile string) []string {
	t.Helper()
	rows, err := ts.DB.Query(t.Context(), `SELECT text FROM sms_outbox WHERE mobile = ? AND purpose = ? ORDER BY id`,
		mobile, sms.PurposeAccountNotice)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		out = append(out, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// acsWantNotice checks that mobile got exactly one account notice, saying each of
// want and naming the hotline.
func acsWantNotice(t testing.TB, ts *TestServer, mobile string, want ...string) {
	t.Helper()
	got := acsSMSNotices(t, ts, mobile)
	if len(got) != 1 {
		t.Errorf("account notices to %s: %q, want one", mobile, got)
		return
	}
	for _, w := range append(want, "如非本人操作", "服务热线"+ts.Config.Hotline) {
		if !strings.Contains(got[0], w) {
			t.Errorf("notice %q lacks %q", got[0], w)
		}
	}
}
