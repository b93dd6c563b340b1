package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestUnitCaseDrafts: over HTTP, 保存草稿 keeps an incomplete form, 单位办件 lists it
// under 我的草稿, the apply form offers 继续填写 (fields refilled) and 放弃草稿, a
// submitted application deletes the draft, and an agent whose grant has gone can
// no longer open its draft.
func TestUnitCaseDrafts(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x2601, "钱草稿", "示范草稿机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client

	apply := "/unit/items/" + cases.ItemEnrolment + "/apply"
	doc := c.Page(t, apply, http.StatusOK)
	if doc.First(`button[formaction="/unit/items/SB-002/draft"]`) == nil {
		t.Fatal("no 保存草稿 beside 提交申请")
	}
	if strings.Contains(doc.TextContent(), "您有一份未提交的草稿") {
		t.Fatal("a draft offered before one was saved")
	}
	// Incomplete and wrong values are kept as typed.
	rec := c.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"孙草稿"}, cases.FieldBase: {"12"},
		cases.FieldTypes: {"pension"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/unit/cases?notice=draft-saved" {
		t.Fatalf("save draft: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	list := c.Page(t, "/unit/cases?notice=draft-saved", http.StatusOK)
	if a := list.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`); a == nil || !strings.Contains(a.AttrOr("aria-label"), "参保登记") {
		t.Fatalf("我的草稿 does not link the draft: %s", list.TextContent())
	}
	if !strings.Contains(list.TextContent(), "草稿已保存") || !strings.Contains(list.TextContent(), "保留30天") {
		t.Fatal("no notice of the saved draft or of its retention")
	}
	doc = c.Page(t, apply, http.StatusOK)
	if !strings.Contains(doc.TextContent(), "您有一份未提交的草稿") || doc.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`) == nil {
		t.Fatal("the apply form does not offer 继续填写")
	}
	if v := doc.Must(t, "#f-name").AttrOr("value"); v != "" {
		t.Fatalf("form filled before 继续填写: %q", v)
	}
	doc = c.Page(t, apply+"?draft=resume", http.StatusOK)
	if v := doc.Must(t, "#f-name").AttrOr("value"); v != "孙草稿" {
		t.Fatalf("resumed name = %q", v)
	}
	if v := doc.Must(t, "#f-base").AttrOr("value"); v != "12" {
		t.Fatalf("resumed base = %q", v)
	}
	if doc.First(`#f-types-pension[checked]`) == nil || doc.First(`#f-types-injury[checked]`) != nil {
		t.Fatal("resumed insurance types differ from the draft")
	}
	// 放弃草稿.
	rec = c.Post(t, "/unit/items/SB-002/draft/discard", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("discard: %d", rec.Code)
	}
	if doc = c.Page(t, apply, http.StatusOK); strings.Contains(doc.TextContent(), "您有一份未提交的草稿") {
		t.Fatal("discarded draft still offered")
	}
	// A successful application deletes the draft.
	c.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"孙草稿"}})
	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	form := url.Values{cases.FieldName: {"孙有为"}, cases.FieldIDNumber: {w.IDNumber()}, cases.FieldStartMonth: {month},
		cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension", "injury"}}
	if rec = c.Post(t, apply, form); rec.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d %s", rec.Code, rec.Body.String())
	}
	if list = c.Page(t, "/unit/cases", http.StatusOK); list.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`) != nil {
		t.Fatal("the draft is still listed after the application")
	}
	// Too large a draft is refused (the route's body limit is the draft's bound),
	// nothing stored.
	rec = c.Post(t, "/unit/items/JY-001/draft", url.Values{cases.FieldBank: {strings.Repeat("银", cases.MaxDraftBytes/3)}})
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large draft: %d", rec.Code)
	}
	if c.Page(t, "/unit/cases", http.StatusOK).First(`a[href="/unit/items/JY-001/apply?draft=resume"]`) != nil {
		t.Fatal("a refused draft was stored")
	}

	// An agent with the grant saves a draft; once the grant goes, it cannot open it.
	ag := w.Person(t, "李经办")
	m := w.Member(t, unit.Membership{UnitID: u.ID, PersonID: ag.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, "Agt-Member-Pass-1")
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
			m.ID, cases.ItemEnrolment, rep.ID, time.Now().UTC())
		return err
	})
	ac := webtest.NewClient(ts)
	webtest.SignIn(t, ac, webtest.UnitSubject(ag, u, unit.RoleAgent))
	if rec = ac.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"周草稿"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("agent's draft: %d", rec.Code)
	}
	// Drafts are the person's own: the legal rep does not see the agent's.
	if list = c.Page(t, "/unit/cases", http.StatusOK); list.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`) != nil {
		t.Fatal("the legal rep sees the agent's draft")
	}
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM grants WHERE membership_id = ?`, m.ID)
		return err
	})
	if rec = ac.Get(t, apply+"?draft=resume"); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "周草稿") {
		t.Fatalf("agent without the grant opened its draft: %d", rec.Code)
	}
	if rec = ac.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"周草稿"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("agent without the grant saved a draft: %d", rec.Code)
	}
	if list = ac.Page(t, "/unit/cases", http.StatusOK); list.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`) != nil {
		t.Fatal("the revoked draft is still listed")
	}
}

