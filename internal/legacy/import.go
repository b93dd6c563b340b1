package legacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/lines"
	"hall/internal/registry"
	"hall/internal/store"
)

// ErrInvalidFile: the import file has problems (Report.Errors); nothing was loaded.
var ErrInvalidFile = errors.New("legacy: invalid import file")

// Header texts of the import file's columns.
const (
	ColNumber = "单位编号"
	ColUSCC   = "统一社会信用代码"
	ColName   = "单位名称"
	ColHash   = "密码哈希"
)

var columns = []string{ColNumber, ColUSCC, ColName, ColHash}

// MaxReportedErrors bounds Report.Errors; more problems are only counted.
const MaxReportedErrors = 100

// progressEvery is how many data rows pass between two progress lines.
const progressEvery = 1000

// LineError is one problem of an import file.
type LineError struct {
	Line   int    // 1-based; the header is line 1
	Column string // the column's header text, "" for the whole line
	Msg    string // Chinese, never quoting the value
}

func (e LineError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("第%d行：%s", e.Line, e.Msg)
	}
	return fmt.Sprintf("第%d行 %s：%s", e.Line, e.Column, e.Msg)
}

// Report says what an import did. The counts are zero when the file had errors.
type Report struct {
	Encoding                     string
	Rows                         int
	Inserted, Updated, Unchanged int
	// Upgraded counts lines of accounts upgraded already, which are left as they are.
	Upgraded   int
	Errors     []LineError
	MoreErrors int
}

// Failed reports whether the file had errors (so nothing was loaded).
func (r *Report) Failed() bool { return len(r.Errors) > 0 }

func (r *Report) add(e LineError) {
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, e)
	} else {
		r.MoreErrors++
	}
}

// Line is one import line once checked and normalised.
type Line struct {
	Number, USCC, Name, Hash string
}

// Messages of the line checks.
const (
	msgNumberMissing = "单位编号不能为空"
	msgUSCCMissing   = "统一社会信用代码不能为空"
	msgNameMissing   = "单位名称不能为空"
	msgNameInvalid   = "单位名称不能超过100个字符，且不能含控制字符"
	msgHashMissing   = "密码哈希不能为空"
)

