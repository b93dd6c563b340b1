package web

import (
	"net/http"

	"hall/internal/cases"
	"hall/internal/rights"
)

// ServeCaseResult sends the result notice of an approved case (cases.Result, read
// and audited by the caller) as the bureau's sealed and signed PDF
// (rights.Service.NoticePDF), a download as stored files are. It is produced on
// each request from the case as stored rather than kept: the case's facts do not
// change after 办结, so nothing would be gained by storing a copy, and there is
// no file to lose or to keep in step with the case.
func (s *Server) ServeCaseResult(w http.ResponseWriter, res cases.Result) error {
	var rows []rights.NoticeRow
	for _, f := range res.Rows() {
		rows = append(rows, rights.NoticeRow{Label: f.Label, Value: f.Value})
	}
	pdf, err := s.Rights.NoticePDF(rights.Notice{Title: res.Title, Rows: rows, Issued: res.Decided})
	if err != nil {
		return err
	}
	return ServeAttachment(w, "application/pdf", res.FileName(), pdf)
}
