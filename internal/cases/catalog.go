// Package cases holds the service catalog (H2), and later the unit's cases and their
// progress (U4) and deliveries (U5); the workbench tasks (U8) are internal/skills.
//
// The catalog lists the business items (事项) of the hall: who may apply, whether the
// item is handled online or at the counter, its deadlines and the materials it needs.
// Items are grouped by category (事项类别) and by topics: the "我是…" personas and the
// 主题服务 themes of the home page. The built-in catalog (builtin.go) is written to the
// database by Seed at every start; pages read it through List, Get, Hot, Categories
// and Topics.
package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"hall/internal/store"
)

// ErrNotFound is returned by Get and Topic when no item or topic has the code.
var ErrNotFound = errors.New("cases: not found")

// Applicant says who may apply for an item.
type Applicant string

const (
	ApplicantUnit   Applicant = "unit"   // 单位
	ApplicantPerson Applicant = "person" // 个人
	ApplicantBoth   Applicant = "both"   // 个人和单位
)

// Label is the Chinese name shown in pages.
func (a Applicant) Label() string {
	switch a {
	case ApplicantUnit:
		return "单位"
	case ApplicantPerson:
		return "个人"
	case ApplicantBoth:
		return "个人、单位"
	}
	return string(a)
}

// Channel says where an item is handled.
type Channel string

const (
	ChannelOnline  Channel = "online"  // ● 网上办理
	ChannelCounter Channel = "counter" // ○ 窗口办理
	ChannelBoth    Channel = "both"    // ◐ 网上办理或窗口办理
)

// Label is the Chinese name shown in pages.
func (c Channel) Label() string {
	switch c {
	case ChannelOnline:
		return "网上办理"
	case ChannelCounter:
		return "窗口办理"
	case ChannelBoth:
		return "网上或窗口办理"
	}
	return string(c)
}

// Online reports whether the item can be applied for in the hall.
func (c Channel) Online() bool { return c == ChannelOnline || c == ChannelBoth }

// Counter reports whether the item can be handled at a counter.
func (c Channel) Counter() bool { return c == ChannelCounter || c == ChannelBoth }

// CaseType is the 办件类型.
type CaseType string

const (
	// CaseInstant (即办件) is decided on the spot once the materials are complete.
	CaseInstant CaseType = "instant"
	// CasePromised (承诺件) is decided within the promised number of working days.
	CasePromised CaseType = "promised"
)

// Label is the Chinese name shown in pages.
func (t CaseType) Label() string {
	switch t {
	case CaseInstant:
		return "即办件"
	case CasePromised:
		return "承诺件"
	}
	return string(t)
}

// Category is a 事项类别.
type Category struct {
	Code  string
	Name  string
	Sort  int
	Count int // active items in the category (filled by Categories)
}

// TopicKind tells the "我是…" personas from the 主题服务 themes.
type TopicKind string

const (
	TopicPersona TopicKind = "persona" // 我是…: 高校毕业生, 失业人员 …
	TopicTheme   TopicKind = "theme"   // 主题服务: 就业补贴, 企业养老保险 …
)

// Topic groups items across categories for a kind of applicant or a life event.
type Topic struct {
	Code    string
	Kind    TopicKind
	Name    string
	Summary string
	Sort    int
	Count   int // active items in the topic (filled by Topics)
}

// Material is one document an application needs.
type Material struct {
	Name     string
	Form     string // 原件, 复印件, 原件及复印件, 电子材料 …
	Copies   int
	Required bool
	Note     string
}

// Item is a business item (事项) of the catalog.
type Item struct {
	Code         string // stable, e.g. "SB-001"; cases and grants refer to it
	Category     string // category code
	CategoryName string
	Name         string
	Applicant    Applicant
	Channel      Channel
	CaseType     CaseType
	LegalDays    int // 法定期限, working days; 0 when the law sets none
	PromisedDays int // 承诺期限, working days; 0 for 即办件
	Visits       int // 到现场次数
	Notes        string
	Hot          int        // position among 热门服务, 1 first; 0 when not hot
	Active       bool       // false once the item left the built-in catalog
	Materials    []Material // filled by Get only
}

// LegalText is 法定期限 as shown in pages: "20个工作日", or "—" when the law sets none.
func (it Item) LegalText() string {
	if it.LegalDays == 0 {
		return "—"
	}
	return strconv.Itoa(it.LegalDays) + "个工作日"
}

// PromisedText is 承诺期限 as shown in pages: "即办" for 即办件, else "10个工作日".
func (it Item) PromisedText() string {
	if it.CaseType == CaseInstant || it.PromisedDays == 0 {
		return "即办"
	}
	return strconv.Itoa(it.PromisedDays) + "个工作日"
}

// Catalog reads and seeds the service catalog.
type Catalog struct {
	db *store.DB
}

