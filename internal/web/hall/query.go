package hall

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"hall/internal/cases"
	"hall/internal/token"
	"hall/internal/web"
)

// 查询服务 (SPEC H1): the public look-ups anyone may make without signing in, each
// a GET form on /query:
//   - the rights record's authenticity (A4) for someone who has the record's link
//     but no phone to scan its QR code: they paste the link (or the code at its
//     end) and land on /verify/{id}, which counts look-ups per address;
//   - 办件进度查询: a case's progress by its 办件编号 (申办流水号) and its unit's
//     统一社会信用代码 (cases.Service.PublicProgress). Malformed fields are refused
//     beside them before anything is counted or read; a well-formed look-up counts
//     against the client address and against the USCC typed, in one throttle
//     Begin (cases.ProgressKeys: ScopeProgressAddr, ScopeProgressUSCC), so that
//     many addresses cannot walk one unit's case numbers; past either, 429 with
//     Retry-After and one message, whichever key refused; every miss is one message with one status (404), and a hit shows
//     the item, the state and the dates only.

// The form fields of the look-ups.
const (
	fieldRecordLink = "link"
	fieldCaseNumber = cases.ProgressFieldNumber
	fieldCaseUSCC   = cases.ProgressFieldUSCC
)

// queryData is the template data of /query.
type queryData struct {
	Form *web.Form // the rights-record look-up
	Case *web.Form // 办件进度查询; Case.Top is its answer to a miss or a refusal
	// Progress is the case found, nil when none was asked for or found.
	Progress *cases.Progress
}

// NumberField is 办件进度查询's case-number input.
func (d queryData) NumberField() web.Field {
	return d.Case.Field(fieldCaseNumber, "办件编号", "text", "即“单位办件”和短信中的申办流水号：14位数字，如 20260413000001")
}

// USCCField is 办件进度查询's USCC input.
func (d queryData) USCCField() web.Field {
	return d.Case.Field(fieldCaseUSCC, "统一社会信用代码", "text", "办件所属单位的18位统一社会信用代码")
}

// LinkField is the rights-record link input.
func (d queryData) LinkField() web.Field {
	f := d.Form.Field(fieldRecordLink, "权益单验证链接", "text",
		"扫描权益单右上方二维码得到的链接，或链接末尾“/verify/”之后的验证码")
	f.Autocomplete = "off"
	return f
}

// queryShow is GET /query: the look-ups, and with ?link= the rights-record one:
// a well-formed link redirects to its verify page, anything else is refused beside
// the field. Nothing is read from the database here.
func (s *handler) queryShow(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(nil)
	d := queryData{Form: f, Case: web.NewForm(nil)}
	q := r.URL.Query()
	if q.Has(fieldCaseNumber) || q.Has(fieldCaseUSCC) {
		return s.caseProgress(w, r, d)
	}
	if raw, asked := q[fieldRecordLink]; asked {
		link := strings.TrimSpace(strings.Join(raw, ""))
		f.Values.Set(fieldRecordLink, link)
		id, ok := recordIDFromLink(link)
		switch {
		case link == "":
			f.Fail(fieldRecordLink, "请输入权益单验证链接")
		case !ok:
			f.Fail(fieldRecordLink, "无法识别该链接：请输入权益单二维码中的完整链接，形如 …/verify/ 加43位验证码")
		default:
			// #nosec G710 -- a local path with an id the hall checked.
			http.Redirect(w, r, "/verify/"+id, http.StatusSeeOther)
			return nil
		}
	}
	return s.Render(w, r, http.StatusOK, "query", "查询服务", "query", d)
}

// msgProgressTooMany is 办件进度查询's refusal past the address's or the USCC's
// share: one message, so that it does not tell which.
const msgProgressTooMany = "查询过于频繁，请于 %s 后再试。"

// caseProgress is GET /query?number=&uscc=: 办件进度查询. Fields that are not well
// formed are refused beside them (200, nothing counted or read); otherwise the
// look-up is counted, then made: 200 with the progress, 404 with the one message
// of every miss, 429 with Retry-After past the limit.
func (s *handler) caseProgress(w http.ResponseWriter, r *http.Request, d queryData) error {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	number, uscc := strings.TrimSpace(q.Get(fieldCaseNumber)), strings.TrimSpace(q.Get(fieldCaseUSCC))
	d.Case.Values.Set(fieldCaseNumber, number)
	d.Case.Values.Set(fieldCaseUSCC, uscc)
	pq, errs := cases.CheckProgressQuery(number, uscc)
	if errs != nil {
		for name, msg := range errs {
			d.Case.Fail(name, msg)
		}
		return s.Render(w, r, http.StatusOK, "query", "查询服务", "query", d)
	}
	tk, err := s.AnonymousReserveKeys(r, cases.ProgressKeys(s.Throttle, web.ClientAddr(r), pq))
	var limited *web.AnonymousRateError
	if errors.As(err, &limited) {
		limited.SetRetryAfter(w, s.Now())
		d.Case.Top = fmt.Sprintf(msgProgressTooMany, limited.Until.In(web.Shanghai).Format("15:04"))
		return s.Render(w, r, http.StatusTooManyRequests, "query", "查询服务", "query", d)
	} else if err != nil {
		return err
	}
	p, err := s.Cases.PublicProgress(r.Context(), pq)
	s.AnonymousDone(r, tk, err == nil || errors.Is(err, cases.ErrNoProgress))
	switch {
	case errors.Is(err, cases.ErrNoProgress):
		d.Case.Top = cases.MsgNoProgress
		return s.Render(w, r, http.StatusNotFound, "query", "查询服务", "query", d)
	case err != nil:
		return err
	}
	d.Progress = &p
	return s.Render(w, r, http.StatusOK, "query", "查询服务", "query", d)
}

// recordIDFromLink finds the rights record's verification ID in what a person
// pasted: the QR code's whole link (any host: the verify page says whether this
// hall issued it), the path, or the ID alone. It reports false for anything that
// does not end in a well-formed ID.
func recordIDFromLink(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && u.Path != "" {
		s = u.Path
	}
	if i := strings.LastIndex(s, "/verify/"); i >= 0 {
		s = s[i+len("/verify/"):]
	}
	s = strings.TrimSuffix(s, "/")
	if !token.Valid(s) {
		return "", false
	}
	return s, true
}
