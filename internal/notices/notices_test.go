package notices

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

var t0 = time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC)

type fixture struct {
	ctx                                        context.Context
	db                                         *store.DB
	log                                        *audit.Log
	svc                                        *Service
	now                                        time.Time
	clerk, clerk2, reviewer, both, auditor, sa staff.Actor
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, now: t0}
	f.log = audit.New(db, nil, func() time.Time { return f.now })
	var err error
	if f.svc, err = New(Deps{DB: db, Audit: f.log, Now: func() time.Time { return f.now }}); err != nil {
		t.Fatal(err)
	}
	f.clerk = f.staff(t, "clerk1", staff.RolesOf(staff.RoleClerk))
	f.clerk2 = f.staff(t, "clerk2", staff.RolesOf(staff.RoleClerk))
	f.reviewer = f.staff(t, "review1", staff.RolesOf(staff.RoleReviewer))
	f.both = f.staff(t, "both1", staff.RolesOf(staff.RoleClerk, staff.RoleReviewer))
	f.auditor = f.staff(t, "audit1", staff.RolesOf(staff.RoleAuditor))
	f.sa = f.staff(t, "sec1", staff.RolesOf(staff.RoleSecurity))
	return f
}

func (f *fixture) staff(t testing.TB, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, f.db, login, "职员"+login, roles, t0)
	return staff.Actor{StaffID: id, Login: login, Roles: roles, ClientIP: "10.0.0.8"}
}

func (f *fixture) draft(t *testing.T, by staff.Actor, title string) Notice {
	t.Helper()
	n, err := f.svc.Create(f.ctx, by, Draft{Title: title, Category: CategoryAnnouncement, Body: "第一段。\n\n第二段。"}, "")
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return n
}

// lastAudit is the newest audit entry of action.
func (f *fixture) lastAudit(t *testing.T, action string) audit.Entry {
	t.Helper()
	es, _, err := f.log.List(f.ctx, audit.Filter{Action: action})
	if err != nil || len(es) == 0 {
		t.Fatalf("audit %s: %v, %d entries", action, err, len(es))
	}
	return es[0]
}

// TestNoticeLifecycle: a clerk drafts, another clerk edits, a reviewer who did
// neither publishes, a reviewer withdraws; each step audited with the role and
// the reason, and the public sees the notice only while published.
func TestNoticeLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		n := f.draft(t, f.clerk, "  2027年度社会保险\t缴费基数公布 ")
		if n.Title != "2027年度社会保险 缴费基数公布" || n.State != StateDraft || n.AuthorID != f.clerk.StaffID ||
			n.EditorID != f.clerk.StaffID || !n.PublishedAt.IsZero() {
			t.Fatalf("created %+v", n)
		}
		if e := f.lastAudit(t, "notice.create"); e.StaffID != f.clerk.StaffID || e.Role != string(staff.RoleClerk) ||
			e.Target != target(n.ID) || e.Detail["state"] != "draft" {
			t.Errorf("create audit %+v", e)
		}
		if _, err := f.svc.Get(f.ctx, n.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("public Get of a draft: %v, want ErrNotFound", err)
		}
		n, err := f.svc.Edit(f.ctx, f.clerk2, n.ID, n.Version, Draft{Title: "2027年度社会保险缴费基数公布",
			Category: CategoryAnnouncement, Body: "正文"}, "补充正文")
		if err != nil || n.EditorID != f.clerk2.StaffID || n.AuthorID != f.clerk.StaffID || n.Body != "正文" {
			t.Fatalf("edit: %+v, %v", n, err)
		}
		if e := f.lastAudit(t, "notice.edit"); e.Detail["reason"] != "补充正文" || e.StaffID != f.clerk2.StaffID {
			t.Errorf("edit audit %+v", e)
		}
		f.now = t0.Add(time.Hour)
		n, err = f.svc.Publish(f.ctx, f.reviewer, n.ID, n.Version, "经审核同意发布")
		if err != nil || n.State != StatePublished || n.PublisherID != f.reviewer.StaffID || !n.PublishedAt.Equal(f.now) {
			t.Fatalf("publish: %+v, %v", n, err)
		}
		if e := f.lastAudit(t, "notice.publish"); e.Role != string(staff.RoleReviewer) || e.Detail["reason"] != "经审核同意发布" ||
			e.Detail["state"] != "published" || e.Detail["title"] != n.Title {
			t.Errorf("publish audit %+v", e)
		}
		if got, err := f.svc.Get(f.ctx, n.ID); err != nil || got.Title != n.Title || got.Date() != "2027-01-05" {
			t.Errorf("public Get: %+v, %v", got, err)
		}
		if _, err := f.svc.Edit(f.ctx, f.clerk, n.ID, n.Version, Draft{Title: "改", Category: CategoryNotice, Body: "x"}, ""); !errors.Is(err, ErrStale) {
			t.Errorf("edit of a published notice: %v, want ErrStale", err)
		}
		if _, err := f.svc.Publish(f.ctx, f.both, n.ID, n.Version, "再发布"); !errors.Is(err, ErrStale) {
			t.Errorf("publish twice: %v, want ErrStale", err)
		}
		n, err = f.svc.Withdraw(f.ctx, f.both, n.ID, "数据有误，更正后重发")
		if err != nil || n.State != StateWithdrawn || n.WithdrawnAt.IsZero() {
			t.Fatalf("withdraw: %+v, %v", n, err)
		}
		if e := f.lastAudit(t, "notice.withdraw"); e.StaffID != f.both.StaffID || e.Role != string(staff.RoleReviewer) {
			t.Errorf("withdraw audit %+v", e)
		}
		if _, err := f.svc.Get(f.ctx, n.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("public Get of a withdrawn notice: %v", err)
		}
		if _, err := f.svc.Withdraw(f.ctx, f.reviewer, n.ID, "再撤回"); !errors.Is(err, ErrStale) {
			t.Errorf("withdraw twice: %v, want ErrStale", err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, 999999, 1, "发布"); !errors.Is(err, ErrNotFound) {
			t.Errorf("publish unknown: %v", err)
		}
	})
}

