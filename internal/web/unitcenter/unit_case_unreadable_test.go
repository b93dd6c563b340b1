package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web/webtest"
)

// TestUnitCasesWithAnUnreadableCase: a case whose sealed form does not open (moved
// from another case here) is listed on 单位办件 by its number, marked 申报数据无法读取,
// beside the unit's other cases, instead of failing the whole list; its own page
// says it cannot be read and whom to ask, not the generic 系统繁忙.
func TestUnitCasesWithAnUnreadableCase(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5d6, "钱难读", "示范难读机械有限公司")
	w, c := desk.World, desk.Client
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	apply := func(name string) int64 {
		v := url.Values{cases.FieldName: {name}, cases.FieldIDNumber: {ident.GenerateResidentID(w.Generator, "320104",
			time.Date(1995, 3, 4, 0, 0, 0, 0, time.UTC), true)}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
			cases.FieldTypes: {"pension"}}
		loc := appliedCase(t, c.Post(t, "/unit/items/SB-002/apply", v))
		id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/unit/cases/"), 10, 64)
		return id
	}
	broken, readable := apply("孙难读"), apply("李可读")
	if _, err := ts.DB.Exec(context.Background(), `UPDATE cases SET form = (SELECT form FROM cases WHERE id = ?) WHERE id = ?`,
		readable, broken); err != nil {
		t.Fatal(err)
	}
	list := c.Page(t, "/unit/cases", http.StatusOK)
	rows := list.All("tbody tr")
	var marked, plain int
	for _, row := range rows {
		txt := row.TextContent()
		switch {
		case strings.Contains(txt, "申报数据无法读取"):
			marked++
			if row.First(`a[href="/unit/cases/`+strconv.FormatInt(broken, 10)+`"]`) == nil {
				t.Errorf("the marked row is not the unreadable case's: %q", txt)
			}
		case row.First(`a[href="/unit/cases/`+strconv.FormatInt(readable, 10)+`"]`) != nil:
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Fatalf("单位办件 lists %d marked and %d readable rows, want 1 and 1: %q", marked, plain, list.TextContent())
	}
	detail := c.Get(t, "/unit/cases/"+strconv.FormatInt(broken, 10))
	if detail.Code != http.StatusInternalServerError || !strings.Contains(detail.Body.String(), cases.ErrCaseUnreadable.Msg+"，请联系经办窗口") {
		t.Errorf("the unreadable case's page: %d %q; want 500 saying %q", detail.Code, detail.Body.String(), cases.ErrCaseUnreadable.Msg)
	}
	c.Page(t, "/unit/cases/"+strconv.FormatInt(readable, 10), http.StatusOK)
}
