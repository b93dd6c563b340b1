package cases

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

func seeded(t *testing.T, db *store.DB) *Catalog {
	t.Helper()
	c := NewCatalog(db)
	if err := c.Seed(context.Background()); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return c
}

// dump reads every catalog row as text, to compare two states of the database.
func dump(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, q := range []string{
		"SELECT code, name, sort FROM catalog_categories ORDER BY code",
		`SELECT code, category_code, name, applicant, channel, case_type, legal_days, promised_days,
			visits, notes, hot, active, sort FROM catalog_items ORDER BY code`,
		"SELECT item_code, seq, name, form, copies, required, note FROM catalog_materials ORDER BY item_code, seq",
		"SELECT code, kind, name, summary, sort FROM catalog_topics ORDER BY code",
		"SELECT topic_code, item_code FROM catalog_item_topics ORDER BY topic_code, item_code",
	} {
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		rows.Close()
	}
	return out
}

func TestSeedIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		first := dump(t, db)
		if err := c.Seed(context.Background()); err != nil {
			t.Fatalf("second Seed: %v", err)
		}
		if second := dump(t, db); !reflect.DeepEqual(first, second) {
			t.Fatalf("second Seed changed the rows:\nfirst  %d rows\nsecond %d rows", len(first), len(second))
		}
		var n int
		if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM catalog_items").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(builtinItems) {
			t.Fatalf("%d items stored, want %d", n, len(builtinItems))
		}
	})
}

func TestSeedRetiresRemovedItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		// A later release drops SK-003 and its topic memberships.
		var items []Item
		for _, it := range builtinItems {
			if it.Code != "SK-003" {
				items = append(items, it)
			}
		}
		var topics []seedTopic
		for _, tp := range builtinTopics {
			tp.Items = slicesDelete(tp.Items, "SK-003")
			topics = append(topics, tp)
		}
		if err := c.seed(ctx, builtinCategories, items, topics); err != nil {
			t.Fatalf("seed without SK-003: %v", err)
		}
		it, err := c.Get(ctx, "SK-003")
		if err != nil {
			t.Fatalf("Get of a retired item: %v", err)
		}
		if it.Active {
			t.Error("SK-003 still active after it left the catalog")
		}
		got, total, err := c.List(ctx, Filter{Query: "社会保障卡挂失"})
		if err != nil || total != 0 || len(got) != 0 {
			t.Errorf("List finds the retired item: %v, %d, %v", got, total, err)
		}
		// Putting it back revives it.
		if err := c.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		if it, _ := c.Get(ctx, "SK-003"); !it.Active {
			t.Error("SK-003 not active again after Seed")
		}
	})
}

