package insurance

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hall/internal/lines"
	"hall/internal/registry"
	"hall/internal/store"
)

// ErrInvalidFile is returned when an import file has problems; nothing of that file
// was loaded, and the Report lists them.
var ErrInvalidFile = errors.New("insurance: invalid import file")

// MaxReportedErrors bounds Report.Errors; further problems are only counted.
const MaxReportedErrors = 100

// ProgressEvery is how many rows pass between progress lines of a long file,
// unless Importer.ProgressEvery says otherwise.
const ProgressEvery = 20000

// LineError is one problem in an import file.
type LineError struct {
	Line int    // 1-based; the header is line 1
	Msg  string // Simplified Chinese, naming the column; never the cell's value
}

func (e LineError) String() string { return fmt.Sprintf("第%d行：%s", e.Line, e.Msg) }

// Report says what importing one file did.
type Report struct {
	File               string
	Rows               int // data rows read, blank rows not counted
	Written, Unchanged int // rows inserted or updated, rows already stored as written
	Errors             []LineError
	MoreErrors         int
	IgnoredColumns     []string
}

// Failed reports whether the file had errors (so nothing of it was loaded).
func (r *Report) Failed() bool { return len(r.Errors) > 0 }

func (r *Report) add(line int, msg string) {
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, LineError{Line: line, Msg: msg})
	} else {
		r.MoreErrors++
	}
}

// Importer loads import files into the read model.
type Importer struct {
	DB  *store.DB
	Now func() time.Time // for checking birth dates in ID numbers
	// Progress, when set, gets a line every ProgressEvery rows of a file (or every
	// Importer.ProgressEvery rows when that is positive).
	Progress      io.Writer
	ProgressEvery int
}

// ImportDir runs `hall import insurance DIR`: it names and skips the .csv files
// in dir that are no table's and loads the others by ImportFrom.
func (im *Importer) ImportDir(ctx context.Context, dir string, w io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintf(w, "无法读取目录：%v\n", err)
		return fmt.Errorf("insurance: read import directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".csv") && tableByFile(e.Name()) == nil {
			fmt.Fprintf(w, "%s：不是可识别的文件名，已跳过\n", e.Name())
		}
	}
	return im.ImportFrom(ctx, DirSource(dir), w)
}

// Outcome is what importing one file a source has did: its report and the error
// of that file (nil when it loaded).
type Outcome struct {
	Report Report
	Err    error
}

// ImportFrom loads every file src has (tables lists them) in that order, each in
// its own transaction, and prints a report per file to w. It returns nil when every
// file src has loaded; otherwise an error wrapping ErrInvalidFile (a file had
// problems), ErrSourceUnavailable (src failed to deliver a file) or both — the
// other files still loaded — or the failure to open a file of a directory, to read
// or to write, which ends the import. A refused API key (ErrKeyRefused) ends it
// too, at the first file: the core system would refuse every other one.
func (im *Importer) ImportFrom(ctx context.Context, src Source, w io.Writer) error {
	_, err := im.ImportEach(ctx, src, w)
	return err
}

// ImportEach is ImportFrom that also returns the outcome of each file src had, in
// the order of tables (the scheduled pull records them).
func (im *Importer) ImportEach(ctx context.Context, src Source, w io.Writer) ([]Outcome, error) {
	var done []Outcome
	var invalid, unavailable []string
	var firstUnavailable error
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		f, err := src.Open(ctx, t.file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var rep Report
		if err == nil {
			rep, err = im.Import(ctx, t.file, f)
			_ = f.Close() // read-only, fully read or given up; Import reports any read error
		} else if !errors.Is(err, ErrSourceUnavailable) {
			return done, fmt.Errorf("insurance: open %s: %w", t.file, err)
		}
		rep.File = t.file
		done = append(done, Outcome{Report: rep, Err: err})
		printReport(w, t, &rep, err)
		switch {
		case errors.Is(err, ErrKeyRefused):
			// Every other file would be refused as well: one request is enough to
			// know, and one error says it.
			// Files loaded before the refusal (a key revoked during the run) stay.
			what := "未导入任何数据"
			for _, o := range done[:len(done)-1] {
				if o.Err == nil && !o.Report.Failed() {
					what = "此前已导入的文件保留，本文件及其后的文件未导入"
					break
				}
			}
			fmt.Fprintf(w, "核心系统拒绝了API密钥，其余文件未再请求，%s。请检查密钥（%s）。\n", what, APIKeyEnv)
			return done, fmt.Errorf("insurance: %s: %w", t.file, err)
		case errors.Is(err, ErrInvalidFile):
			invalid = append(invalid, t.file)
		case errors.Is(err, ErrSourceUnavailable) && ctx.Err() == nil:
			// The core system failed this file (nothing of it was written); the
			// others may still come.
			unavailable = append(unavailable, t.file)
			if firstUnavailable == nil {
				firstUnavailable = err
			}
		case err != nil:
			return done, err
		}
	}
	if len(done) == 0 {
		if dir, ok := src.(DirSource); ok {
			fmt.Fprintf(w, "目录中没有可导入的文件（应为 %s 等）\n", tables[0].file)
			return done, fmt.Errorf("insurance: no import files in %s: %w", string(dir), ErrInvalidFile)
		}
		fmt.Fprintf(w, "来源中没有可导入的文件（应为 %s 等）\n", tables[0].file)
		return done, fmt.Errorf("insurance: no import files at %v: %w", src, ErrInvalidFile)
	}
	var errs []error
	if len(invalid) > 0 {
		errs = append(errs, fmt.Errorf("insurance: %s: %w", strings.Join(invalid, ", "), ErrInvalidFile))
	}
	if len(unavailable) > 0 {
		errs = append(errs, fmt.Errorf("insurance: %s not delivered: %w", strings.Join(unavailable, ", "), firstUnavailable))
	}
	return done, errors.Join(errs...)
}

