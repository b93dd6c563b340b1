package cases

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
	"hall/internal/throttle"
)

// 办件进度查询 (SPEC H1 查询服务): anyone may ask how a case stands by its 申办流水号
// and its unit's 统一社会信用代码, without signing in. Case numbers are the day and a
// sequence, so they are easy to guess: the number alone reveals nothing, the pair
// must match, and a miss — an unknown number, or the number of another unit's case
// — is one answer, found by the same database work (PublicProgress). What a match
// shows is what a passer-by who knows both may see: the item's name, the state and
// the dates of the timeline; never the reasons, the applicant, the employee or the
// unit's name.

// ScopeProgressAddr counts the look-ups of 办件进度查询 per client address;
// ProgressAddrLimits are its limits, which services adds to the throttle's
// configuration.
const ScopeProgressAddr throttle.Scope = "case-progress-addr"

// ProgressAddrLimits: every look-up counts (KeepOnSuccess); the 31st within 10
// minutes is refused until the window ends. A unit checks a few of its cases; a
// script walking the sequence of a day for a known unit is held to 3 a minute.
// CaptchaAfter equals LockAfter: the page has no captcha.
var ProgressAddrLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 30, LockAfter: 30,
	LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}

// ScopeProgressUSCC counts the look-ups of 办件进度查询 per USCC typed, whatever the
// address: a USCC is public and a unit's case numbers are a day and a sequence, so
// someone with many addresses could otherwise walk one unit's numbers.
// ProgressUSCCLimits are its limits, which services adds to the throttle's
// configuration.
const ScopeProgressUSCC throttle.Scope = "case-progress-uscc"

// ProgressUSCCLimits: 100 look-ups of one unit's cases an hour; the 101st is
// refused until the hour's window ends. Every look-up counts, the hit as the miss:
// giving a hit back would make a hit write what a miss does not, and the answer's
// time would tell them apart. The window is an hour, not a day, because a USCC is
// public: anyone may use up a unit's look-ups, and the unit should not lose its
// public look-up for longer than that (it can always sign in: 单位办件); a walk
// is held to 2,400 guesses a day against a province's daily case numbers.
// CaptchaAfter equals LockAfter: the page has no captcha.
var ProgressUSCCLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 100, LockAfter: 100,
	LockFor: time.Hour, Window: time.Hour, OnSuccess: throttle.KeepOnSuccess}

// ProgressKeys are the throttle keys one look-up q from the client address addr
// counts on, in one throttle.Begin: the address (ScopeProgressAddr) and the USCC
// typed (ScopeProgressUSCC, keyed by its normalized form, so that every spelling
// of one code shares the count).
func ProgressKeys(th *throttle.Throttle, addr string, q ProgressQuery) []throttle.Key {
	return []throttle.Key{th.AddrKey(ScopeProgressAddr, addr), th.AccountKey(ScopeProgressUSCC, q.USCC)}
}

// The look-up's fields, as CheckProgressQuery names its messages.
const (
	ProgressFieldNumber = "number"
	ProgressFieldUSCC   = "uscc"
)

// The messages of the look-up's fields and its one answer to a miss.
const (
	MsgNumberEmpty  = "请输入办件编号"
	MsgNumberFormat = "办件编号为14位数字：申请日期8位加当日序号6位，如 20260413000001"
	MsgUSCCEmpty    = "请输入统一社会信用代码"
	MsgNoProgress   = "未查到该办件：请核对办件编号和统一社会信用代码"
)

// ErrNoProgress is PublicProgress's answer to every miss.
var ErrNoProgress = &Error{"no_progress", MsgNoProgress}

// ParseNumber checks a typed 申办流水号 (nextNumber's format: the day of
// application as YYYYMMDD, a real date, then a sequence of six digits from 000001)
// and returns it without the spaces around it and with full-width digits folded.
// It reports false for anything else.
func ParseNumber(s string) (string, bool) {
	n := strings.TrimFunc(ident.Fold(s), ident.IsTrimmable)
	if len(n) != 14 {
		return "", false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", false
		}
	}
	if d, err := time.ParseInLocation("20060102", n[:8], chinatime.Zone); err != nil || d.Format("20060102") != n[:8] {
		return "", false
	}
	if n[8:] == "000000" {
		return "", false
	}
	return n, true
}