// TestNoticeRoles: who may do what, including that neither the author nor the last
// editor publishes a draft, and that every refused command is audited as denied.
func TestNoticeRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ownDraft := f.draft(t, f.both, "本人起草")
		edited := f.draft(t, f.clerk, "他人修改")
		edited, err := f.svc.Edit(f.ctx, f.both, edited.ID, edited.Version, Draft{Title: "他人修改", Category: CategoryNotice, Body: "改"}, "")
		if err != nil {
			t.Fatal(err)
		}
		other := f.draft(t, f.clerk, "可发布")
		ok := Draft{Title: "标题", Category: CategoryPublicity, Body: "正文"}
		tests := []struct {
			name string
			do   func() error
			want *staff.Denial
		}{
			{"reviewer drafts", func() error { _, err := f.svc.Create(f.ctx, f.reviewer, ok, ""); return err }, staff.DenyRole},
			{"auditor drafts", func() error { _, err := f.svc.Create(f.ctx, f.auditor, ok, ""); return err }, staff.DenyRole},
			{"security edits", func() error { _, err := f.svc.Edit(f.ctx, f.sa, other.ID, other.Version, ok, ""); return err }, staff.DenyRole},
			{"clerk publishes", func() error {
				_, err := f.svc.Publish(f.ctx, f.clerk2, other.ID, other.Version, "发布")
				return err
			}, staff.DenyRole},
			{"author publishes", func() error {
				_, err := f.svc.Publish(f.ctx, f.both, ownDraft.ID, ownDraft.Version, "发布")
				return err
			}, staff.DenyOwnWork},
			{"editor publishes", func() error {
				_, err := f.svc.Publish(f.ctx, f.both, edited.ID, edited.Version, "发布")
				return err
			}, staff.DenyOwnWork},
			{"clerk withdraws", func() error { _, err := f.svc.Withdraw(f.ctx, f.clerk, other.ID, "撤回"); return err }, staff.DenyRole},
			{"auditor lists", func() error { _, _, err := f.svc.StaffList(f.ctx, f.auditor, Filter{}); return err }, staff.DenyRole},
			{"security reads", func() error { _, err := f.svc.StaffNotice(f.ctx, f.sa, other.ID); return err }, staff.DenyRole},
			{"reviewer publishes another's", func() error { _, err := f.svc.Publish(f.ctx, f.both, other.ID, other.Version, "发布"); return err }, nil},
			{"reviewer lists", func() error { _, _, err := f.svc.StaffList(f.ctx, f.reviewer, Filter{}); return err }, nil},
		}
		for _, tt := range tests {
			err := tt.do()
			if tt.want == nil {
				if err != nil {
					t.Errorf("%s: %v", tt.name, err)
				}
				continue
			}
			var d *staff.Denial
			if !errors.As(err, &d) || d != tt.want {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
		denied, _, err := f.log.List(f.ctx, audit.Filter{Action: "notice.publish"})
		if err != nil {
			t.Fatal(err)
		}
		var own int
		for _, e := range denied {
			if e.Result == audit.Denied && e.Detail["denial"] == staff.DenyOwnWork.Code {
				own++
			}
		}
		if own != 2 {
			t.Errorf("%d own-work denials of notice.publish audited, want 2", own)
		}
		if n, _ := f.svc.StaffNotice(f.ctx, f.reviewer, ownDraft.ID); n.State != StateDraft {
			t.Errorf("own draft after refusal: %s", n.State)
		}
	})
}

