package webtest

import (
	"strings"
	"testing"

	"hall/internal/insurance"
	"hall/internal/rights"
	"hall/internal/web"
)

// IssueRecord issues a rights record of a unit invited with seed and given demo
// insurance data, over the two months before the server's current month for
// pension and unemployment insurance; it returns the record and its signed PDF.
func IssueRecord(t testing.TB, ts *TestServer, seed uint64) (rights.Record, []byte) {
	t.Helper()
	fx := Invite(t, ts, seed, "SB-001")
	LoadInsurance(t, ts, fx.Unit, 6, 9)
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	rec, pdf, err := ts.Rights.Issue(t.Context(), fx.Unit.ID, rights.Actor{PersonID: fx.Rep.ID},
		rights.Form{From: last.Add(-1).String(), To: last.String(), Types: []string{"pension", "unemployment"}})
	if err != nil {
		t.Fatal(err)
	}
	return rec, pdf
}

// CheckRecordCheck asserts that doc, a page that shows the check of rec (the hall's
// /verify/{id} or the app's /app/records/{id}), gives result ("valid" or "expired")
// with the record's facts, and shows its USCC only masked.
func CheckRecordCheck(t testing.TB, doc *HTMLNode, rec rights.Record, result string) {
	t.Helper()
	if got := doc.Must(t, "[data-verify-result]").AttrOr("data-verify-result"); got != result {
		t.Errorf("result %q, want %q", got, result)
	}
	verdict := map[string]string{"valid": "有效", "expired": "已过有效期"}[result]
	text := doc.Must(t, "main").TextContent()
	for _, want := range []string{verdict, rec.UnitName, rec.From.String() + " 至 " + rec.To.String(), rec.SHA256, "企业基本养老保险：", "失业保险："} {
		if !strings.Contains(text, want) {
			t.Errorf("the check lacks %q", want)
		}
	}
	if strings.Contains(text, rec.USCC) {
		t.Error("the check shows the USCC unmasked")
	}
}
