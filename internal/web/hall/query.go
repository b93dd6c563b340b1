package hall

import (
	"net/http"
	"net/url"
	"strings"

	"hall/internal/token"
	"hall/internal/web"
)

// 查询服务 (SPEC H1): the public look-ups anyone may make without signing in. Today
// that is the rights record's authenticity (A4) for someone who has the record's
// link but no phone to scan its QR code: they paste the link (or the code at its
// end) and land on /verify/{id}, which counts look-ups per address. Case look-ups
// by number join here when online cases exist.

// fieldRecordLink is the form field of the rights-record look-up.
const fieldRecordLink = "link"

// queryData is the template data of /query.
type queryData struct {
	Form *web.Form
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
	if raw, asked := r.URL.Query()[fieldRecordLink]; asked {
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
	return s.Render(w, r, http.StatusOK, "query", "查询服务", "query", queryData{Form: f})
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
