package unitcenter

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/validity"
)

func TestUnitValidityOf(t *testing.T) {
	now := time.Date(2026, 5, 10, 4, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		from     *time.Time
		until    *time.Time
		open     bool
		daysLeft int
		warn     bool
		expired  bool
		notYet   bool
	}{
		{name: "open-ended", open: true},
		{name: "open-ended from the past", from: at(-day), open: true},
		{name: "a month left", until: at(30 * day), daysLeft: 30},
		{name: "just over a week", until: at(7*day + time.Minute), daysLeft: 8},
		{name: "exactly a week", until: at(7 * day), daysLeft: 7, warn: true},
		{name: "three days", until: at(3 * day), daysLeft: 3, warn: true},
		{name: "an hour: rounds up to one day", until: at(time.Hour), daysLeft: 1, warn: true},
		{name: "ends now", until: at(0), expired: true},
		{name: "ended", until: at(-day), expired: true},
		{name: "not started", from: at(day), until: at(10 * day), daysLeft: 10, notYet: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := unitValidityOf(unit.Membership{Status: unit.StatusActive, ValidFrom: tc.from, ValidUntil: tc.until}, now)
			if v.Open != tc.open || v.DaysLeft != tc.daysLeft || v.Warn != tc.warn || v.Expired != tc.expired || (v.From != nil) != tc.notYet {
				t.Errorf("got %+v, want open=%v daysLeft=%d warn=%v expired=%v notYet=%v", v, tc.open, tc.daysLeft, tc.warn, tc.expired, tc.notYet)
			}
			if !tc.open && !v.Until.Equal(*tc.until) {
				t.Errorf("Until = %v, want %v", v.Until, *tc.until)
			}
		})
	}
}

// TestUnitMenu checks the left menu (SPEC §6 order), that every entry answers inside
// the shell with itself marked current and none is a placeholder, and that other
// sections are 404.
func TestUnitMenu(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 1, "沈嘉禾", "示范云帆科技有限公司")
	u, c := desk.Unit, desk.Client

	doc := c.Page(t, "/unit/", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/", doc)
	wantLabels := []string{"单位主页", "单位信息", "单位权益单", "单位办件", "单位快递", "经办人管理", "机构管理", "我的工作台", "账号设置"}
	wantPaths := []string{"/unit/", "/unit/info", "/unit/rights", "/unit/cases", "/unit/deliveries", "/unit/agents", "/unit/institutions", "/unit/workbench", "/unit/account"}
	links := doc.All("nav.uc-menu a")
	var labels, paths []string
	for _, a := range links {
		labels = append(labels, a.TextContent())
		paths = append(paths, a.AttrOr("href"))
	}
	if !slices.Equal(labels, wantLabels) {
		t.Fatalf("menu %v, want %v", labels, wantLabels)
	}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("menu links %v, want %v", paths, wantPaths)
	}

	for i, path := range wantPaths {
		t.Run(wantLabels[i], func(t *testing.T) {
			doc := c.Page(t, path, http.StatusOK)
			webtest.CheckPage(t, ts, path, doc)
			cur := doc.All("nav.uc-menu a[aria-current=page]")
			if len(cur) != 1 || cur[0].TextContent() != wantLabels[i] {
				t.Fatalf("current menu entry %v, want only %s", doc.Texts("nav.uc-menu a[aria-current=page]"), wantLabels[i])
			}
			if h1 := doc.Must(t, ".uc-main h1").TextContent(); h1 != wantLabels[i] {
				t.Errorf("h1 %q, want %q", h1, wantLabels[i])
			}
			if title := doc.Must(t, "title").TextContent(); !strings.HasPrefix(title, wantLabels[i]+" - ") {
				t.Errorf("title %q", title)
			}
			if got := doc.Must(t, ".uc-band .uc-unit-name").TextContent(); got != u.Name {
				t.Errorf("band names %q, want %q", got, u.Name)
			}
			// Every section is built: none is a 即将开放 placeholder.
			if strings.Contains(doc.Must(t, ".uc-main").TextContent(), "即将开放") {
				t.Errorf("%s shows a 即将开放 panel", path)
			}
		})
	}

	for _, path := range []string{"/unit/nope", "/unit/home", "/unit/INFO", "/unit/info/x"} {
		if rec := c.Get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
}

