package unitinstitutions

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/institution"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestInstitutionChangeOperator: a rename with the operator's fields left empty
// keeps the operator and the password; naming another operator shows a new
// password once, and the former operator's password, which the former operator
// chose, no longer signs in — not even with the new operator's mobile.
func TestInstitutionChangeOperator(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a5a)
	rep, op, op2 := w.Person(t, "骆云舒"), w.Person(t, "阮子行"), w.Person(t, "廖明起")
	u := w.Unit(t, "示范致远人力资源有限公司", rep)
	o := w.Institution(t, u, rep, op, "示范致远就业见习基地")
	desk := webtest.NewClient(ts)
	webtest.SignIn(t, desk, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	edit := "/unit/institutions/" + strconv.FormatInt(o.ID, 10) + "/edit"

	doc := desk.Page(t, edit, http.StatusOK)
	for _, name := range []string{institution.FieldOperatorName, institution.FieldOperatorID, institution.FieldOperatorMobile} {
		if v := doc.Must(t, "input[name="+name+"]").AttrOr("value"); v != "" {
			t.Errorf("the change form fills %s with %q", name, v)
		}
	}
	if body := doc.TextContent(); strings.Contains(body, op.IDNumber) || strings.Contains(body, op.Mobile) {
		t.Error("the change form shows the operator's ID number or mobile in full")
	}
	rename := url.Values{institution.FieldName: {"示范致远就业见习示范基地"}, institution.FieldKind: {string(institution.KindInternshipModelBase)}}
	webtest.WantRedirect(t, "rename", desk.Post(t, edit, rename), "/unit/institutions?notice=changed")
	if i, _ := ts.Institutions.Get(t.Context(), o.ID); i.OperatorID != op.ID || i.PasswordHash != o.PasswordHash {
		t.Fatal("a rename changed the operator or the password")
	}

	// Only two of the operator's fields: refused beside the missing one.
	partial := webtest.CloneForm(rename)
	partial.Set(institution.FieldOperatorName, op2.Name)
	partial.Set(institution.FieldOperatorID, op2.IDNumber)
	rec := desk.Post(t, edit, partial)
	webtest.WantStatus(t, "two of three", rec, http.StatusUnprocessableEntity)
	webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-"+institution.FieldOperatorMobile)

	another := webtest.CloneForm(partial)
	another.Set("operator_id_type", string(op2.IDType))
	another.Set(institution.FieldOperatorMobile, op2.Mobile)
	rec = desk.Post(t, edit, another)
	webtest.WantStatus(t, "another operator", rec, http.StatusOK)
	doc = webtest.ParseHTML(t, rec.Body.String())
	fresh := strings.TrimSpace(doc.Must(t, "[data-initial-password]").TextContent())
	if ts.Policy.Check(fresh, op2.IDNumber, op2.Mobile) != nil || fresh == o.InitialPassword || !strings.Contains(doc.TextContent(), "已更换") {
		t.Fatalf("the new operator's password %q", fresh)
	}

	login := func(who, password string) int {
		return webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {o.Number}, "login": {who},
			"password": {password}}).Code
	}
	if code := login(op2.Mobile, o.InitialPassword); code != http.StatusUnprocessableEntity {
		t.Errorf("the former password with the new operator's mobile: %d", code)
	}
	if code := login(op.Mobile, o.InitialPassword); code != http.StatusUnprocessableEntity {
		t.Errorf("the former operator: %d", code)
	}
	if code := login(op2.Mobile, fresh); code != http.StatusSeeOther {
		t.Errorf("the new operator with the new password: %d", code)
	}
	if !strings.Contains(webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {o.Number}, "login": {op2.Mobile},
		"password": {"Wrong-Pass-9"}}).Body.String(), web.MsgBadLogin) {
		t.Error("a wrong password is not answered as one")
	}
}
