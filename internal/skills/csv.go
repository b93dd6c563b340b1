package skills

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"hall/internal/ident"
	"hall/internal/lines"
	"hall/internal/registry"
	"hall/internal/store"
)

// The candidates' CSV file (考生名单), as the plan page documents it:
//
//	姓名,公民身份号码,手机号码
//	张三,110101199003074258,13800138000
//	李四,11010119900307803X,
//
// The first line is the header: 姓名 and 公民身份号码 are required, 手机号码 is
// optional; columns may come in any order, and others are refused so that a wrong
// file is noticed. UTF-8 (with or without a byte-order mark) or GB18030, as a
// spreadsheet saves it. Blank lines are skipped. At most MaxCSVBytes and
// MaxCandidates lines; a line over 64 KB stops the reading (lines.Limiter).
// The import is all or nothing: any refused line — a bad name or number, a person
// twice in the file or already on the list — and nothing is entered, with every
// line's error listed in Chinese.

// MaxCSVBytes bounds an uploaded file: MaxCandidates lines of a few dozen bytes.
const MaxCSVBytes = 256 << 10

// CSV header names.
const (
	headerName     = "姓名"
	headerIDNumber = "公民身份号码"
	headerMobile   = "手机号码"
)

// LineError is one refused line of a CSV file (Line 1 is the header).
type LineError struct {
	Line int
	Msg  string
}

// ImportError is a refused CSV file: every line's errors, in line order. At most
// maxLineErrors are kept, the rest counted in More.
type ImportError struct {
	Lines []LineError
	More  int
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("skills: csv refused (%d errors)", len(e.Lines)+e.More)
}

const maxLineErrors = 50

func (e *ImportError) add(line int, msg string) {
	if len(e.Lines) >= maxLineErrors {
		e.More++
		return
	}
	e.Lines = append(e.Lines, LineError{Line: line, Msg: msg})
}

// ParseCandidates reads a candidates' CSV file and checks every line with the
// rules of the form (the ID number's check digit, region and birth date against
// now's clock). It returns the candidates in file order, or an *ImportError with
// every refused line; other errors are read failures.
func (s *Service) ParseCandidates(r io.Reader) ([]CandidateInput, error) {
	return parseCandidates(r, s.checkCandidate)
}

func parseCandidates(r io.Reader, check func(CandidateInput) (CandidateInput, *Error)) ([]CandidateInput, error) {
	refused := &ImportError{}
	// The file is small (MaxCSVBytes): read it whole, so that an oversized one is
	// refused before any of its lines.
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("skills: read csv: %w", err)
	}
	if len(data) > MaxCSVBytes {
		refused.add(1, fmt.Sprintf("文件超过%d KB，请分批导入", MaxCSVBytes>>10))
		return nil, refused
	}
	src, _, err := registry.DecodeCSV(bytes.NewReader(data))
	if errors.Is(err, registry.ErrUTF16) {
		refused.add(1, "不支持UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”或GB18030编码的CSV文件")
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("skills: read csv: %w", err)
	}
	lim := lines.NewLimiter(src)
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err == io.EOF {
		refused.add(1, "文件为空，第一行应为表头：姓名,公民身份号码,手机号码")
		return nil, refused
	}
	if err != nil {
		if le, ok := formatError(err, lim); ok {
			refused.add(le.Line, le.Msg)
			return nil, refused
		}
		return nil, fmt.Errorf("skills: read csv: %w", err)
	}
	columns, msg := readHeader(hdr)
	if msg != "" {
		refused.add(1, msg)
		return nil, refused
	}
	var (
		out  []CandidateInput
		seen = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			le, ok := formatError(err, lim)
			if !ok {
				return nil, fmt.Errorf("skills: read csv: %w", err)
			}
			refused.add(le.Line, le.Msg)
			if errors.Is(err, lines.ErrTooLong) {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(out)+len(refused.Lines)+refused.More >= MaxCandidates {
			refused.add(line, fmt.Sprintf("名单超过%d人，请分批导入", MaxCandidates))
			break
		}
		in := CandidateInput{Name: field(rec, columns[0]), IDNumber: field(rec, columns[1]), Mobile: field(rec, columns[2])}
		if len(rec) != len(hdr) {
			refused.add(line, fmt.Sprintf("该行有%d列，表头有%d列", len(rec), len(hdr)))
			continue
		}
		in, ferr := check(in)
		if ferr != nil {
			refused.add(line, columnLabel(ferr.Field)+"："+ferr.Msg)
			continue
		}
		if first, dup := seen[in.IDNumber]; dup {
			refused.add(line, fmt.Sprintf("公民身份号码与第%d行重复", first))
			continue
		}
		seen[in.IDNumber] = line
		in.line = line
		out = append(out, in)
	}
	if len(refused.Lines) > 0 {
		return nil, refused
	}
	if len(out) == 0 {
		refused.add(2, "文件中没有考生，表头下每行填写一名考生")
		return nil, refused
	}
	return out, nil
}

// readHeader finds the columns of 姓名, 公民身份号码 and 手机号码 (-1: absent) or
// says what is wrong with the header.
func readHeader(hdr []string) ([3]int, string) {
	columns := [3]int{-1, -1, -1}
	for i, h := range hdr {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		k := slices.Index([]string{headerName, headerIDNumber, headerMobile}, h)
		switch {
		case k < 0:
			return columns, fmt.Sprintf("表头第%d列“%s”不是姓名、公民身份号码或手机号码", i+1, clip(h))
		case columns[k] >= 0:
			return columns, fmt.Sprintf("表头中“%s”出现了两次", h)
		}
		columns[k] = i
	}
	if columns[0] < 0 || columns[1] < 0 {
		return columns, "表头应为：姓名,公民身份号码,手机号码（手机号码可省略）"
	}
	return columns, ""
}

func columnLabel(fieldName string) string {
	switch fieldName {
	case FieldIDNumber:
		return headerIDNumber
	case FieldMobile:
		return headerMobile
	}
	return headerName
}

// clip shortens what the file said for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
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

// ImportCandidates enters the candidates of a CSV file on plan id of the actor's
// unit, all or nothing: a refused line, a person already on the list, or a list
// grown over MaxCandidates, and none is entered. Audit: "skill.candidate.import"
// with how many were entered.
//
// Errors: an *ImportError; ErrNotFound; ErrClosed; ErrTooMany; a delegation
// refusal; ErrNoKeys; database or audit failures.
func (s *Service) ImportCandidates(ctx context.Context, who Actor, id int64, r io.Reader) (int, error) {
	ins, err := s.ParseCandidates(r)
	if err != nil {
		return 0, err
	}
	err = s.unitTx(ctx, who, id, "skill.candidate.import", func(tx *store.Tx, p Plan) (map[string]string, error) {
		if p.Candidates+len(ins) > MaxCandidates {
			return nil, ErrTooMany
		}
		refused := &ImportError{}
		for _, in := range ins {
			there, err := listed(ctx, tx, id, in.IDNumber)
			if err != nil {
				return nil, err
			}
			if there {
				refused.add(in.line, "公民身份号码"+ident.MaskID(in.IDNumber)+"的考生已在本计划的名单中")
			}
		}
		if len(refused.Lines) > 0 {
			return nil, refused
		}
		for _, in := range ins {
			if _, err := s.insertCandidate(ctx, tx, id, in); err != nil {
				return nil, err
			}
		}
		return map[string]string{"imported": itoa(len(ins)), "candidates": itoa(p.Candidates + len(ins))}, nil
	})
	if err != nil {
		return 0, err
	}
	return len(ins), nil
}
