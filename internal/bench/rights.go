package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"hall/internal/chinatime"
	"hall/internal/insurance"
)

// The rights-record scenario (单位权益单, SPEC U3): each client is a unit user on
// the 单位权益单 page who produces a record and downloads it, again and again. One
// request of the report is that whole step: POST /unit/rights with the period
// (the last RightsMonths full months) and every insurance type the form offers,
// which builds, signs and stores the PDF and answers 303 to the list with the new
// record (?issued=ID), then GET /unit/rights/ID/file, which must be the PDF. Every
// step stores one more record and its PDF in the hall's database (about 50 KB for
// 50 employees, 330 KB for 3,000).

// DefaultRightsMonths is the period of the records the scenario produces: the
// last 12 full months, as the in-process benchmark (internal/rights) uses.
const DefaultRightsMonths = 12

// rightsWorker produces records as one signed-in unit user.
type rightsWorker struct {
	t    *target
	c    *http.Client
	form url.Values // from, to, types and the CSRF token
}

// issuedID is the record the list's address names after a record is produced.
var issuedID = regexp.MustCompile(`^/unit/rights\?issued=(\d+)$`)

// typeBox is an insurance type's checkbox on the 单位权益单 form.
var typeBox = regexp.MustCompile(`name="types" value="([a-z_]+)"`)

func (w *rightsWorker) do(ctx context.Context) (outcome, time.Duration, string) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.t.base+"/unit/rights", strings.NewReader(w.form.Encode()))
	if err != nil {
		return outcomeError, 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, header, body, err := sendFull(w.c, req)
	if kind, what := classify(status, http.StatusSeeOther, err); kind != outcomeOK {
		if kind == outcomeError {
			what = "POST /unit/rights: " + what + alertOf(body)
		}
		return kind, time.Since(start), what
	}
	m := issuedID.FindStringSubmatch(header.Get("Location"))
	if m == nil {
		return outcomeError, time.Since(start), fmt.Sprintf("POST /unit/rights: redirected to %q, not to the new record", header.Get("Location"))
	}
	path := "/unit/rights/" + m[1] + "/file"
	if req, err = http.NewRequestWithContext(ctx, http.MethodGet, w.t.base+path, nil); err != nil {
		return outcomeError, 0, err.Error()
	}
	status, header, body, err = sendFull(w.c, req)
	kind, what := classify(status, http.StatusOK, err)
	switch {
	case kind == outcomeError:
		what = "GET " + path + ": " + what + alertOf(body)
	case kind == outcomeOK && (header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-"))):
		kind, what = outcomeError, fmt.Sprintf("GET %s: %q of %d bytes, not a PDF", path, header.Get("Content-Type"), len(body))
	}
	return kind, time.Since(start), what
}

// rightsPeriod is the last months full months before now's month in China, as
// the form's YYYY-MM values.
func rightsPeriod(now time.Time, months int) (from, to string) {
	last := insurance.MonthOf(now.In(chinatime.Zone)).Add(-1)
	return last.Add(-(months - 1)).String(), last.String()
}

// newRightsWorker signs c in as a and reads the 单位权益单 form: its CSRF token and
// the insurance types it offers the unit.
func (t *target) newRightsWorker(ctx context.Context, a Account, months int) (*rightsWorker, error) {
	w := &rightsWorker{t: t, c: t.client(true)}
	if err := t.signIn(ctx, w.c, a); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/unit/rights", nil)
	if err != nil {
		return nil, err
	}
	status, body, err := send(w.c, req)
	if err != nil {
		return nil, fmt.Errorf("rights-record: GET /unit/rights: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("rights-record: GET /unit/rights as %s %s answered %d, want 200 (may this login produce records?)", a.Account, a.Login, status)
	}
	from, to := rightsPeriod(time.Now(), months)
	w.form = url.Values{"from": {from}, "to": {to}}
	if m := csrfMeta.FindSubmatch(body); m != nil {
		w.form.Set("csrf_token", string(m[1]))
	}
	for _, m := range typeBox.FindAllSubmatch(body, -1) {
		w.form.Add("types", string(m[1]))
	}
	if len(w.form["types"]) == 0 {
		return nil, fmt.Errorf("rights-record: the form offers unit %s no insurance type (no insurance data?)", a.Account)
	}
	return w, nil
}

// rightsMonthsValid bounds the period the tool asks for: the hall's own limit
// (rights.DefaultRules.MaxMonths).
func rightsMonthsValid(months int) error {
	if months < 1 || months > 36 {
		return fmt.Errorf("bench: a rights record covers 1–36 months, not %d", months)
	}
	return nil
}