func slicesDelete(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func TestBuiltinCatalogCoversFacts(t *testing.T) {
	// Every unit item named in FACTS.md, with its mark (● online, ○ counter, ◐ both).
	facts := map[string]Channel{
		"企业社会保险登记": ChannelOnline, "用人单位用工参保登记": ChannelBoth, "用人单位用工参保预登记": ChannelOnline,
		"用人单位退工停保登记": ChannelBoth, "人员基础信息采集": ChannelOnline, "缴费基数调整(上调)": ChannelOnline,
		"单位权益单查询打印": ChannelOnline, "企业职工基本养老保险退休申请": ChannelBoth, "单位参保信息变更登记": ChannelBoth,
		"参保单位注销": ChannelCounter, "机关事业单位社会保险登记": ChannelCounter, "工程建设项目办理工伤保险参保登记": ChannelCounter,
		"工伤认定申请": ChannelBoth, "工伤保险待遇申领": ChannelCounter, "劳动能力鉴定申请": ChannelCounter,
		"失业保险稳岗返还": ChannelOnline, "一次性扩岗补助": ChannelOnline, "就业见习补贴申领": ChannelBoth,
		"社会保险补贴(企业吸纳重点群体)": ChannelBoth, "录用备案": ChannelOnline, "退工备案": ChannelOnline,
		"就业登记": ChannelOnline, "岗位信息发布": ChannelOnline, "职业培训补贴": ChannelBoth,
		"企业实行不定时工作制和综合计算工时工作制审批": ChannelBoth, "劳务派遣经营许可": ChannelBoth,
		"企业经济性裁员报告": ChannelCounter, "集体合同审查": ChannelCounter, "企业年金方案备案": ChannelCounter,
		"劳动用工备案": ChannelOnline, "人力资源服务许可": ChannelBoth, "职称评审申报": ChannelOnline,
		"企业职业技能等级认定备案": ChannelBoth, "博士后工作站设立": ChannelCounter, "高校毕业生接收": ChannelOnline,
		"社会保障卡单位批量申领": ChannelCounter,
	}
	byName := map[string]Item{}
	persons := 0
	for _, it := range builtinItems {
		byName[it.Name] = it
		if it.Applicant != ApplicantUnit {
			persons++
		}
	}
	for name, ch := range facts {
		it, ok := byName[name]
		if !ok {
			t.Errorf("FACTS.md item %s is missing", name)
			continue
		}
		if it.Channel != ch {
			t.Errorf("%s: channel %s, FACTS.md says %s", name, it.Channel, ch)
		}
		if it.Applicant == ApplicantPerson {
			t.Errorf("%s is a unit item but marked for persons only", name)
		}
	}
	if persons < 10 {
		t.Errorf("%d items for persons, want about 10", persons)
	}
	if lp := byName["企业实行不定时工作制和综合计算工时工作制审批"]; lp.LegalDays != 20 || lp.PromisedDays != 13 {
		t.Errorf("特殊工时审批: %d/%d days, FACTS.md says 20/13", lp.LegalDays, lp.PromisedDays)
	}
	if err := checkSeed(builtinCategories, builtinItems, builtinTopics); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSeedRefusesMistakes(t *testing.T) {
	good := Item{Code: "SB-900", Category: "SB", Name: "测试事项", Applicant: ApplicantUnit, Channel: ChannelOnline, CaseType: CaseInstant}
	cases := map[string]func(it *Item){
		"bad prefix":        func(it *Item) { it.Code = "JY-900" },
		"unknown category":  func(it *Item) { it.Category, it.Code = "XX", "XX-900" },
		"instant promised":  func(it *Item) { it.PromisedDays = 3 },
		"promised no days":  func(it *Item) { it.CaseType = CasePromised },
		"promise > legal":   func(it *Item) { it.CaseType, it.LegalDays, it.PromisedDays = CasePromised, 5, 10 },
		"bad applicant":     func(it *Item) { it.Applicant = "everyone" },
		"duplicate of SB-1": func(it *Item) { it.Code = "SB-001" },
		"duplicate name":    func(it *Item) { it.Name = "企业社会保险登记" },
	}
	for name, mutate := range cases {
		it := good
		mutate(&it)
		items := append(append([]Item(nil), builtinItems...), it)
		if err := checkSeed(builtinCategories, items, nil); err == nil {
			t.Errorf("%s: checkSeed accepted %+v", name, it)
		}
	}
	items := append(append([]Item(nil), builtinItems...), good)
	if err := checkSeed(builtinCategories, items, nil); err != nil {
		t.Errorf("checkSeed refused a good item: %v", err)
	}
	if err := checkSeed(builtinCategories, builtinItems, []seedTopic{{Topic{Code: "x", Kind: TopicTheme}, []string{"NO-001"}}}); err == nil {
		t.Error("checkSeed accepted a topic with an unknown item")
	}
}

func codes(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		all, total, err := c.List(ctx, Filter{PerPage: MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		if total != len(builtinItems) || len(all) != total {
			t.Fatalf("List all: %d items of %d, want %d", len(all), total, len(builtinItems))
		}
		// Catalog order: categories in their order, then items in theirs.
		if all[0].Category != "JY" || all[len(all)-1].Category != "SK" {
			t.Errorf("order: first %s, last %s", all[0].Code, all[len(all)-1].Code)
		}
		if all[0].CategoryName != "就业创业" {
			t.Errorf("CategoryName = %q", all[0].CategoryName)
		}

		tests := []struct {
			name  string
			f     Filter
			check func(Item) bool
			min   int
		}{
			{"category", Filter{Category: "LD"}, func(it Item) bool { return it.Category == "LD" }, 6},
			{"person", Filter{Applicant: ApplicantPerson}, func(it Item) bool { return it.Applicant != ApplicantUnit }, 10},
			{"unit", Filter{Applicant: ApplicantUnit}, func(it Item) bool { return it.Applicant != ApplicantPerson }, 36},
			{"online", Filter{Channel: ChannelOnline}, func(it Item) bool { return it.Channel.Online() }, 20},
			{"counter", Filter{Channel: ChannelCounter}, func(it Item) bool { return it.Channel.Counter() }, 10},
			{"query", Filter{Query: "参保登记"}, func(it Item) bool { return strings.Contains(it.Name, "参保登记") }, 4},
			{"two words", Filter{Query: "工伤  申请"}, func(it Item) bool {
				return strings.Contains(it.Name, "工伤") && strings.Contains(it.Name, "申请")
			}, 1},
			{"topic", Filter{Topic: "injured"}, func(it Item) bool {
				return strings.Contains(it.Name, "工伤") || strings.Contains(it.Name, "劳动能力")
			}, 3},
			{"combined", Filter{Category: "SB", Applicant: ApplicantPerson, Channel: ChannelOnline},
				func(it Item) bool { return it.Category == "SB" && it.Applicant != ApplicantUnit && it.Channel.Online() }, 3},
			{"bad values ignored", Filter{Applicant: "martian", Channel: "fax"}, func(Item) bool { return true }, len(builtinItems)},
		}
		for _, tc := range tests {
			tc.f.PerPage = MaxPerPage
			got, total, err := c.List(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if total != len(got) || total < tc.min {
				t.Errorf("%s: %d items (total %d), want at least %d", tc.name, len(got), total, tc.min)
			}
			for _, it := range got {
				if !tc.check(it) {
					t.Errorf("%s: unexpected item %s %s (%s, %s)", tc.name, it.Code, it.Name, it.Applicant, it.Channel)
				}
			}
		}

		// The keyword is a substring, not a pattern: % and _ match themselves only.
		for _, q := range []string{"%", "_", `\`, "不存在的事项", "'; DROP TABLE catalog_items; --"} {
			got, total, err := c.List(ctx, Filter{Query: q})
			if err != nil || total != 0 || len(got) != 0 {
				t.Errorf("Query %q: %d items, total %d, err %v; want none", q, len(got), total, err)
			}
		}
		// An exact code finds its item.
		got, _, err := c.List(ctx, Filter{Query: "sb-007"})
		if err != nil || len(got) != 1 || got[0].Code != "SB-007" {
			t.Errorf("Query by code: %v %v", codes(got), err)
		}
		// A topic lists the items of the topic only.
		got, _, _ = c.List(ctx, Filter{Topic: "sscard"})
		if want := []string{"SK-001", "SK-002", "SK-003"}; !reflect.DeepEqual(codes(got), want) {
			t.Errorf("topic sscard: %v, want %v", codes(got), want)
		}
		// An unknown category or topic matches nothing.
		if got, total, _ := c.List(ctx, Filter{Category: "XX"}); total != 0 || len(got) != 0 {
			t.Errorf("unknown category: %d items", total)
		}
	})
}

func TestListPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		n := len(builtinItems)
		p1, total, err := c.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != n || len(p1) != DefaultPerPage {
			t.Fatalf("default page: %d items of %d, want %d", len(p1), total, DefaultPerPage)
		}
		// The pages together are the whole list, without overlap.
		var seen []string
		pages := Pages(total, 7)
		for p := 1; p <= pages; p++ {
			got, _, err := c.List(ctx, Filter{Page: p, PerPage: 7})
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, codes(got)...)
		}
		all, _, _ := c.List(ctx, Filter{PerPage: MaxPerPage})
		if !reflect.DeepEqual(seen, codes(all)) {
			t.Errorf("pages of 7 do not add up to the list:\n%v\n%v", seen, codes(all))
		}
		// Out of range pages clamp; PerPage is capped.
		last, _, _ := c.List(ctx, Filter{Page: pages, PerPage: 7})
		for _, page := range []int{pages + 1, 1 << 30} {
			got, _, _ := c.List(ctx, Filter{Page: page, PerPage: 7})
			if !reflect.DeepEqual(codes(got), codes(last)) {
				t.Errorf("page %d: %v, want the last page %v", page, codes(got), codes(last))
			}
		}
		for _, page := range []int{0, -5} {
			got, _, _ := c.List(ctx, Filter{Page: page, PerPage: 7})
			if len(got) != 7 || got[0].Code != all[0].Code {
				t.Errorf("page %d: %v, want the first page", page, codes(got))
			}
		}
		if f := (Filter{PerPage: 5000, Page: 3}).Normalized(total); f.PerPage != MaxPerPage || f.Page != 1 {
			t.Errorf("Normalized = %+v", f)
		}
		if f := (Filter{}).Normalized(0); f.Page != 1 || f.PerPage != DefaultPerPage {
			t.Errorf("Normalized(0) = %+v", f)
		}
	})
}

func TestGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		it, err := c.Get(ctx, "LD-001")
		if err != nil {
			t.Fatal(err)
		}
		if it.Name != "企业实行不定时工作制和综合计算工时工作制审批" || it.CategoryName != "劳动关系" ||
			it.CaseType != CasePromised || it.LegalDays != 20 || it.PromisedDays != 13 || !it.Active {
			t.Errorf("LD-001 = %+v", it)
		}
		if len(it.Materials) != 4 || it.Materials[0].Name != "实行特殊工时制度申请表" || !it.Materials[0].Required {
			t.Errorf("LD-001 materials = %+v", it.Materials)
		}
		jy, _ := c.Get(ctx, "JY-003")
		if m := jy.Materials[len(jy.Materials)-1]; m.Required || m.Note == "" {
			t.Errorf("optional material = %+v", m)
		}
		for _, code := range []string{"XX-999", "", "sb-001", "SB-001' OR '1'='1"} {
			if _, err := c.Get(ctx, code); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%q) = %v, want ErrNotFound", code, err)
			}
		}
	})
}

func TestHotCategoriesTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		hot, err := c.Hot(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"SB-016", "SB-007", "SB-002", "SB-020"}; !reflect.DeepEqual(codes(hot), want) {
			t.Errorf("Hot(4) = %v, want %v", codes(hot), want)
		}
		if hot, _ := c.Hot(ctx, 0); len(hot) != 0 {
			t.Errorf("Hot(0) = %v", codes(hot))
		}
		cats, err := c.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		var names []string
		for _, cat := range cats {
			sum += cat.Count
			names = append(names, cat.Name)
		}
		if want := []string{"就业创业", "社会保险", "人才人事", "劳动关系", "社会保障卡"}; !reflect.DeepEqual(names, want) {
			t.Errorf("categories %v, want %v", names, want)
		}
		if sum != len(builtinItems) {
			t.Errorf("category counts add up to %d, want %d", sum, len(builtinItems))
		}
		personas, err := c.Topics(ctx, TopicPersona)
		if err != nil {
			t.Fatal(err)
		}
		if len(personas) != 5 || personas[0].Name != "高校毕业生" || personas[0].Count != 5 {
			t.Errorf("personas = %+v", personas)
		}
		all, _ := c.Topics(ctx, "")
		if len(all) != len(builtinTopics) {
			t.Errorf("Topics(\"\") = %d, want %d", len(all), len(builtinTopics))
		}
		tp, err := c.Topic(ctx, "pension")
		if err != nil || tp.Name != "企业养老保险" || tp.Kind != TopicTheme {
			t.Errorf("Topic(pension) = %+v, %v", tp, err)
		}
		if _, err := c.Topic(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Topic(nope) = %v, want ErrNotFound", err)
		}
	})
}

func TestLabels(t *testing.T) {
	if ApplicantBoth.Label() != "个人、单位" || ChannelCounter.Label() != "窗口办理" || CasePromised.Label() != "承诺件" {
		t.Error("labels changed")
	}
	if !ChannelBoth.Online() || !ChannelBoth.Counter() || ChannelOnline.Counter() || ChannelCounter.Online() {
		t.Error("Online/Counter wrong")
	}
}

func TestSeedConcurrent(t *testing.T) {
	// Several servers starting at once on one database all seed it.
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := NewCatalog(db)
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- c.Seed(context.Background()) }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Seed: %v", err)
			}
		}
		if _, total, err := c.List(context.Background(), Filter{}); err != nil || total != len(builtinItems) {
			t.Errorf("after concurrent Seed: %d items, %v", total, err)
		}
	})
}

func TestBadInputNeverReachesTheDatabaseAsAnError(t *testing.T) {
	// PostgreSQL refuses invalid UTF-8 and NUL bytes; such input must mean "nothing
	// found", never a database error.
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		ctx := context.Background()
		bad := []string{"\xff\xfe", "a\x00b", "参保\xff登记", strings.Repeat("很长", 200)}
		for _, s := range bad {
			if _, _, err := c.List(ctx, Filter{Query: s}); err != nil {
				t.Errorf("List(Query %q): %v", s, err)
			}
			if _, _, err := c.List(ctx, Filter{Category: s, Topic: s}); err != nil {
				t.Errorf("List(Category %q): %v", s, err)
			}
			if _, err := c.Get(ctx, s); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%q) = %v, want ErrNotFound", s, err)
			}
			if _, err := c.Topic(ctx, s); !errors.Is(err, ErrNotFound) {
				t.Errorf("Topic(%q) = %v, want ErrNotFound", s, err)
			}
		}
		// Invalid bytes are dropped from a keyword, the rest still searches.
		got, _, err := c.List(ctx, Filter{Query: "参保\xff登记"})
		if err != nil || len(got) == 0 {
			t.Errorf("List(参保\\xff登记) = %v, %v", codes(got), err)
		}
	})
}

func TestCleanQuery(t *testing.T) {
	for in, want := range map[string]string{
		"  参保登记 ":  "参保登记",
		"a\x00b":   "a b",
		"\xff参保":   "参保",
		"\t\n":     "",
		"工伤\r\n认定": "工伤  认定",
	} {
		if got := CleanQuery(in); got != want {
			t.Errorf("CleanQuery(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanQuery(strings.Repeat("字", 80)); len([]rune(got)) != MaxQueryRunes {
		t.Errorf("CleanQuery cut to %d runes", len([]rune(got)))
	}
}

func TestItemTexts(t *testing.T) {
	it := Item{CaseType: CasePromised, LegalDays: 20, PromisedDays: 13}
	if it.LegalText() != "20个工作日" || it.PromisedText() != "13个工作日" {
		t.Errorf("%s / %s", it.LegalText(), it.PromisedText())
	}
	it = Item{CaseType: CaseInstant}
	if it.LegalText() != "—" || it.PromisedText() != "即办" {
		t.Errorf("%s / %s", it.LegalText(), it.PromisedText())
	}
}