// TestDraftCheck: the refusals and the cleaning of a draft.
func TestDraftCheck(t *testing.T) {
	long := strings.Repeat("长", MaxTitleRunes+1)
	tests := []struct {
		name string
		in   Draft
		want error
		body string
	}{
		{"ok", Draft{"标题", CategoryNotice, "甲\r\n\r\n\r\n乙  \n\x00丙"}, nil, "甲\n\n乙\n 丙"},
		{"no title", Draft{" \t", CategoryNotice, "x"}, ErrTitleRequired, ""},
		{"long title", Draft{long, CategoryNotice, "x"}, ErrTitleTooLong, ""},
		{"60 runes", Draft{long[:len(long)-len("长")], CategoryNotice, "x"}, nil, "x"},
		{"bad category", Draft{"t", "bulletin", "x"}, ErrCategory, ""},
		{"no body", Draft{"t", CategoryPublicity, "\n \n"}, ErrBodyRequired, ""},
		{"long body", Draft{"t", CategoryPublicity, strings.Repeat("字", MaxBodyRunes+1)}, ErrBodyTooLong, ""},
	}
	for _, tt := range tests {
		got, err := tt.in.Check()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if err == nil && got.Body != tt.body {
			t.Errorf("%s: body %q, want %q", tt.name, got.Body, tt.body)
		}
	}
	n := Notice{Body: "甲\n\n乙\n 丙"}
	if p := n.Paragraphs(); strings.Join(p, "|") != "甲|乙|丙" {
		t.Errorf("paragraphs %q", p)
	}
}

// TestReasons: publishing and withdrawing need a reason; drafting does not.
func TestReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.Create(f.ctx, f.clerk, Draft{Title: "空白说明", Category: CategoryNotice, Body: "x"}, " \t "); err != nil {
			t.Errorf("a blank optional reason: %v", err)
		}
		n := f.draft(t, f.clerk, "需要理由")
		if _, err := f.svc.Publish(f.ctx, f.reviewer, n.ID, n.Version, " \n "); !errors.Is(err, staff.ErrReasonRequired) {
			t.Errorf("publish without reason: %v", err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, n.ID, n.Version, strings.Repeat("理", staff.MaxReasonRunes+1)); !errors.Is(err, staff.ErrReasonTooLong) {
			t.Errorf("publish with a long reason: %v", err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, n.ID, n.Version, "同意"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(f.ctx, f.reviewer, n.ID, ""); !errors.Is(err, staff.ErrReasonRequired) {
			t.Errorf("withdraw without reason: %v", err)
		}
	})
}

