package web

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Detached is a response whose connection has been taken from net/http, so that a
// long poll can wait for its answer without a goroutine: net/http keeps one
// goroutine, its grown stack, a background reader and two 4 KB buffers for every
// request in progress, about 45 KB a waiting page; a detached one keeps the socket
// and the headers. The answer closes the connection (Connection: close); the
// client opens another for its next request.
type Detached struct {
	conn net.Conn
	// fields are the headers Detach found, kept as a list while the page waits:
	// the strings are the middleware's own (most of them constants), and the list
	// costs about half a map of them. header is made from it when asked for.
	fields []headerField
	header http.Header
	head   bool         // a HEAD request: the answer has headers only
	later  *laterAnswer // the access log's line, written at the answer; nil outside the middleware
}

// headerField is one value of a header.
type headerField struct{ name, value string }

// Detach takes the connection of the request w answers, with the headers the
// middleware has set on w so far (security headers, request ID, cookies). The
// handler then returns at once and answers later with Answer, exactly once. It
// returns false when the connection cannot be taken — an HTTP/2 request, or a
// test's recorder — and w is then untouched for an answer as usual.
//
// The request's context ends when the handler returns: what waits must not
// depend on it (context.WithoutCancel keeps its values).
func Detach(w http.ResponseWriter, r *http.Request) (*Detached, bool) {
	conn, buffered, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false
	}
	// The buffers are dropped, and with them their 8 KB while the page waits. A
	// request pipelined behind this one would be lost with the read buffer; no
	// browser pipelines, and the answer's Connection: close tells any client to
	// send it again.
	_ = buffered
	later, _ := r.Context().Value(laterAnswerKey).(*laterAnswer)
	return &Detached{conn: conn, fields: headerFields(w.Header()), head: r.Method == http.MethodHead, later: later}, true
}

// headerFields lists h's values, each header's in their order.
func headerFields(h http.Header) []headerField {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	fields := make([]headerField, 0, n)
	for name, vs := range h {
		for _, v := range vs {
			fields = append(fields, headerField{name, v})
		}
	}
	return fields
}

// Header is the answer's headers, as Detach found them, to add to before Answer.
// It is made at its first call (at the answer, not while the page waits).
func (d *Detached) Header() http.Header {
	if d.header == nil {
		d.header = make(http.Header, len(d.fields)+4)
		for _, f := range d.fields {
			d.header[f.name] = append(d.header[f.name], f.value)
		}
		d.fields = nil
	}
	return d.header
}

// detachedWriteTimeout bounds the writing of an answer: a client that stopped
// reading does not keep the connection.
const detachedWriteTimeout = 10 * time.Second

// Answer writes the response — the headers from Detach with contentType, the
// date, the length and Connection: close — closes the connection and writes the
// request's access-log line (its status, and the time from the request). Errors: the
// client has gone (the write failed); the connection is closed either way, and
// there is nobody left to tell.
func (d *Detached) Answer(status int, contentType string, body []byte) error {
	h := d.Header()
	h.Set("Content-Type", contentType)
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Del("Content-Length")
	resp := &http.Response{StatusCode: status, ProtoMajor: 1, ProtoMinor: 1, Header: h,
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body)), Close: true}
	if d.head {
		// The GET's headers, its length among them, without the body (RFC 9110
		// 9.3.2): Response.Write leaves the body out of an answer to a HEAD.
		resp.Request = &http.Request{Method: http.MethodHead}
	}
	err := d.conn.SetWriteDeadline(time.Now().Add(detachedWriteTimeout))
	if err == nil {
		w := bufio.NewWriterSize(d.conn, 1024)
		if err = resp.Write(w); err == nil {
			err = w.Flush()
		}
	}
	err = errors.Join(err, d.conn.Close())
	if d.later != nil {
		written := len(body)
		if d.head || err != nil {
			written = 0
		}
		d.later.answered(status, written)
	}
	return err
}

// Hijack is statusWriter's part of Detach: the access log's line waits for the
// answer (laterAnswer).
func (sw *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, buffered, err := http.NewResponseController(sw.ResponseWriter).Hijack()
	if err == nil {
		sw.detached = true
	}
	return conn, buffered, err
}
