package admin

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/counter"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/web/webtest"
)

// browserRows is the first column of the list the page shows (the appeal's or the
// request's number), top to bottom.
func browserRows(p *browsertest.Page) []string {
	return browsertest.Eval[[]string](p, "[...document.querySelectorAll('table.data tbody tr')].map((r) => r.cells[0].innerText.trim())")
}

// browserPage checks that the list shows want, in that order, and the pager's links:
// 上一页 and 下一页 are links only where there is a page to go to (where there is
// none the words stay, as plain text).
func browserPage(t *testing.T, p *browsertest.Page, what string, want []string, prev, next bool) {
	t.Helper()
	if got := browserRows(p); !slices.Equal(got, want) {
		t.Fatalf("%s: the list shows %v; want %v", what, got, want)
	}
	if got := p.HasLink("上一页"); got != prev {
		t.Errorf("%s: a link 上一页 %v, want %v", what, got, prev)
	}
	if got := p.HasLink("下一页"); got != next {
		t.Errorf("%s: a link 下一页 %v, want %v", what, got, next)
	}
}

// The appeals' queue a page at a time in Chromium: the clerk opens 用户申诉 (the
// 待处理 queue, oldest first) with a page and three more waiting, sees the first
// page, 下一页 shows the three and no 下一页, 上一页 the first page again and no
// 上一页. An address edited to a cursor beyond the last appeal shows the last page
// with its 上一页, not an empty page with no way back.
func TestBrowserAppealsPaging(t *testing.T) {
	ts, tm, base := backOffice(t)
	per := counter.AppealsPerPage
	numbers := fileAppeals(t, ts, webtest.NewWorld(ts, 38), per+3)

	p := browsertest.New(t).NewPage(t)
	browserLogin(t, p, base, tm.clerk)
	p.ClickLink("用户申诉")
	p.WaitURL("/admin/appeals/?status=open")
	browserPage(t, p, "待处理, first page", numbers[:per], false, true)
	p.ClickLink("下一页")
	p.WaitURL("after=")
	browserPage(t, p, "待处理, 下一页", numbers[per:], true, false)
	p.ClickLink("上一页")
	p.WaitURL("before=")
	browserPage(t, p, "待处理, 上一页", numbers[:per], false, true)

	// A year after every appeal: nothing is after it in the queue.
	beyond := store.Cursor{At: time.Now().AddDate(1, 0, 0), ID: 1}
	p.Open(base + "/admin/appeals/?status=open&after=" + beyond.String())
	browserPage(t, p, "待处理, an edited cursor beyond the end", numbers[len(numbers)-per:], true, false)
	p.ClickLink("上一页")
	p.WaitURL("before=")
	browserPage(t, p, "待处理, 上一页 from the last page", numbers[:per], false, true)
}

// fileResets has clerk record n password resets at the counter, each for a person of
// their own (one open reset per person), and returns the requests' numbers in order.
func fileResets(t *testing.T, ts *webtest.TestServer, w *webtest.World, clerk staff.Actor, n int) []string {
	t.Helper()
	scan := webtest.ScanPNG(t)
	var numbers []string
	for i := range n {
		p := w.Person(t, "重置人"+string(nameSuffixes[i%len(nameSuffixes)]))
		q, err := ts.Counter.SubmitPasswordReset(context.Background(), clerk,
			counter.PasswordResetInput{Person: counter.Identity{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}},
			"本人持身份证原件到窗口申请重置密码", []scans.Upload{{Kind: scans.KindIDCard, Name: "身份证.png", Body: bytes.NewReader(scan)}})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, strconv.FormatInt(q.ID, 10))
	}
	return numbers
}

// The counter's review queue a page at a time in Chromium: with a page of password
// resets and three more waiting, the reviewer opens 窗口业务 (待审核, oldest first),
// goes to the next page and back, and an edited cursor beyond the last request shows
// the last page, whose 上一页 leads to the first.
func TestBrowserCounterPaging(t *testing.T) {
	ts, tm, base := backOffice(t)
	clerk := webtest.StaffActor(tm.clerk.Created)
	if err := ts.Staff.ChangePassword(context.Background(), clerk, staff.PasswordChange{Current: tm.clerk.InitialPassword,
		New: staffPassword, Confirm: staffPassword}, ""); err != nil {
		t.Fatal(err)
	}
	numbers := fileResets(t, ts, webtest.NewWorld(ts, 39), clerk, perPage+3)

	p := browsertest.New(t).NewPage(t)
	browserLogin(t, p, base, tm.reviewer)
	p.ClickLink("窗口业务")
	p.WaitURL("/admin/counter/?status=submitted")
	browserPage(t, p, "待审核, first page", numbers[:perPage], false, true)
	p.ClickLink("下一页")
	p.WaitURL("after=")
	browserPage(t, p, "待审核, 下一页", numbers[perPage:], true, false)
	p.ClickLink("上一页")
	p.WaitURL("before=")
	browserPage(t, p, "待审核, 上一页", numbers[:perPage], false, true)

	beyond := store.Cursor{At: time.Now().AddDate(1, 0, 0), ID: 1}
	p.Open(base + "/admin/counter/?status=submitted&after=" + beyond.String())
	browserPage(t, p, "待审核, an edited cursor beyond the end", numbers[len(numbers)-perPage:], true, false)
	p.ClickLink("上一页")
	p.WaitURL("before=")
	browserPage(t, p, "待审核, 上一页 from the last page", numbers[:perPage], false, true)
}