// NewCatalog returns the catalog backed by db.
func NewCatalog(db *store.DB) *Catalog { return &Catalog{db: db} }

// Paging defaults of List.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxQueryRunes bounds the keyword; longer input is cut.
	MaxQueryRunes = 50
)

// Filter selects items for List. Zero fields do not filter; unknown values of
// Applicant and Channel do not filter either, so that a bad link shows everything
// instead of failing.
type Filter struct {
	Category  string    // category code
	Topic     string    // topic code
	Applicant Applicant // ApplicantPerson or ApplicantUnit: items that one may apply for
	Channel   Channel   // ChannelOnline or ChannelCounter: items handled that way
	// Query matches the item name (or exactly the item code); several words separated
	// by spaces must all occur in the name.
	Query   string
	Page    int // 1-based; clamped into the existing pages
	PerPage int // DefaultPerPage when <= 0, at most MaxPerPage
}

// Normalized returns f with PerPage defaulted and capped and Page clamped to
// 1..Pages(total), so that a caller learns which page List showed.
func (f Filter) Normalized(total int) Filter {
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	f.Page = max(1, min(f.Page, Pages(total, f.PerPage)))
	return f
}

// Pages is the number of pages that total items fill, at least 1.
func Pages(total, perPage int) int {
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	return max(1, (total+perPage-1)/perPage)
}

// itemColumns is the column list scanItem reads.
const itemColumns = `i.code, i.category_code, c.name, i.name, i.applicant, i.channel, i.case_type,
	i.legal_days, i.promised_days, i.visits, i.notes, i.hot, i.active`

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var active int
	err := sc.Scan(&it.Code, &it.Category, &it.CategoryName, &it.Name, &it.Applicant, &it.Channel,
		&it.CaseType, &it.LegalDays, &it.PromisedDays, &it.Visits, &it.Notes, &it.Hot, &active)
	it.Active = active == 1
	return it, err
}

// where builds the WHERE clause and arguments of f.
func (f Filter) where() (string, []any) {
	conds := []string{"i.active = 1"}
	var args []any
	// A code that cannot exist matches nothing, without reaching the database.
	switch {
	case f.Category == "":
	case plausibleCode(f.Category):
		conds = append(conds, "i.category_code = ?")
		args = append(args, f.Category)
	default:
		conds = append(conds, "1 = 0")
	}
	switch {
	case f.Topic == "":
	case plausibleCode(f.Topic):
		conds = append(conds, "i.code IN (SELECT item_code FROM catalog_item_topics WHERE topic_code = ?)")
		args = append(args, f.Topic)
	default:
		conds = append(conds, "1 = 0")
	}
	switch f.Applicant {
	case ApplicantPerson, ApplicantUnit:
		conds = append(conds, "i.applicant IN (?, 'both')")
		args = append(args, string(f.Applicant))
	}
	switch f.Channel {
	case ChannelOnline, ChannelCounter:
		conds = append(conds, "i.channel IN (?, 'both')")
		args = append(args, string(f.Channel))
	}
	if words := queryWords(f.Query); len(words) > 0 {
		var like []string
		for _, w := range words {
			like = append(like, `LOWER(i.name) LIKE ? ESCAPE '\'`)
			args = append(args, "%"+escapeLike(strings.ToLower(w))+"%")
		}
		conds = append(conds, "(("+strings.Join(like, " AND ")+") OR i.code = ?)")
		args = append(args, strings.ToUpper(CleanQuery(f.Query)))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// CleanQuery makes a typed keyword safe and short: invalid UTF-8 and control
// characters are dropped, space is trimmed and the rest is cut to MaxQueryRunes.
// List applies it to Filter.Query; pages use it to show the keyword that was used.
func CleanQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(q, ""))
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		q = strings.TrimSpace(string([]rune(q)[:MaxQueryRunes]))
	}
	return q
}