func printReport(w io.Writer, t *table, rep *Report, err error) {
	name := t.file + "（" + t.zh + "）"
	if len(rep.IgnoredColumns) > 0 {
		fmt.Fprintf(w, "%s：已忽略无法识别的列：%s\n", name, strings.Join(rep.IgnoredColumns, "、"))
	}
	switch {
	case rep.Failed():
		fmt.Fprintf(w, "%s：导入失败，本文件未导入任何数据。共发现%d处错误：\n", name, len(rep.Errors)+rep.MoreErrors)
		for _, e := range rep.Errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
		if rep.MoreErrors > 0 {
			fmt.Fprintf(w, "  另有%d处错误未列出。\n", rep.MoreErrors)
		}
	case err != nil:
		fmt.Fprintf(w, "%s：导入失败，本文件未导入任何数据：%v\n", name, err)
	default:
		fmt.Fprintf(w, "%s：导入完成，共%d行，写入%d条，未变化%d条。\n", name, rep.Rows, rep.Written, rep.Unchanged)
	}
}

// Import loads one file, named as in the format (employees.csv, …), from r in one
// transaction: every row is upserted by its natural key, or — when any row is bad —
// nothing is written and the report lists the problems. The file is streamed.
//
// Errors: ErrInvalidFile when the file has problems; an error for an unknown file
// name; a read error of r; a database failure. Nothing is loaded whenever the error
// is non-nil. A file of only the header row is valid: the core system may have
// nothing of that kind (no pension recipients), and it loads nothing.
func (im *Importer) Import(ctx context.Context, file string, r io.Reader) (Report, error) {
	rep := Report{File: file}
	t := tableByFile(file)
	if t == nil {
		return rep, fmt.Errorf("insurance: unknown import file %q", file)
	}
	every := ProgressEvery
	if im.ProgressEvery > 0 {
		every = im.ProgressEvery
	}
	now := time.Now()
	if im.Now != nil {
		now = im.Now()
	}
	src, _, err := registry.DecodeCSV(r)
	if errors.Is(err, registry.ErrUTF16) {
		rep.add(1, "不支持UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”或GB18030编码的CSV文件")
		return rep, ErrInvalidFile
	}
	if err != nil {
		return rep, fmt.Errorf("insurance: read %s: %w", file, err)
	}
	lim := lines.NewLimiter(src)
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err == io.EOF {
		rep.add(1, "文件为空，第一行应为表头")
		return rep, ErrInvalidFile
	}
	if err != nil {
		if le, ok := formatError(err, lim); ok {
			rep.add(le.Line, le.Msg)
			return rep, ErrInvalidFile
		}
		return rep, fmt.Errorf("insurance: read %s: %w", file, err)
	}
	idx := rep.header(t, slices.Clone(hdr))
	if rep.Failed() {
		return rep, ErrInvalidFile
	}
	err = im.DB.Tx(ctx, func(tx *store.Tx) error {
		stmt, err := tx.Prepare(ctx, t.upsertSQL())
		if err != nil {
			return err
		}
		defer stmt.Close()
		seen := make(map[string]int)
		units := map[string]bool{} // the USCCs of the rows, whose payment totals are refreshed
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				le, ok := formatError(err, lim)
				if !ok {
					return fmt.Errorf("insurance: read %s: %w", file, err)
				}
				rep.add(le.Line, le.Msg)
				if errors.Is(err, lines.ErrTooLong) {
					break // a quoted field may span lines: the CSV reader cannot go on after it
				}
				continue
			}
			line, _ := cr.FieldPos(0)
			if blank(rec) {
				continue
			}
			rep.Rows++
			if rep.Rows%every == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if im.Progress != nil {
					fmt.Fprintf(im.Progress, "%s：已读取%d行…\n", file, rep.Rows)
				}
			}
			vals, msgs := parseRecord(t, idx, rec, len(hdr), now)
			for _, m := range msgs {
				rep.add(line, m)
			}
			if vals != nil {
				// Two rows with one key would have the later silently win.
				key := fmt.Sprintln(vals[:t.keys]...) // spaced: no two keys print alike
				if first, dup := seen[key]; dup {
					rep.add(line, fmt.Sprintf("与第%d行重复（%s相同）", first, t.keyNames()))
					continue
				}
				seen[key] = line
				if uscc, ok := vals[0].(string); ok {
					units[uscc] = true
				}
			}
			if rep.Failed() {
				continue // keep checking, stop writing: the transaction is rolled back
			}
			res, err := stmt.ExecContext(ctx, vals...)
			if err != nil {
				return fmt.Errorf("insurance: write %s line %d: %w", file, line, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				rep.Written++
			} else {
				rep.Unchanged++
			}
		}
		if rep.Failed() {
			return ErrInvalidFile
		}
		if rep.Written == 0 {
			return nil
		}
		if t.sql == "insurance_payments" {
			if err := refreshMonthlyTotals(ctx, tx, slices.Sorted(maps.Keys(units))); err != nil {
				return err
			}
		}
		return analyze(ctx, tx, t.sql)
	})
	if err != nil {
		rep.Written, rep.Unchanged = 0, 0
		if errors.Is(err, ErrInvalidFile) {
			return rep, ErrInvalidFile
		}
		return rep, fmt.Errorf("insurance: import %s: %w", file, err)
	}
	return rep, nil
}

