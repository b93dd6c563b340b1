package notices

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hall/internal/cases"
	"hall/internal/staff"
	"hall/internal/store"
)

// Paging of the lists.
const (
	DefaultPerPage = 20
	MaxPerPage     = 50
)

// Filter selects notices for Published and StaffList. Zero fields do not filter;
// an unknown Category or State matches nothing.
type Filter struct {
	Category Category
	State    State // StaffList only: Published lists published notices whatever this says
	// Query: words that must all occur in the title (the catalog's keyword rules:
	// cases.CleanQuery, at most five words).
	Query   string
	Page    int // 1-based; clamped into the existing pages
	PerPage int // DefaultPerPage when <= 0, at most MaxPerPage
}

// Normalized returns f with PerPage defaulted and capped and Page clamped to
// 1..Pages(total), so that a caller learns which page a list showed.
func (f Filter) Normalized(total int) Filter {
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	f.Page = max(1, min(f.Page, cases.Pages(total, f.PerPage)))
	return f
}

// QueryWords is how a keyword is searched: cleaned and bounded as the catalog's
// (cases.CleanQuery), split at spaces, at most five words.
func QueryWords(q string) []string {
	words := strings.Fields(cases.CleanQuery(q))
	if len(words) > 5 {
		words = words[:5]
	}
	return words
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// where builds the conditions of f.
func (f Filter) where(public bool) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	switch {
	case public:
		conds = append(conds, "n.state = 'published'")
	case f.State == "":
	case f.State.Valid():
		conds, args = append(conds, "n.state = ?"), append(args, string(f.State))
	default:
		conds = append(conds, "1 = 0")
	}
	switch {
	case f.Category == "":
	case f.Category.Valid():
		conds, args = append(conds, "n.category = ?"), append(args, string(f.Category))
	default:
		conds = append(conds, "1 = 0")
	}
	for _, w := range QueryWords(f.Query) {
		conds = append(conds, `LOWER(n.title) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(w))+"%")
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// list returns one page of the notices matching f in order, and how many match.
func (s *Service) list(ctx context.Context, f Filter, public bool, order string) ([]Notice, int, error) {
	where, args := f.where(public)
	var total int
	if err := s.d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM notices n"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notices: count: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	f = f.Normalized(total)
	rows, err := s.d.DB.Query(ctx, "SELECT "+noticeColumns+noticeFrom+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	if err != nil {
		return nil, 0, fmt.Errorf("notices: list: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("notices: list: %w", err)
	}
	return out, total, nil
}

// Published returns one page of the published notices matching f, newest first,
// and how many match (f.Normalized(total) tells which page it was). Errors:
// database failures.
func (s *Service) Published(ctx context.Context, f Filter) ([]Notice, int, error) {
	return s.list(ctx, f, true, "n.published_at DESC, n.id DESC")
}

// Latest returns the n newest published notices (the home page's). Errors:
// database failures.
func (s *Service) Latest(ctx context.Context, n int) ([]Notice, error) {
	list, _, err := s.Published(ctx, Filter{PerPage: n})
	return list, err
}

// Get returns published notice id. Drafts and withdrawn notices are ErrNotFound:
// the public never sees them. Errors: ErrNotFound; database failures.
func (s *Service) Get(ctx context.Context, id int64) (Notice, error) {
	n, err := s.byID(ctx, id)
	if err == nil && n.State != StatePublished {
		return Notice{}, ErrNotFound
	}
	return n, err
}

func (s *Service) byID(ctx context.Context, id int64) (Notice, error) {
	return scanNotice(s.d.DB.QueryRow(ctx, "SELECT "+noticeColumns+noticeFrom+" WHERE n.id = ?", id))
}

// StaffList returns one page of the notices in every state matching f, the latest
// changed first, for the back office. Errors: a *staff.Denial; database failures.
func (s *Service) StaffList(ctx context.Context, actor staff.Actor, f Filter) ([]Notice, int, error) {
	if err := s.authorizeRead(ctx, actor, "notices"); err != nil {
		return nil, 0, err
	}
	return s.list(ctx, f, false, "n.updated_at DESC, n.id DESC")
}

// StaffNotice returns notice id in any state, for the back office. Errors: a
// *staff.Denial; ErrNotFound; database failures.
func (s *Service) StaffNotice(ctx context.Context, actor staff.Actor, id int64) (Notice, error) {
	if err := s.authorizeRead(ctx, actor, target(id)); err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

// authorizeRead checks notice.list for the actor as the database has it now, and
// records a denial.
func (s *Service) authorizeRead(ctx context.Context, actor staff.Actor, tgt string) error {
	return staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionNoticeList, tgt, func(_ *store.Tx, _ staff.Actor, authorize staff.Authorizer) error {
		_, err := authorize(staff.Subject{})
		return err
	})
}

// Loaded is a notice the hall loads itself (demo data): published at At, with no
// author, editor or publisher.
type Loaded struct {
	Draft
	At time.Time
}

// LoadTx inserts published notices in tx, for the demo data. Errors: the
// Draft.Check refusals; database failures.
func LoadTx(ctx context.Context, tx *store.Tx, ns []Loaded) error {
	for _, l := range ns {
		d, err := l.Check()
		if err != nil {
			return fmt.Errorf("notices: load %q: %w", l.Title, err)
		}
		at := store.Time(l.At)
		if _, err := tx.Exec(ctx, `INSERT INTO notices (title, category, body, state, published_at, created_at,
			updated_at) VALUES (?, ?, ?, 'published', ?, ?, ?)`, d.Title, string(d.Category), d.Body, at, at, at); err != nil {
			return fmt.Errorf("notices: load %q: %w", l.Title, err)
		}
	}
	return nil
}