// queryWords splits a keyword into at most 5 words.
func queryWords(q string) []string {
	words := strings.Fields(CleanQuery(q))
	if len(words) > 5 {
		words = words[:5]
	}
	return words
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns one page of the active items that match f, in catalog order
// (category, then item), and the number of matching items. A page beyond the last
// shows the last page; f.Normalized(total) tells which page that is. Materials are
// not filled.
func (c *Catalog) List(ctx context.Context, f Filter) ([]Item, int, error) {
	where, args := f.where()
	var total int
	if err := c.db.QueryRow(ctx, "SELECT COUNT(*) FROM catalog_items i"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases: count items: %w", err)
	}
	f = f.Normalized(total)
	if total == 0 {
		return nil, 0, nil
	}
	q := "SELECT " + itemColumns + ` FROM catalog_items i
		JOIN catalog_categories c ON c.code = i.category_code` + where +
		" ORDER BY c.sort, i.sort, i.code LIMIT ? OFFSET ?"
	args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
	items, err := c.queryItems(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

func (c *Catalog) queryItems(ctx context.Context, q string, args ...any) ([]Item, error) {
	rows, err := c.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: list items: %w", err)
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("cases: scan item: %w", err)
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// Get returns the item with the code, with its materials. An inactive item (one that
// left the built-in catalog) is still returned, with Active false, because cases and
// grants may refer to it. It returns ErrNotFound when no item has the code.
func (c *Catalog) Get(ctx context.Context, code string) (Item, error) {
	if !plausibleCode(code) {
		return Item{}, ErrNotFound
	}
	it, err := scanItem(c.db.QueryRow(ctx, "SELECT "+itemColumns+` FROM catalog_items i
		JOIN catalog_categories c ON c.code = i.category_code WHERE i.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("cases: get item %s: %w", code, err)
	}
	rows, err := c.db.Query(ctx, `SELECT name, form, copies, required, note FROM catalog_materials
		WHERE item_code = ? ORDER BY seq`, code)
	if err != nil {
		return Item{}, fmt.Errorf("cases: materials of %s: %w", code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Material
		var req int
		if err := rows.Scan(&m.Name, &m.Form, &m.Copies, &req, &m.Note); err != nil {
			return Item{}, fmt.Errorf("cases: scan material: %w", err)
		}
		m.Required = req == 1
		it.Materials = append(it.Materials, m)
	}
	return it, rows.Err()
}

// Hot returns at most n active hot items (热门服务) in their hot order.
func (c *Catalog) Hot(ctx context.Context, n int) ([]Item, error) {
	if n <= 0 {
		return nil, nil
	}
	return c.queryItems(ctx, "SELECT "+itemColumns+` FROM catalog_items i
		JOIN catalog_categories c ON c.code = i.category_code
		WHERE i.active = 1 AND i.hot > 0 ORDER BY i.hot, i.code LIMIT ?`, n)
}

// Categories returns every category in display order with its number of active items.
func (c *Catalog) Categories(ctx context.Context) ([]Category, error) {
	rows, err := c.db.Query(ctx, `SELECT c.code, c.name, c.sort, COUNT(i.code)
		FROM catalog_categories c
		LEFT JOIN catalog_items i ON i.category_code = c.code AND i.active = 1
		GROUP BY c.code, c.name, c.sort ORDER BY c.sort, c.code`)
	if err != nil {
		return nil, fmt.Errorf("cases: list categories: %w", err)
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var cat Category
		if err := rows.Scan(&cat.Code, &cat.Name, &cat.Sort, &cat.Count); err != nil {
			return nil, fmt.Errorf("cases: scan category: %w", err)
		}
		out = append(out, cat)
	}
	return out, rows.Err()
}

// Topics returns the topics of a kind ("" for every kind) in display order, each with
// its number of active items.
func (c *Catalog) Topics(ctx context.Context, kind TopicKind) ([]Topic, error) {
	q := `SELECT t.code, t.kind, t.name, t.summary, t.sort, COUNT(i.code)
		FROM catalog_topics t
		LEFT JOIN catalog_item_topics it ON it.topic_code = t.code
		LEFT JOIN catalog_items i ON i.code = it.item_code AND i.active = 1`
	var args []any
	if kind != "" {
		q += " WHERE t.kind = ?"
		args = append(args, string(kind))
	}
	q += " GROUP BY t.code, t.kind, t.name, t.summary, t.sort ORDER BY t.kind, t.sort, t.code"
	rows, err := c.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: list topics: %w", err)
	}
	defer rows.Close()
	var out []Topic
	for rows.Next() {
		var t Topic
		if err := rows.Scan(&t.Code, &t.Kind, &t.Name, &t.Summary, &t.Sort, &t.Count); err != nil {
			return nil, fmt.Errorf("cases: scan topic: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Topic returns the topic with the code (Count is not filled). It returns ErrNotFound
// when no topic has the code.
func (c *Catalog) Topic(ctx context.Context, code string) (Topic, error) {
	if !plausibleCode(code) {
		return Topic{}, ErrNotFound
	}
	var t Topic
	err := c.db.QueryRow(ctx, `SELECT code, kind, name, summary, sort FROM catalog_topics WHERE code = ?`, code).
		Scan(&t.Code, &t.Kind, &t.Name, &t.Summary, &t.Sort)
	if errors.Is(err, sql.ErrNoRows) {
		return Topic{}, ErrNotFound
	}
	if err != nil {
		return Topic{}, fmt.Errorf("cases: get topic %s: %w", code, err)
	}
	return t, nil
}

// plausibleCode reports whether code could be an item or topic code: 1 to 32
// printable ASCII characters. Anything else (such as invalid UTF-8 from a URL, which
// PostgreSQL refuses) cannot name a row, so it never reaches the database.
func plausibleCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] <= ' ' || code[i] > '~' {
			return false
		}
	}
	return true
}
