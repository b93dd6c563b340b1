// Package notices is 公示公告 (SPEC H1): the bureau's notices on the public hall.
// Clerks (窗口经办) write drafts in the back office; a reviewer (审核) who neither
// wrote nor last edited a draft publishes it, and any reviewer withdraws a published
// notice (staff.ActionNotice*). Every command authorizes the staff member again as
// the database has them now and is audited with the role and the typed reason in
// the transaction of its change. The public hall reads published notices only.
//
// A notice moves forward only: 草稿 → 已发布 → 已撤回. A published notice is never
// edited: a correction is a new notice, so that what the public read stays on record.
// The body is plain text; pages show it escaped, paragraph by paragraph.
package notices

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/chinatime"
	"hall/internal/store"
)

// Category is what kind of notice it is.
type Category string

// Categories. The database CHECK keeps the same three.
const (
	CategoryPublicity    Category = "publicity"    // 公示: results open to objection, e.g. a list of units
	CategoryAnnouncement Category = "announcement" // 公告: a decision made public, e.g. a year's contribution base
	CategoryNotice       Category = "notice"       // 通知: what units and persons should do
)

// Categories lists the categories in the order pages show them.
var Categories = []Category{CategoryPublicity, CategoryAnnouncement, CategoryNotice}

var categoryLabels = map[Category]string{
	CategoryPublicity: "公示", CategoryAnnouncement: "公告", CategoryNotice: "通知",
}

// Label is the category's Chinese name, "" for an unknown one.
func (c Category) Label() string { return categoryLabels[c] }

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { return c.Label() != "" }

// State is where a notice is in its life.
type State string

// States.
const (
	StateDraft     State = "draft"
	StatePublished State = "published"
	StateWithdrawn State = "withdrawn"
)

// States lists the states in the order the back office shows them.
var States = []State{StateDraft, StatePublished, StateWithdrawn}

var stateLabels = map[State]string{StateDraft: "草稿", StatePublished: "已发布", StateWithdrawn: "已撤回"}

// Label is the state's Chinese name.
func (s State) Label() string { return stateLabels[s] }

// Valid reports whether s is one of States.
func (s State) Valid() bool { return s.Label() != "" }

// Notice is one notice.
type Notice struct {
	ID       int64
	Title    string
	Category Category
	Body     string
	State    State
	// The staff who wrote, last edited and published it (0 and "" for none, and for
	// the notices the hall loaded itself).
	AuthorID, EditorID, PublisherID       int64
	AuthorName, EditorName, PublisherName string
	PublishedAt, WithdrawnAt              time.Time // zero until then
	CreatedAt, UpdatedAt                  time.Time
	// Version counts the notice's changes, 1 when created: Edit and Publish take
	// the one the page showed and refuse a draft changed since (ErrEdited).
	Version int64
}

// Paragraphs is the body's paragraphs: its non-blank lines, trimmed. Pages show
// each as a paragraph, escaped.
func (n Notice) Paragraphs() []string {
	var out []string
	for _, line := range strings.Split(n.Body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Date is the publication day as pages show it (YYYY-MM-DD, China Standard Time),
// "" for a draft.
func (n Notice) Date() string {
	if n.PublishedAt.IsZero() {
		return ""
	}
	return n.PublishedAt.In(chinatime.Zone).Format("2006-01-02")
}

// Error is a refusal of the notices' commands: Code is stable, Msg the Chinese
// sentence to show, Field the form field it belongs beside ("" for the page).
type Error struct {
	Code  string
	Field string
	Msg   string
}

func (e *Error) Error() string { return "notices: " + e.Code }

// Refusals. Each command says which it returns.
var (
	ErrNotFound      = &Error{"not_found", "", "未找到该公示公告"}
	ErrStale         = &Error{"stale", "", "该公示公告的状态已变化（可能已由其他工作人员处理），请查看最新状态"}
	ErrEdited        = &Error{"edited", "", "该草稿在您打开后已被其他工作人员修改，请阅读修改后的内容再操作"}
	ErrTitleRequired = &Error{"title_required", FieldTitle, "请填写标题"}
	ErrTitleTooLong  = &Error{"title_too_long", FieldTitle, "标题不能超过" + strconv.Itoa(MaxTitleRunes) + "个字"}
	ErrCategory      = &Error{"category", FieldCategory, "请选择类别：公示、公告或通知"}
	ErrBodyRequired  = &Error{"body_required", FieldBody, "请填写正文"}
	ErrBodyTooLong   = &Error{"body_too_long", FieldBody, "正文不能超过" + strconv.Itoa(MaxBodyRunes) + "个字"}
)

// Form fields of a draft, named as the back office's form names them.
const (
	FieldTitle    = "title"
	FieldCategory = "category"
	FieldBody     = "body"
)

// Message is the Chinese sentence of a notices error, "" for any other error.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Deps are what the notices build on. Now may be nil (time.Now).
type Deps struct {
	DB    *store.DB
	Audit *audit.Log
	Now   func() time.Time
}

// Service runs the notices. It keeps no state of its own.
type Service struct{ d Deps }

// New returns the service. Errors: a missing dependency.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil {
		return nil, errors.New("notices: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}, nil
}

func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }

// target is a notice's audit target.
func target(id int64) string { return "notice:" + strconv.FormatInt(id, 10) }

const noticeColumns = `n.id, n.title, n.category, n.body, n.state,
	COALESCE(n.author_id, 0), COALESCE(n.editor_id, 0), COALESCE(n.publisher_id, 0),
	COALESCE(a.name, ''), COALESCE(e.name, ''), COALESCE(p.name, ''),
	n.published_at, n.withdrawn_at, n.created_at, n.updated_at, n.version`

const noticeFrom = ` FROM notices n LEFT JOIN staff a ON a.id = n.author_id
	LEFT JOIN staff e ON e.id = n.editor_id LEFT JOIN staff p ON p.id = n.publisher_id`

func scanNotice(r interface{ Scan(...any) error }) (Notice, error) {
	var (
		n                    Notice
		published, withdrawn sql.NullTime
	)
	err := r.Scan(&n.ID, &n.Title, &n.Category, &n.Body, &n.State, &n.AuthorID, &n.EditorID, &n.PublisherID,
		&n.AuthorName, &n.EditorName, &n.PublisherName, &published, &withdrawn, &n.CreatedAt, &n.UpdatedAt, &n.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Notice{}, ErrNotFound
	}
	if err != nil {
		return Notice{}, fmt.Errorf("notices: read notice: %w", err)
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	if published.Valid {
		n.PublishedAt = published.Time.UTC()
	}
	if withdrawn.Valid {
		n.WithdrawnAt = withdrawn.Time.UTC()
	}
	return n, nil
}
