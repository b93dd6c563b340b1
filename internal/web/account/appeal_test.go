package account

import (
	"context"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
)

func TestAppealPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for kind, want := range map[string]string{"": "", "id_taken": "id_taken", "mobile_taken": "mobile_taken", "nonsense": ""} {
		doc := ts.GetHTML(t, "/appeal?kind="+kind, http.StatusOK)
		webtest.CheckPage(t, ts, "/appeal", doc)
		got := ""
		if o := doc.First("#f-kind option[selected]"); o != nil {
			got = o.AttrOr("value")
		}
		if got != want {
			t.Errorf("kind=%s: preselected %q, want %q", kind, got, want)
		}
		labels := strings.Join(doc.Texts("form[action='/appeal'] label"), "|")
		for _, l := range []string{"申诉类型", "证件类型", "证件号码", "姓名", "被占用的手机号码", "联系电话", "申诉说明"} {
			if !strings.Contains(labels, l) {
				t.Errorf("no label %s", l)
			}
		}
	}
	opts := ts.GetHTML(t, "/appeal", http.StatusOK).Texts("#f-kind option")
	if strings.Join(opts, ",") != "请选择,证件号码被占用,手机号码被占用,其他" {
		t.Errorf("kinds %v", opts)
	}
}

func TestAppealFile(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 31)
	existing := w.Person(t, "卫青")
	valid := func(idNumber, mobile string) url.Values {
		return url.Values{"kind": {"mobile_taken"}, "id_type": {"resident"}, "id_number": {idNumber}, "name": {"霍去病"},
			"mobile": {mobile}, "contact_mobile": {w.Mobile()}, "description": {"我的手机号码已被他人注册。"}}
	}

	// Filing answers the same whether or not the ID number or mobile has an account.
	var numbers []string
	for i, f := range []url.Values{valid(existing.IDNumber, existing.Mobile), valid(w.IDNumber(), w.Mobile())} {
		c := webtest.NewClient(ts)
		rec := c.Post(t, "/appeal", withToken(f, webtest.SolveCaptcha(t, ts, c, uint64(i))))
		webtest.WantStatus(t, "POST /appeal", rec, http.StatusSeeOther)
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil || loc.Path != "/appeal/filed" {
			t.Fatalf("redirect %q", rec.Header().Get("Location"))
		}
		no := loc.Query().Get("no")
		numbers = append(numbers, no)
		doc := c.Page(t, loc.String(), http.StatusOK)
		webtest.CheckPage(t, ts, loc.String(), doc)
		if got := doc.Must(t, ".acct-done-number strong").TextContent(); got != no {
			t.Errorf("number shown %q, want %q", got, no)
		}
		if !strings.Contains(doc.TextContent(), "5个工作日内审核") {
			t.Error("the page does not say what happens next")
		}
	}
	if numbers[0] != appealNumber(1) || numbers[1] != appealNumber(2) {
		t.Errorf("numbers %v", numbers)
	}
	if n := webtest.RowCount(t, ts, "appeals"); n != 2 {
		t.Errorf("%d appeals stored", n)
	}
	entries, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "person.appeal"})
	if err != nil || len(entries) != 2 {
		t.Errorf("audit %d %v", len(entries), err)
	}

	ts.GetHTML(t, "/appeal/filed?no=bogus", http.StatusNotFound)
	ts.GetHTML(t, "/appeal/filed", http.StatusNotFound)
}

func TestAppealFieldErrors(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 32)
	base := url.Values{"kind": {"id_taken"}, "id_type": {"resident"}, "id_number": {w.IDNumber()}, "name": {"霍光"},
		"contact_mobile": {w.Mobile()}, "description": {""}}
	cases := []struct{ name, field, value, other, otherValue string }{
		{"no kind", "kind", "", "", ""},
		{"unknown kind", "kind", "stolen", "", ""},
		{"no ID type", "id_type", "", "", ""},
		{"no ID number", "id_number", "", "", ""},
		{"bad ID number", "id_number", "320102199001011234", "", ""},
		{"no name", "name", "", "", ""},
		{"no contact", "contact_mobile", "", "", ""},
		{"bad contact", "contact_mobile", "0251234", "", ""},
		{"mobile kind without the mobile", "mobile", "", "kind", "mobile_taken"},
		{"bad mobile", "mobile", "12", "", ""},
		{"other kind without text", "description", "", "kind", "other"},
		{"text too long", "description", strings.Repeat("长", 501), "", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := webtest.CloneForm(base)
			f.Set(tc.field, tc.value)
			if tc.other != "" {
				f.Set(tc.other, tc.otherValue)
			}
			c := webtest.NewClient(ts)
			rec := c.Post(t, "/appeal", withToken(f, webtest.SolveCaptcha(t, ts, c, uint64(i))))
			webtest.WantStatus(t, "POST /appeal", rec, http.StatusUnprocessableEntity)
			doc := webtest.ParseHTML(t, rec.Body.String())
			if msg := webtest.FieldError(t, doc, tc.field); msg == "" {
				t.Errorf("no message beside %s", tc.field)
			}
			if tc.field != "name" && doc.Must(t, "#f-name").AttrOr("value") != "霍光" {
				t.Error("the name was not kept")
			}
			if n := webtest.RowCount(t, ts, "appeals"); n != 0 {
				t.Errorf("%d appeals stored", n)
			}
		})
	}
}

func TestParseAppealNumber(t *testing.T) {
	for s, want := range map[string]int64{
		"SS00000001": 1, "SS12345678": 12345678, "SS123456789012": 123456789012,
		"SS0000001": 0, "ss00000001": 0, "SS0000000A": 0, "SS00000000": 0, "": 0, "SS": 0,
		"SS-0000001": 0, "SS+0000001": 0, "SS9999999999999999999": 0, "SS999999999999999999": 999999999999999999, "SS00000001 ": 0,
	} {
		id, ok := parseAppealNumber(s)
		if ok != (want != 0) || id != want {
			t.Errorf("%q: %d %v, want %d", s, id, ok, want)
		}
	}
}

func FuzzParseAppealNumber(f *testing.F) {
	for _, s := range []string{"SS00000001", "SS", "SS99999999999999999", "SS１２３４５６７８", "SS0000000١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseAppealNumber(s)
		if !ok {
			return
		}
		if id < 1 {
			t.Fatalf("%q → %d", s, id)
		}
		// A number that parses names the same id as the one the hall prints.
		if again, ok2 := parseAppealNumber(appealNumber(id)); !ok2 || again != id {
			t.Fatalf("%q → %d does not round-trip", s, id)
		}
	})
}

// TestAppealKindLabels keeps the form's kinds in step with the domain's.
func TestAppealKindLabels(t *testing.T) {
	d := &appealData{Form: web.NewForm(nil)}
	for _, o := range d.KindField().Options {
		if person.AppealKind(o.Value).Label() == "" {
			t.Errorf("kind %q is unknown to person", o.Value)
		}
	}
	if len(ident.IDTypes()) != len(d.IDTypeField().Options) {
		t.Error("ID type options differ from ident.IDTypes")
	}
}