// TestUnitCaseDraftUnreadable: a draft whose sealed form cannot be read (an old
// data key removed, a row changed) is no dead end over HTTP: the apply form
// renders empty with the notice beside it and 放弃草稿 (no 继续填写, even asked
// for), 保存草稿 replaces it, and 放弃草稿 deletes it.
func TestUnitCaseDraftUnreadable(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x2602, "钱读取", "示范读取机械有限公司")
	w, rep, c := desk.World, desk.Rep, desk.Client

	apply := "/unit/items/" + cases.ItemEnrolment + "/apply"
	spoil := func() {
		t.Helper()
		w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE case_drafts SET form = ? WHERE person_id = ?`, []byte("not sealed"), rep.ID)
			return err
		})
	}
	if rec := c.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"孙读取"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("save draft: %d", rec.Code)
	}
	spoil()
	for _, path := range []string{apply, apply + "?draft=resume"} {
		doc := c.Page(t, path, http.StatusOK)
		if !strings.Contains(doc.TextContent(), cases.ErrDraftUnreadable.Msg) {
			t.Fatalf("%s: no notice of the unreadable draft: %s", path, doc.TextContent())
		}
		if doc.First(`form[action="/unit/items/SB-002/draft/discard"] button`) == nil {
			t.Fatalf("%s: no 放弃草稿 for the unreadable draft", path)
		}
		if doc.First(`a[href="/unit/items/SB-002/apply?draft=resume"]`) != nil {
			t.Fatalf("%s: 继续填写 offered for a draft that cannot be read", path)
		}
		if doc.First(`button[formaction="/unit/items/SB-002/draft"]`) == nil {
			t.Fatalf("%s: no 保存草稿 to replace the unreadable draft", path)
		}
		if v := doc.Must(t, "#f-name").AttrOr("value"); v != "" {
			t.Fatalf("%s: the form is filled from an unreadable draft: %q", path, v)
		}
	}
	// 保存草稿 replaces it.
	if rec := c.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"孙重填"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("save over the unreadable draft: %d %s", rec.Code, rec.Body.String())
	}
	if v := c.Page(t, apply+"?draft=resume", http.StatusOK).Must(t, "#f-name").AttrOr("value"); v != "孙重填" {
		t.Fatalf("the draft saved over the unreadable one resumes as %q", v)
	}
	// 放弃草稿 deletes it.
	spoil()
	if rec := c.Post(t, "/unit/items/SB-002/draft/discard", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("discard the unreadable draft: %d", rec.Code)
	}
	if doc := c.Page(t, apply, http.StatusOK); strings.Contains(doc.TextContent(), cases.ErrDraftUnreadable.Msg) ||
		strings.Contains(doc.TextContent(), "您有一份未提交的草稿") {
		t.Fatal("the discarded unreadable draft is still offered")
	}
}
