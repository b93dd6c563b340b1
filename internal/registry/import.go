package registry

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"hall/internal/ident"
	"hall/internal/lines"
	"hall/internal/store"
)

// MaxReportedErrors bounds Report.Errors; further problems are only counted in
// Report.MoreErrors, so a file that is wrong throughout still gives a short report.
const MaxReportedErrors = 100

// LineError is one problem in an import file.
type LineError struct {
	Line   int    // 1-based line of the file; the header is line 1
	Column string // the column's header text as written in the file; "" for the whole line
	Code   string // stable code for programs (ident or this package's Code*), "" for format problems
	Msg    string // Simplified Chinese, never containing the cell's value
}

func (e LineError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("第%d行：%s", e.Line, e.Msg)
	}
	return fmt.Sprintf("第%d行 %s：%s", e.Line, e.Column, e.Msg)
}

// Report says what Import did.
type Report struct {
	Encoding string // EncodingUTF8 or EncodingGB18030
	Rows     int    // data rows read; blank rows are not counted
	// Counts of what was written; all zero when the file had errors, because
	// nothing was loaded then.
	Inserted, Updated, Unchanged int
	Errors                       []LineError // in file order, at most MaxReportedErrors
	MoreErrors                   int         // problems beyond those listed
	IgnoredColumns               []string    // header cells that name no known column
}

// Failed reports whether the file had errors (so nothing was loaded).
func (r *Report) Failed() bool { return len(r.Errors) > 0 }

// ErrorCount is the number of problems found, listed or not.
func (r *Report) ErrorCount() int { return len(r.Errors) + r.MoreErrors }

func (r *Report) add(e LineError) {
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, e)
	} else {
		r.MoreErrors++
	}
}

