package unitcenter

import (
	"bufio"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"hall/internal/insurance"
	"hall/internal/web"
)

// GET /unit/info/export: the CSV of one tab as the page shows it (the same filter,
// order and month), all of it from the top, streamed a page of the read model at a
// time (insurance.Stream) so that a 3,000-employee unit's 36 months of payments never
// sit in memory. UTF-8 with a byte-order mark by default; ?encoding=gb18030 for
// Excel versions that read CSV in the system's code page. Names and ID numbers are
// masked as on the page.

// infoEncodingGB18030 is the value of ?encoding= for the GB18030 file.
const infoEncodingGB18030 = "gb18030"

// infoExportBuffer is the writer's buffer: a few hundred lines go out at a time.
const infoExportBuffer = 32 << 10

// unitInfoExport is GET /unit/info/export (behind UnitCenterGuard).
func (s *handler) unitInfoExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	vis := web.VisitorFrom(ctx)
	v := infoViewOf(r.URL.Query()).keyed(vis.Unit.USCC, s.Cases.EmployeeKey)
	v.After, v.Before = "", ""
	if err := s.infoResolve(ctx, vis.Unit.USCC, &v); err != nil {
		return err
	}
	now := insurance.MonthOf(s.Now().In(web.Shanghai))
	latest := v.Month
	if v.Tab.Key == "bases" && latest == 0 {
		var err error
		if latest, err = s.infoLatestMonth(r, vis.Unit.USCC, now); err != nil {
			return err
		}
	}
	q := v.query(vis.Unit.USCC, now, latest)
	gb := r.URL.Query().Get(infoParamEncoding) == infoEncodingGB18030

	name := "单位信息-" + v.Tab.Label + "-" + s.Now().In(web.Shanghai).Format("20060102") + ".csv"
	h := w.Header()
	charset := "utf-8"
	if gb {
		charset = "gb18030"
	}
	h.Set("Content-Type", "text/csv; charset="+charset)
	h.Set("Content-Disposition", "attachment; filename=\"export.csv\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("X-Content-Type-Options", "nosniff")

	sent := &infoSentWriter{w: w}
	var out io.Writer = sent
	var enc io.WriteCloser
	if gb {
		enc = transform.NewWriter(sent, simplifiedchinese.GB18030.NewEncoder())
		out = enc
	}
	buf := bufio.NewWriterSize(out, infoExportBuffer)
	if !gb {
		_, _ = buf.WriteString("\ufeff") // Excel reads UTF-8 only after a byte-order mark
	}
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true
	err := cw.Write(v.Tab.Headers)
	if err == nil {
		err = v.Tab.read.stream(ctx, s.Insurance, q, func(cells []string) error { return cw.Write(cells) })
	}
	if err == nil {
		// (csv's writer is buf itself: bufio reuses a large enough bufio.Writer, so a
		// flush after a failure would send the header of a file that fails.)
		cw.Flush()
		err = cw.Error()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err == nil && enc != nil {
		err = enc.Close()
	}
	switch {
	case err != nil && !sent.any:
		// Nothing is out yet: an error page instead of a file.
		h.Del("Content-Disposition")
		h.Del("Content-Type")
		return err
	case err != nil:
		// The status and part of the file are out: the download ends short, which the
		// browser reports as failed; the log says why.
		s.Log.ErrorContext(ctx, "unit info export", "tab", v.Tab.Key, "err", err, "request_id", web.RequestID(ctx))
		panic(http.ErrAbortHandler)
	}
	return nil
}

// infoSentWriter notes whether any byte of the file went out.
type infoSentWriter struct {
	w   io.Writer
	any bool
}

func (s *infoSentWriter) Write(p []byte) (int, error) {
	s.any = s.any || len(p) > 0
	return s.w.Write(p)
}