// header maps each of t's columns to its index in the header row (-1 when absent).
func (r *Report) header(t *table, hdr []string) []int {
	idx := make([]int, len(t.columns))
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range hdr {
		h = clean(strings.TrimPrefix(h, "\uFEFF"))
		c := slices.IndexFunc(t.columns, func(c column) bool { return c.zh == h || c.db == h })
		switch {
		case c < 0:
			if h == "" {
				h = fmt.Sprintf("第%d列（无列名）", i+1)
			}
			r.IgnoredColumns = append(r.IgnoredColumns, h)
		case idx[c] >= 0:
			r.add(1, "列名“"+h+"”重复")
		default:
			idx[c] = i
		}
	}
	var missing []string
	for c, i := range idx {
		if i < 0 && !t.columns[c].optional {
			missing = append(missing, t.columns[c].zh)
		}
	}
	if len(missing) > 0 {
		r.add(1, "缺少必需的列："+strings.Join(missing, "、")+"（第一行应为表头，文件应为UTF-8或GB18030编码）")
	}
	return idx
}

// parseRecord turns one CSV record of t (header length n, column indexes idx) into
// the stored values in t.storedColumns order, or the problems found, each a
// Chinese message naming the column. It is the line parser the fuzz test drives.
func parseRecord(t *table, idx []int, rec []string, n int, now time.Time) ([]any, []string) {
	if len(rec) != n {
		return nil, []string{fmt.Sprintf("本行有%d列，表头有%d列", len(rec), n)}
	}
	vals := make([]any, len(t.columns), len(t.columns)+3)
	var msgs []string
	for c, col := range t.columns {
		s := ""
		if idx[c] >= 0 {
			s = clean(rec[idx[c]])
		}
		v, msg := col.parse(s, now)
		if msg != "" {
			msgs = append(msgs, col.zh+msg)
			continue
		}
		vals[c] = v
	}
	if len(msgs) > 0 {
		return nil, msgs
	}
	if t.check != nil {
		if m := t.check(vals); m != "" {
			return nil, []string{m}
		}
	}
	if t.derive != nil {
		vals = append(vals, t.derive.fn(vals)...)
	}
	return vals, nil
}

func blank(rec []string) bool {
	for _, s := range rec {
		if clean(s) != "" {
			return false
		}
	}
	return true
}

// formatError is registry.ReadError as this package's LineError.
func formatError(err error, lim *lines.Limiter) (LineError, bool) {
	line, msg, ok := registry.ReadError(err, lim)
	return LineError{Line: line, Msg: msg}, ok
}