// Import loads a registry CSV file (format in the package documentation) in one
// transaction: every row is inserted, updated or found unchanged, or — when any row
// is bad — nothing is written and the report lists the problems. The file is
// streamed; memory grows only with the set of USCCs seen (to find duplicates).
//
// Errors: ErrInvalidFile when the file has problems (see Report.Errors); a read
// error of r; a database failure. Nothing is loaded whenever the error is non-nil.
// On SQLite the import holds the single writer for its duration, so other writes
// wait while a large file loads.
func (t *Table) Import(ctx context.Context, r io.Reader) (Report, error) {
	var rep Report
	now := t.now()
	src, enc, err := decodeInput(r)
	if errors.Is(err, errUTF16) {
		rep.add(LineError{Line: 1, Msg: "不支持UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”或GB18030编码的CSV文件"})
		return rep, ErrInvalidFile
	}
	if err != nil {
		return rep, fmt.Errorf("registry: read import file: %w", err)
	}
	rep.Encoding = enc
	lim := lines.NewLimiter(src)
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1 // checked here, with a better message
	cr.ReuseRecord = true

	hdr, err := cr.Read()
	if err == io.EOF {
		rep.add(LineError{Line: 1, Msg: "文件为空，第一行应为表头"})
		return rep, ErrInvalidFile
	}
	if err != nil {
		if le, ok := formatError(err, lim); ok {
			rep.add(le)
			return rep, ErrInvalidFile
		}
		return rep, fmt.Errorf("registry: read import file: %w", err)
	}
	hdr = slices.Clone(hdr) // ReuseRecord: the next Read overwrites the slice
	idx := rep.header(hdr)
	if rep.Failed() {
		return rep, ErrInvalidFile
	}

	err = t.db.Tx(ctx, func(tx *store.Tx) error {
		seen := make(map[[18]byte]int)
		var f fields
		for n := 0; ; n++ {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				le, ok := formatError(err, lim)
				if !ok {
					return fmt.Errorf("registry: read import file: %w", err)
				}
				rep.add(le)
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
			if len(rec) != len(hdr) {
				rep.add(LineError{Line: line, Msg: fmt.Sprintf("本行有%d列，表头有%d列", len(rec), len(hdr))})
				continue
			}
			for c := range f {
				f[c] = ""
				if idx[c] >= 0 {
					f[c] = rec[idx[c]]
				}
			}
			e, errs := normalize(&f, now)
			for _, fe := range errs {
				rep.add(LineError{Line: line, Column: columnLabel(hdr, idx, fe.col), Code: fe.err.Code, Msg: fe.err.Msg})
			}
			if len(e.USCC) == 18 && !hasUSCCError(errs) {
				key := [18]byte([]byte(e.USCC))
				if first, dup := seen[key]; dup {
					rep.add(LineError{Line: line, Column: hdr[idx[colUSCC]], Code: CodeDuplicate,
						Msg: fmt.Sprintf("统一社会信用代码与第%d行重复", first)})
					continue
				}
				seen[key] = line
			}
			if rep.Failed() {
				continue // keep checking, stop writing: the transaction will be rolled back
			}
			ch, err := t.upsert(ctx, tx, e)
			if err != nil {
				return err
			}
			switch ch {
			case Inserted:
				rep.Inserted++
			case Updated:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		if rep.Rows == 0 && !rep.Failed() {
			rep.add(LineError{Line: 2, Msg: "文件中没有数据行"})
		}
		if rep.Failed() {
			return ErrInvalidFile
		}
		return nil
	})
	if err != nil {
		rep.Inserted, rep.Updated, rep.Unchanged = 0, 0, 0
		if errors.Is(err, ErrInvalidFile) {
			return rep, ErrInvalidFile
		}
		return rep, fmt.Errorf("registry: import: %w", err)
	}
	return rep, nil
}

// CodeDuplicate is the code of a USCC that appears twice in one import file.
const CodeDuplicate = "registry_duplicate"

// columnLabel is the header text of column c, or its Chinese name when the file
// has no such column (a region derived from the USCC).
func columnLabel(hdr []string, idx [numColumns]int, c column) string {
	if idx[c] < 0 {
		return columnInfo[c].zh
	}
	return hdr[idx[c]]
}

func hasUSCCError(errs []fieldError) bool {
	for _, fe := range errs {
		if fe.col == colUSCC {
			return true
		}
	}
	return false
}

// header maps each column to its index in the header row (-1 when absent) and
// records problems at line 1.
func (r *Report) header(hdr []string) [numColumns]int {
	var idx [numColumns]int
	for c := range idx {
		idx[c] = -1
	}
	known := 0
	for i, h := range hdr {
		h = strings.TrimFunc(h, ident.IsTrimmable)
		hdr[i] = h
		c, ok := columnByName(h)
		switch {
		case !ok:
			if h == "" {
				h = fmt.Sprintf("第%d列（无列名）", i+1)
			}
			r.IgnoredColumns = append(r.IgnoredColumns, h)
		case idx[c] >= 0:
			r.add(LineError{Line: 1, Column: h, Msg: "列名重复"})
		default:
			idx[c] = i
			known++
		}
	}
	var missing []string
	for c, i := range idx {
		if i < 0 && !columnInfo[c].optional {
			missing = append(missing, columnInfo[c].zh)
		}
	}
	switch {
	case known == 0:
		r.add(LineError{Line: 1, Msg: "未识别到任何列名：第一行应为表头（如“统一社会信用代码,单位名称,…”），文件编码应为UTF-8或GB18030"})
	case len(missing) > 0:
		r.add(LineError{Line: 1, Msg: "缺少必需的列：" + strings.Join(missing, "、")})
	}
	return idx
}

func columnByName(h string) (column, bool) {
	for c, ci := range columnInfo {
		if h == ci.zh || strings.EqualFold(h, ci.en) {
			return column(c), true
		}
	}
	return 0, false
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimFunc(s, ident.IsTrimmable) != "" {
			return false
		}
	}
	return true
}

// formatError is ReadError as this package's LineError.
func formatError(err error, lim *lines.Limiter) (LineError, bool) {
	line, msg, ok := ReadError(err, lim)
	return LineError{Line: line, Msg: msg}, ok
}

// ReadError turns an error of reading a CSV file through lim — a line over the
// bound, or an encoding/csv syntax error — into its line and a Chinese message; ok
// is false for other errors (reading the file failed). Shared with the other CSV
// importers (internal/insurance, internal/skills).
func ReadError(err error, lim *lines.Limiter) (line int, msg string, ok bool) {
	if errors.Is(err, lines.ErrTooLong) {
		return lim.Line(), lines.TooLongMessage, true
	}
	return CSVSyntaxError(err)
}

// CSVSyntaxError turns an encoding/csv syntax error into the line it starts on and
// a Chinese message; ok is false for other errors.
func CSVSyntaxError(err error) (line int, msg string, ok bool) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return 0, "", false
	}
	msg = "CSV格式错误"
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = "CSV格式错误：未加引号的内容中出现了英文双引号"
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = "CSV格式错误：英文双引号不成对"
	}
	return pe.StartLine, msg, true
}