// ParseLine checks one line's four values (in the order 单位编号, 统一社会信用代码,
// 单位名称, 密码哈希) and returns the line normalised, or a problem per column keyed by
// its header text. It is what the import does with every data line.
func ParseLine(number, uscc, name, hash string) (Line, map[string]string) {
	var l Line
	errs := map[string]string{}
	switch n, ok := NormalizeNumber(number); {
	case strings.TrimSpace(number) == "":
		errs[ColNumber] = msgNumberMissing
	case !ok:
		errs[ColNumber] = "单位编号应为4至32位字母、数字或“-”"
	default:
		l.Number = n
	}
	if strings.TrimSpace(uscc) == "" {
		errs[ColUSCC] = msgUSCCMissing
	} else if u, err := ident.ValidateUSCC(uscc); err != nil {
		errs[ColUSCC] = formerr.FieldMsg(err, ident.ErrUSCCFormat.Msg)
	} else {
		l.USCC = u
	}
	nm := strings.Join(strings.Fields(ident.Fold(name)), " ")
	switch {
	case nm == "":
		errs[ColName] = msgNameMissing
	case !utf8.ValidString(nm) || utf8.RuneCountInString(nm) > 100 || strings.ContainsFunc(nm, isControl):
		errs[ColName] = msgNameInvalid
	default:
		l.Name = nm
	}
	h := strings.TrimSpace(hash)
	if h == "" {
		errs[ColHash] = msgHashMissing
	} else if _, err := ParseHash(h); err != nil {
		errs[ColHash] = HashMsg(err)
	} else {
		l.Hash = h
	}
	if len(errs) > 0 {
		return Line{}, errs
	}
	return l, nil
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// Importer loads legacy accounts.
type Importer struct {
	DB  *store.DB
	Now func() time.Time // nil: time.Now
	// Progress, when set, gets a line every progressEvery data rows.
	Progress io.Writer
	// Accounts, when set, is told of a committed import (Store.Imported), so that
	// it chooses unknown numbers' dummies among the new accounts at once; a store
	// in another process reads the range again within rangeMaxAge.
	Accounts *Store
}

// ImportFile is Import of the named file, printing the report's errors to out.
//
// Errors: as Import, and the file's open error.
func (im *Importer) ImportFile(ctx context.Context, path string, out io.Writer) (Report, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator names the file on the command line.
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	rep, err := im.Import(ctx, f)
	for _, e := range rep.Errors {
		fmt.Fprintln(out, e.String())
	}
	if rep.MoreErrors > 0 {
		fmt.Fprintf(out, "另有%d处错误未列出\n", rep.MoreErrors)
	}
	if err == nil {
		fmt.Fprintf(out, "历史单位账户导入完成（%s）：共%d行，新增%d，更新%d，未变%d，已升级未改动%d\n",
			rep.Encoding, rep.Rows, rep.Inserted, rep.Updated, rep.Unchanged, rep.Upgraded)
	} else if errors.Is(err, ErrInvalidFile) {
		fmt.Fprintf(out, "文件有%d处错误，未导入任何数据\n", len(rep.Errors)+rep.MoreErrors)
	}
	return rep, err
}

// Import loads a legacy account CSV (format in the package documentation) in one
// transaction: every line is inserted, updated or found unchanged; an account
// upgraded already is left as it is. When any line is bad nothing is written and
// the report lists the problems.
//
// Errors: ErrInvalidFile (see Report.Errors); a read error of r; a database
// failure. Nothing is loaded whenever the error is non-nil.
func (im *Importer) Import(ctx context.Context, r io.Reader) (Report, error) {
	var rep Report
	now := time.Now()
	if im.Now != nil {
		now = im.Now()
	}
	now = store.Time(now)
	src, enc, err := registry.DecodeCSV(r)
	if errors.Is(err, registry.ErrUTF16) {
		rep.add(LineError{Line: 1, Msg: "不支持UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”或GB18030编码的CSV文件"})
		return rep, ErrInvalidFile
	}
	if err != nil {
		return rep, fmt.Errorf("legacy: read import file: %w", err)
	}
	rep.Encoding = enc
	fileLines := newLineReader(src)
	var hdr []string
	for hdr == nil {
		text, n, err := fileLines.next()
		switch {
		case err == io.EOF:
			rep.add(LineError{Line: 1, Msg: "文件为空，第一行应为表头"})
			return rep, ErrInvalidFile
		case errors.Is(err, lines.ErrTooLong):
			rep.add(LineError{Line: n, Msg: lines.TooLongMessage})
			return rep, ErrInvalidFile
		case err != nil:
			return rep, fmt.Errorf("legacy: read import file: %w", err)
		}
		if hdr, err = splitLine(text); err != nil {
			rep.add(LineError{Line: n, Msg: "表头不是有效的CSV格式"})
			return rep, ErrInvalidFile
		}
	}
	idx := map[string]int{}
	for i, h := range hdr {
		idx[strings.TrimFunc(ident.Fold(h), ident.IsTrimmable)] = i
	}
	for _, c := range columns {
		if _, ok := idx[c]; !ok {
			rep.add(LineError{Line: 1, Msg: "表头缺少“" + c + "”列"})
		}
	}
	if rep.Failed() {
		return rep, ErrInvalidFile
	}
	err = im.DB.Tx(ctx, func(tx *store.Tx) error {
		seen := map[string]int{}
		for {
			text, line, err := fileLines.next()
			if err == io.EOF {
				break
			}
			if errors.Is(err, lines.ErrTooLong) {
				rep.add(LineError{Line: line, Msg: lines.TooLongMessage})
				continue
			}
			if err != nil {
				return fmt.Errorf("legacy: read import file: %w", err)
			}
			rec, err := splitLine(text)
			if err != nil {
				rep.add(LineError{Line: line, Msg: "不是有效的CSV格式（请检查引号）"})
				continue
			}
			if blank(rec) {
				continue
			}
			rep.Rows++
			if im.Progress != nil && rep.Rows%progressEvery == 0 {
				fmt.Fprintf(im.Progress, "已读取%d行\n", rep.Rows)
			}
			if len(rec) != len(hdr) {
				rep.add(LineError{Line: line, Msg: fmt.Sprintf("本行有%d列，表头有%d列", len(rec), len(hdr))})
				continue
			}
			l, errs := ParseLine(rec[idx[ColNumber]], rec[idx[ColUSCC]], rec[idx[ColName]], rec[idx[ColHash]])
			for _, c := range columns {
				if m, ok := errs[c]; ok {
					rep.add(LineError{Line: line, Column: c, Msg: m})
				}
			}
			if l.Number != "" {
				if first, dup := seen[l.Number]; dup {
					rep.add(LineError{Line: line, Column: ColNumber, Msg: fmt.Sprintf("单位编号与第%d行重复", first)})
					continue
				}
				seen[l.Number] = line
			}
			if rep.Failed() {
				continue // keep checking, stop writing: the transaction is rolled back
			}
			ch, err := Put(ctx, tx, l, now)
			if err != nil {
				return err
			}
			switch ch {
			case Inserted:
				rep.Inserted++
			case Updated:
				rep.Updated++
			case Unchanged:
				rep.Unchanged++
			default:
				rep.Upgraded++
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
		rep.Inserted, rep.Updated, rep.Unchanged, rep.Upgraded = 0, 0, 0, 0
		if errors.Is(err, ErrInvalidFile) {
			return rep, ErrInvalidFile
		}
		return rep, fmt.Errorf("legacy: import: %w", err)
	}
	if im.Accounts != nil {
		im.Accounts.Imported()
	}
	return rep, nil
}

// Change is what Put did with a line.
type Change int

// What Put did.
const (
	Inserted Change = iota
	Updated
	Unchanged
	KeptUpgraded // the account was upgraded already and is left as it is
)

// Put writes one checked line inside tx: a new account, an update of an active
// one, nothing for an identical one or one upgraded already.
//
// Errors: database failures.
func Put(ctx context.Context, tx *store.Tx, l Line, now time.Time) (Change, error) {
	now = store.Time(now)
	var id int64
	var uscc, name, hash, state string
	err := tx.QueryRow(ctx, `SELECT id, uscc, unit_name, password_hash, state FROM legacy_accounts WHERE unit_number = ?`,
		l.Number).Scan(&id, &uscc, &name, &hash, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.Exec(ctx, `INSERT INTO legacy_accounts (unit_number, uscc, unit_name, password_hash, state, imported_at, updated_at)
			VALUES (?, ?, ?, ?, 'active', ?, ?)`, l.Number, l.USCC, l.Name, l.Hash, now, now)
		if err != nil {
			return 0, fmt.Errorf("legacy: insert: %w", err)
		}
		return Inserted, nil
	case err != nil:
		return 0, fmt.Errorf("legacy: read: %w", err)
	case state != StateActive:
		return KeptUpgraded, nil
	case uscc == l.USCC && name == l.Name && hash == l.Hash:
		return Unchanged, nil
	}
	_, err = tx.Exec(ctx, `UPDATE legacy_accounts SET uscc = ?, unit_name = ?, password_hash = ?, updated_at = ?
		WHERE id = ? AND state = 'active'`, l.USCC, l.Name, l.Hash, now, id)
	if err != nil {
		return 0, fmt.Errorf("legacy: update: %w", err)
	}
	return Updated, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimFunc(c, ident.IsTrimmable) != "" {
			return false
		}
	}
	return true
}
