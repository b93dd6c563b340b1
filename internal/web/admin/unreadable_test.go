package admin

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/web/webtest"
)

// TestUnreadableAppealInTheBackOffice: an appeal whose sealed name was moved from
// another appeal is listed on 用户申诉 marked 申诉数据无法读取 beside the readable
// one, instead of the whole queue failing; its own page says it cannot be read and
// what to do, not the generic 系统繁忙.
func TestUnreadableAppealInTheBackOffice(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 38)
	file := func(name string) int64 {
		id, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealOther, IDType: ident.IDTypeResident,
			IDNumber: w.IDNumber(), Name: name, ContactMobile: w.Mobile(), Description: "其他问题"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	broken, readable := file("申屠难读"), file("钟离可读")
	if _, err := ts.DB.Exec(context.Background(), `UPDATE appeals SET name = (SELECT name FROM appeals WHERE id = ?) WHERE id = ?`,
		readable, broken); err != nil {
		t.Fatal(err)
	}
	clerk, _, _ := tm.signIn(t, ts)
	page := clerk.Page(t, "/admin/appeals/?status=open", http.StatusOK)
	var marked, plain int
	for _, row := range page.All("table.data tbody tr") {
		switch number := row.First("td").TextContent(); {
		case number == person.AppealNumber(broken) && strings.Contains(row.TextContent(), "申诉数据无法读取"):
			marked++
		case number == person.AppealNumber(readable) && strings.Contains(row.TextContent(), ident.MaskName("钟离可读")):
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Fatalf("用户申诉 shows %d marked and %d readable rows, want 1 and 1: %q", marked, plain, page.TextContent())
	}
	detail := clerk.Get(t, "/admin/appeals/"+strconv.FormatInt(broken, 10))
	if detail.Code != http.StatusInternalServerError || !strings.Contains(detail.Body.String(), "该申诉的数据无法读取") ||
		!strings.Contains(detail.Body.String(), "核查数据密钥") {
		t.Errorf("the unreadable appeal's page: %d %q", detail.Code, detail.Body.String())
	}
}