// TestPublishedList: published notices only, newest first, paged and clamped,
// filtered by category and title words; the database refuses what Check refuses.
func TestPublishedList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var loaded []Loaded
		for i := range 25 {
			c := CategoryPublicity
			if i%2 == 1 {
				c = CategoryNotice
			}
			loaded = append(loaded, Loaded{Draft{Title: "稳岗返还公示第" + string(rune('A'+i)) + "批", Category: c, Body: "名单"},
				t0.Add(time.Duration(i) * time.Hour)})
		}
		if err := db.Tx(f.ctx, func(tx *store.Tx) error { return LoadTx(f.ctx, tx, loaded) }); err != nil {
			t.Fatal(err)
		}
		f.draft(t, f.clerk, "稳岗返还公示草稿")
		list, total, err := f.svc.Published(f.ctx, Filter{})
		if err != nil || total != 25 || len(list) != DefaultPerPage || list[0].Title != "稳岗返还公示第Y批" {
			t.Fatalf("page 1: %d of %d, first %+v, %v", len(list), total, list, err)
		}
		list, _, _ = f.svc.Published(f.ctx, Filter{Page: 99})
		if len(list) != 5 || list[4].Title != "稳岗返还公示第A批" {
			t.Errorf("last page clamped: %d, %+v", len(list), list)
		}
		if _, total, _ := f.svc.Published(f.ctx, Filter{Category: CategoryNotice}); total != 12 {
			t.Errorf("category 通知: %d, want 12", total)
		}
		if _, total, _ := f.svc.Published(f.ctx, Filter{Category: "bogus"}); total != 0 {
			t.Errorf("unknown category: %d, want 0", total)
		}
		if list, total, _ := f.svc.Published(f.ctx, Filter{Query: "公示 第c批"}); total != 1 || list[0].Title != "稳岗返还公示第C批" {
			t.Errorf("query: %d %+v", total, list)
		}
		if _, total, _ := f.svc.Published(f.ctx, Filter{Query: "100%_"}); total != 0 {
			t.Errorf("LIKE wildcards are literal: %d", total)
		}
		if list, _ := f.svc.Latest(f.ctx, 5); len(list) != 5 || list[0].Title != "稳岗返还公示第Y批" {
			t.Errorf("latest: %+v", list)
		}
		if _, total, _ := f.svc.StaffList(f.ctx, f.clerk, Filter{State: StateDraft}); total != 1 {
			t.Errorf("staff list of drafts: %d", total)
		}
		// The database holds the rules too.
		for _, q := range []string{
			`INSERT INTO notices (title, category, body, state, created_at, updated_at) VALUES ('t', 'bulletin', 'b', 'draft', ?, ?)`,
			`INSERT INTO notices (title, category, body, state, created_at, updated_at) VALUES ('t', 'notice', 'b', 'published', ?, ?)`,
			`INSERT INTO notices (title, category, body, state, created_at, updated_at) VALUES ('', 'notice', 'b', 'draft', ?, ?)`,
			`INSERT INTO notices (title, category, body, state, created_at, updated_at) VALUES ('t', 'notice', 'b', 'deleted', ?, ?)`,
		} {
			if _, err := db.Exec(f.ctx, q, t0, t0); !store.IsConstraintViolation(err) {
				t.Errorf("%s: %v, want a constraint violation", q, err)
			}
		}
		// Nobody publishes a notice they wrote or last edited, whatever the order
		// of concurrent reads (separation of duties held by the database).
		for _, who := range []string{"author_id", "editor_id"} {
			q := `INSERT INTO notices (title, category, body, state, ` + who + `, publisher_id, published_at, created_at, updated_at)
				VALUES ('t', 'notice', 'b', 'published', ?, ?, ?, ?, ?)`
			if _, err := db.Exec(f.ctx, q, f.both.StaffID, f.both.StaffID, t0, t0, t0); !store.IsConstraintViolation(err) {
				t.Errorf("published by its own %s: %v, want a constraint violation", who, err)
			}
		}
	})
}

// FuzzQueryWords: any keyword becomes at most five valid, bounded words without
// control characters, and the filter built from it has one argument per word.
func FuzzQueryWords(f *testing.F) {
	for _, s := range []string{"", "稳岗 返还", "a\x00b", "\xff\xfe", strings.Repeat("字 ", 40), "100%_\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		words := QueryWords(q)
		if len(words) > 5 {
			t.Fatalf("%d words", len(words))
		}
		for _, w := range words {
			if w == "" || !utf8.ValidString(w) || utf8.RuneCountInString(w) > 50 || strings.ContainsFunc(w, unicode.IsControl) {
				t.Fatalf("word %q of %q", w, q)
			}
		}
		_, args := Filter{Query: q}.where(true)
		if len(args) != len(words) {
			t.Fatalf("%d args for %d words", len(args), len(words))
		}
	})
}

// FuzzDraftCheck: a checked draft is within the database's bounds and cleaning it
// again changes nothing.
func FuzzDraftCheck(f *testing.F) {
	f.Add("标题", "正文\r\n\r\n第二段")
	f.Add("\x00", "\u202e")
	f.Fuzz(func(t *testing.T, title, body string) {
		d, err := Draft{Title: title, Category: CategoryNotice, Body: body}.Check()
		if err != nil {
			return
		}
		if n := utf8.RuneCountInString(d.Title); n < 1 || n > MaxTitleRunes || strings.ContainsRune(d.Title, '\n') {
			t.Fatalf("title %q", d.Title)
		}
		again, err := d.Check()
		if err != nil || again != d {
			t.Fatalf("not stable: %q → %q, %v", d.Body, again.Body, err)
		}
	})
}

