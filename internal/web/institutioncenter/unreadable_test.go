package institutioncenter

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/person"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestInstitutionUnreadableCase: a case entered for the institution whose sealed form
// does not open (here: another case's form copied over it, which the row-bound seal
// refuses) is listed on the institution's home marked 申报数据无法读取 beside its
// readable neighbour, and its page answers 500 saying so and whom to ask, instead of
// the list failing as a whole.
func TestInstitutionUnreadableCase(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a58)
	rep, op, other := w.Person(t, "郜清和"), w.Person(t, "樊知行"), w.Person(t, "蒲若溪")
	u := w.Unit(t, "示范难读见习服务有限公司", rep)
	inst := w.Institution(t, u, rep, op, "示范南区就业见习基地")
	clerk := w.CounterClerk(t)
	broken := w.CounterCase(t, clerk, u, inst.Number, "樊知行")
	readable := w.CounterCase(t, clerk, u, inst.Number, other.Name)
	if _, err := ts.DB.Exec(context.Background(), `UPDATE cases SET form = (SELECT form FROM cases WHERE id = ?) WHERE id = ?`,
		readable.ID, broken.ID); err != nil {
		t.Fatal(err)
	}

	c := webtest.NewClient(ts)
	webtest.WantRedirect(t, "institution login", c.Post(t, "/login/unit", url.Values{"account": {inst.Number},
		"login": {op.IDNumber}, "password": {inst.InitialPassword}}), web.InstitutionHome)
	webtest.WantRedirect(t, "password changed", c.Post(t, "/institution/password", url.Values{
		person.FieldCurrentPassword: {inst.InitialPassword}, person.FieldNewPassword: {newPassword}, person.FieldConfirm: {newPassword}}),
		"/institution/?notice=password")

	home := c.Page(t, "/institution/", http.StatusOK)
	var marked, plain int
	for _, row := range home.All("tbody tr") {
		txt := row.TextContent()
		switch {
		case strings.Contains(txt, "申报数据无法读取"):
			marked++
			if !strings.Contains(txt, broken.Number) {
				t.Errorf("the marked row is not the unreadable case's: %q", txt)
			}
		case strings.Contains(txt, readable.Number):
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Fatalf("the institution's cases: %d marked and %d readable rows, want 1 and 1: %q", marked, plain, home.TextContent())
	}
	detail := c.Get(t, "/institution/cases/"+strconv.FormatInt(broken.ID, 10))
	if detail.Code != http.StatusInternalServerError || !strings.Contains(detail.Body.String(), cases.ErrCaseUnreadable.Msg+"，请联系经办窗口") {
		t.Errorf("the unreadable case's page: %d %q; want 500 saying %q", detail.Code, detail.Body.String(), cases.ErrCaseUnreadable.Msg)
	}
	c.Page(t, "/institution/cases/"+strconv.FormatInt(readable.ID, 10), http.StatusOK)
}