// ProgressQuery is what the visitor typed, checked: Number by ParseNumber, USCC by
// ident.ValidateUSCC (both normalized).
type ProgressQuery struct {
	Number string
	USCC   string
}

// CheckProgressQuery checks the two fields of the look-up and returns the query
// or the message of each field that is wrong (keyed ProgressFieldNumber and
// ProgressFieldUSCC).
func CheckProgressQuery(number, uscc string) (ProgressQuery, map[string]string) {
	var q ProgressQuery
	errs := map[string]string{}
	var ok bool
	switch {
	case strings.TrimSpace(number) == "":
		errs[ProgressFieldNumber] = MsgNumberEmpty
	default:
		if q.Number, ok = ParseNumber(number); !ok {
			errs[ProgressFieldNumber] = MsgNumberFormat
		}
	}
	if strings.TrimSpace(uscc) == "" {
		errs[ProgressFieldUSCC] = MsgUSCCEmpty
	} else {
		var err error
		var fe *ident.FieldError
		if q.USCC, err = ident.ValidateUSCC(uscc); errors.As(err, &fe) {
			errs[ProgressFieldUSCC] = fe.Msg
		} else if err != nil {
			errs[ProgressFieldUSCC] = ident.ErrUSCCFormat.Msg
		}
	}
	if len(errs) > 0 {
		return ProgressQuery{}, errs
	}
	return q, nil
}

// Progress is what 办件进度查询 shows of a case.
type Progress struct {
	Number   string
	ItemName string
	State    State
	Channel  Channel        // a counter case is corrected at the counter, not online
	Steps    []ProgressStep // oldest first
}

// ProgressStep is one row of the public timeline: the step and when, nothing more.
type ProgressStep struct {
	Step Step
	At   time.Time
}

// Returned reports whether the unit is to correct the case (退回补正): the page then
// tells it to sign in, where the reason is, or for a counter case to come to the
// counter (AtCounter).
func (p Progress) Returned() bool { return p.State == StateReturned }

// AtCounter reports whether the case was entered at the counter (窗口办理).
func (p Progress) AtCounter() bool { return p.Channel == ChannelCounter }

// noUSCC is compared against when no case has the number, so that a miss does the
// same work as a match: it is no valid code, so it matches nothing typed.
const noUSCC = "000000000000000000"

// PublicProgress is the case numbered q.Number if its unit's USCC is q.USCC. Both
// a hit and a miss read the case by its number (one indexed row, or none), compare
// the USCC in constant time, and read the timeline (of no case on a miss), so that
// the answer's time does not tell an unknown number from another unit's.
// Errors: ErrNoProgress for every miss; database failures.
func (s *Service) PublicProgress(ctx context.Context, q ProgressQuery) (Progress, error) {
	var (
		id    int64
		uscc  string
		p     = Progress{Number: q.Number}
		found = true
	)
	err := s.d.DB.QueryRow(ctx, `SELECT c.id, u.uscc, COALESCE(i.name, c.item_code), c.state, c.channel FROM cases c
		JOIN units u ON u.id = c.unit_id LEFT JOIN catalog_items i ON i.code = c.item_code WHERE c.number = ?`,
		q.Number).Scan(&id, &uscc, &p.ItemName, &p.State, &p.Channel)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		found, id, uscc = false, 0, noUSCC
	case err != nil:
		return Progress{}, fmt.Errorf("cases: progress: %w", err)
	}
	match := subtle.ConstantTimeCompare([]byte(uscc), []byte(q.USCC)) == 1
	if !match {
		id = 0 // read no case's timeline, as for an unknown number
	}
	steps, err := s.progressSteps(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	if !found || !match {
		return Progress{}, ErrNoProgress
	}
	p.Steps = steps
	return p, nil
}

// progressSteps is the public timeline of case id: steps and times only.
func (s *Service) progressSteps(ctx context.Context, id int64) ([]ProgressStep, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT step, at FROM case_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("cases: progress: %w", err)
	}
	defer rows.Close()
	var out []ProgressStep
	for rows.Next() {
		var st ProgressStep
		if err := rows.Scan(&st.Step, &st.At); err != nil {
			return nil, fmt.Errorf("cases: progress: %w", err)
		}
		st.At = st.At.UTC()
		out = append(out, st)
	}
	return out, rows.Err()
}