// TestChangedSinceSeen: a reviewer publishes the text they read, and a clerk's edit
// does not overwrite another's unseen: a draft edited since the version the
// page showed is refused with ErrEdited and left as it was; with the new version
// the step goes through.
func TestChangedSinceSeen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		read := f.draft(t, f.clerk, "缴费基数公告")
		f.now = f.now.Add(time.Minute)
		changed, err := f.svc.Edit(f.ctx, f.clerk2, read.ID, read.Version, Draft{Title: "缴费基数公告（修订）",
			Category: CategoryAnnouncement, Body: "修订后的正文"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, read.Version, "同意发布"); !errors.Is(err, ErrEdited) {
			t.Errorf("publish of the version read before the edit: %v, want ErrEdited", err)
		}
		f.now = f.now.Add(time.Minute)
		if _, err := f.svc.Edit(f.ctx, f.clerk, read.ID, read.Version, Draft{Title: "覆盖", Category: CategoryNotice, Body: "覆盖"}, ""); !errors.Is(err, ErrEdited) {
			t.Errorf("edit over an unseen edit: %v, want ErrEdited", err)
		}
		if got, err := f.svc.StaffNotice(f.ctx, f.reviewer, read.ID); err != nil || got.State != StateDraft ||
			got.Title != "缴费基数公告（修订）" || !got.UpdatedAt.Equal(changed.UpdatedAt) || got.Version != changed.Version {
			t.Errorf("after the refusals: %+v, %v", got, err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, 0, "同意发布"); !errors.Is(err, ErrEdited) {
			t.Errorf("publish without a version: %v, want ErrEdited", err)
		}
		n, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, changed.Version, "修订后内容已核对，同意发布")
		if err != nil || n.State != StatePublished || n.Body != "修订后的正文" {
			t.Fatalf("publish of the version read: %+v, %v", n, err)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, n.Version, "再发布"); !errors.Is(err, ErrStale) {
			t.Errorf("publish of a published notice: %v, want ErrStale", err)
		}
	})
}

// TestChangedWithinOneTick: two changes at the same instant (the clock stands
// still, as two saves within one microsecond would see it) are still told apart by
// the version: the page read before an edit made in the same tick can neither
// publish the edited text nor overwrite it.
func TestChangedWithinOneTick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		read := f.draft(t, f.clerk, "缴费基数公告")
		changed, err := f.svc.Edit(f.ctx, f.clerk2, read.ID, read.Version, Draft{Title: "缴费基数公告（修订）",
			Category: CategoryAnnouncement, Body: "修订后的正文"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if !changed.UpdatedAt.Equal(read.UpdatedAt) || changed.Version == read.Version {
			t.Fatalf("premise: updated %v → %v, version %d → %d; want the same time and a new version",
				read.UpdatedAt, changed.UpdatedAt, read.Version, changed.Version)
		}
		if _, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, read.Version, "同意发布"); !errors.Is(err, ErrEdited) {
			t.Errorf("publish of the version read before an edit in the same tick: %v, want ErrEdited", err)
		}
		if _, err := f.svc.Edit(f.ctx, f.clerk, read.ID, read.Version, Draft{Title: "覆盖", Category: CategoryNotice, Body: "覆盖"}, ""); !errors.Is(err, ErrEdited) {
			t.Errorf("edit over an edit in the same tick: %v, want ErrEdited", err)
		}
		if got, err := f.svc.StaffNotice(f.ctx, f.reviewer, read.ID); err != nil || got.State != StateDraft ||
			got.Body != "修订后的正文" || got.Version != changed.Version {
			t.Errorf("after the refusals: %+v, %v", got, err)
		}
		n, err := f.svc.Publish(f.ctx, f.reviewer, read.ID, changed.Version, "修订后内容已核对，同意发布")
		if err != nil || n.State != StatePublished || n.Body != "修订后的正文" || n.Version != changed.Version+1 {
			t.Fatalf("publish of the version read: %+v, %v", n, err)
		}
		w, err := f.svc.Withdraw(f.ctx, f.reviewer, read.ID, "撤回")
		if err != nil || w.Version != n.Version+1 {
			t.Fatalf("withdraw: version %d, %v; want %d", w.Version, err, n.Version+1)
		}
	})
}