func TestUnitGuards(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 2)
	p := w.Person(t, "林知远")
	w.Unit(t, "示范远景物流有限公司", p)
	personal := webtest.NewClient(ts)
	webtest.SignIn(t, personal, auth.Subject{PersonID: p.ID})
	token := personal.Session()

	for _, tc := range []struct {
		method, target string
		cookie         bool
		wantPrefix     string
	}{
		{"GET", "/unit/", false, "/login?tab=unit&next=%2Funit%2F"},
		{"GET", "/unit/info", false, "/login?tab=unit&next=%2Funit%2Finfo"},
		{"GET", "/unit/workbench", false, "/login?tab=unit"},
		{"GET", "/unit/choose", false, "/login?tab=person"},
		{"POST", "/unit/switch", false, "/login?tab=person"},
		{"POST", "/unit/leave", false, "/login?tab=person"},
		// Signed in as a person without a unit: the center sends to the chooser.
		{"GET", "/unit/", true, "/unit/choose"},
		{"GET", "/unit/agents", true, "/unit/choose"},
		{"POST", "/unit/leave", true, "/me"},
	} {
		c := webtest.NewClient(ts)
		if tc.cookie {
			c.SetSession(token)
		}
		rec := c.Do(t, tc.method, tc.target, nil, nil)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), tc.wantPrefix) {
			t.Errorf("%s %s (signed in: %v): %d → %q, want 303 → %s…", tc.method, tc.target, tc.cookie, rec.Code, rec.Header().Get("Location"), tc.wantPrefix)
		}
	}
	if rec := webtest.NewClient(ts).Do(t, "GET", "/unit/nope", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown section, signed out: %d, want 404", rec.Code)
	}
}

func TestUnitHome(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 3)
	rep := w.Person(t, "顾清和")
	admin := w.Person(t, "许慕白")
	u := w.Unit(t, "示范恒通建设工程有限公司", rep)
	now := ts.Now()
	soon := now.Add(3*24*time.Hour + time.Hour)
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: admin.ID, Role: unit.RoleAdmin, Status: unit.StatusActive, ValidFrom: &now, ValidUntil: &soon}, "Uc-Admin-Pass-1")

	t.Run("legal rep", func(t *testing.T) {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
		doc := c.Page(t, "/unit/", http.StatusOK)
		facts := map[string]string{}
		for _, d := range doc.All(".uc-facts > div") {
			facts[d.Must(t, "dt").TextContent()] = d.Must(t, "dd").TextContent()
		}
		for k, want := range map[string]string{
			"单位名称": u.Name, "统一社会信用代码": u.USCC, "单位编号": u.UnitNumber, "单位类型": "企业",
			"当前身份": "法定代表人", "授权有效期": "长期有效",
		} {
			if facts[k] != want {
				t.Errorf("%s = %q, want %q", k, facts[k], want)
			}
		}
		if doc.First(".uc-validity-warning") != nil {
			t.Error("an open-ended legal rep is warned about expiry")
		}
		band := doc.Must(t, ".uc-band").TextContent()
		for _, want := range []string{u.Name, "法定代表人", ident.MaskName(rep.Name), rep.MaskedID()} {
			if !strings.Contains(band, want) {
				t.Errorf("header band %q lacks %q", band, want)
			}
		}
		body := doc.Must(t, "main").TextContent()
		if strings.Contains(body, rep.IDNumber) || strings.Contains(body, rep.Name) {
			t.Error("the page shows the person's full ID number or name")
		}
		todo := doc.Must(t, ".uc-todo").TextContent()
		if !strings.Contains(todo, "没有等待确认的授权邀请") || !strings.Contains(todo, "管理员 "+ident.MaskName(admin.Name)+"：有效期至 "+validity.End(soon)+"（剩余 4 天）") {
			t.Errorf("待办事项: %q", todo)
		}
		if doc.First(".uc-recent") != nil || strings.Contains(doc.Must(t, ".uc-main").TextContent(), "办件") {
			t.Error("the home speaks of cases, which are not built")
		}
		sess, err := ts.Sessions.Lookup(t.Context(), c.Session())
		if err != nil {
			t.Fatal(err)
		}
		hint := doc.Must(t, ".uc-session").TextContent()
		idle := sess.IdleExpiresAt.In(web.Shanghai).Format("15:04")
		abs := sess.AbsoluteExpiresAt.In(web.Shanghai).Format("2006-01-02 15:04")
		if !strings.Contains(hint, "会话将于 "+idle+" 因长时间未操作而失效") || !strings.Contains(hint, abs) {
			t.Errorf("session hint %q, want idle %s and end %s", hint, idle, abs)
		}
		// One unit only: nothing to switch to. 退出 posts to /logout.
		if doc.First(`.uc-band a[href="/unit/choose"]`) != nil {
			t.Error("切换单位 offered to a person with one unit")
		}
		if f := doc.First(`.uc-band form[action="/logout"]`); f == nil || f.AttrOr("method") != "post" || f.Must(t, "button").TextContent() != "退出" {
			t.Error("no 退出 form posting to /logout")
		}
	})

	t.Run("admin near expiry", func(t *testing.T) {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, webtest.UnitSubject(admin, u, unit.RoleAdmin))
		doc := c.Page(t, "/unit/", http.StatusOK)
		if role := doc.Must(t, ".uc-band .uc-role").TextContent(); role != "管理员" {
			t.Errorf("role %q", role)
		}
		date := validity.End(soon)
		warn := doc.Must(t, ".uc-validity-warning").TextContent()
		if !strings.Contains(warn, date) || !strings.Contains(warn, "剩余 4 天") {
			t.Errorf("warning %q, want %s and 剩余 4 天", warn, date)
		}
		if v := doc.Must(t, ".uc-validity").TextContent(); !strings.HasPrefix(v, "至 "+date) {
			t.Errorf("授权有效期 %q", v)
		}
	})
}
