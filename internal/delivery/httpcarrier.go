package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of what the HTTP carrier may answer (docs/deliveries.md).
const (
	maxAnswerBytes = 1 << 20
	maxEvents      = 500
	maxTextRunes   = 200
	maxNameRunes   = 40
	maxTrackingLen = 40
)

// HTTPConfig configures the HTTP carrier.
type HTTPConfig struct {
	URL     string        // base URL; the protocol's paths are under it
	APIKey  string        // sent as "Authorization: Bearer …"
	Timeout time.Duration // per call; 10s when zero
	Client  *http.Client  // nil: a client with Timeout
}

// HTTPCarrier is the production Carrier: the JSON protocol of docs/deliveries.md.
type HTTPCarrier struct {
	base   *url.URL
	key    string
	client *http.Client
}

// NewHTTPCarrier returns the adapter. Errors: a URL that is not absolute http(s).
func NewHTTPCarrier(c HTTPConfig) (*HTTPCarrier, error) {
	u, err := url.Parse(strings.TrimRight(c.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("delivery: carrier URL %q must be an absolute http(s) URL", c.URL)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	cl := c.Client
	if cl == nil {
		cl = &http.Client{Timeout: c.Timeout}
	}
	return &HTTPCarrier{base: u, key: c.APIKey, client: cl}, nil
}

type createRequest struct {
	OrderID   string `json:"order_id"`
	Recipient string `json:"recipient"`
	Mobile    string `json:"mobile"`
	Address   string `json:"address"`
}

// Create is POST {URL}/shipments. Errors: a *RefusedError for 400 or 422 (the
// carrier's "error" text as the reason); any other answer, a timeout or a body
// that breaks the protocol is an error worth retrying.
func (c *HTTPCarrier) Create(ctx context.Context, s Shipment) (Waybill, error) {
	body, err := json.Marshal(createRequest(s))
	if err != nil {
		return Waybill{}, fmt.Errorf("delivery: carrier: %w", err)
	}
	// The order id is also the Idempotency-Key: a carrier that honours the header
	// answers a repeated request (a retry after a timeout) with the same waybill.
	status, answer, err := c.call(ctx, http.MethodPost, "/shipments", body, s.OrderID)
	if err != nil {
		return Waybill{}, err
	}
	switch {
	case status == http.StatusOK || status == http.StatusCreated:
		return ParseWaybill(answer)
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return Waybill{}, &RefusedError{Reason: refusalReason(answer)}
	}
	return Waybill{}, fmt.Errorf("delivery: carrier: create answered %d", status)
}

// Track is GET {URL}/shipments/{tracking_no}. Errors: ErrUnknownShipment for 404;
// any other answer, a timeout or a body that breaks the protocol is an error worth
// retrying.
func (c *HTTPCarrier) Track(ctx context.Context, no string) ([]TrackEvent, error) {
	status, answer, err := c.call(ctx, http.MethodGet, "/shipments/"+url.PathEscape(no), nil, "")
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusOK:
		return ParseTrack(answer)
	case http.StatusNotFound:
		return nil, ErrUnknownShipment
	}
	return nil, fmt.Errorf("delivery: carrier: track answered %d", status)
}

// call sends one request, with idempotencyKey as its Idempotency-Key header unless
// empty, and reads at most maxAnswerBytes of the answer.
func (c *HTTPCarrier) call(ctx context.Context, method, path string, body []byte, idempotencyKey string) (int, []byte, error) {
	u := *c.base
	u.Path += path
	u.RawPath = ""
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("delivery: carrier: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := c.client.Do(req) // #nosec G704 -- the URL is the operator's configured carrier endpoint
	if err != nil {
		return 0, nil, fmt.Errorf("delivery: carrier: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("delivery: carrier: read answer: %w", err)
	}
	if len(answer) > maxAnswerBytes {
		return 0, nil, errors.New("delivery: carrier: answer too large")
	}
	return resp.StatusCode, answer, nil
}

// ParseWaybill reads the answer to a create. Rules: "carrier" of 1 to 40 printable
// characters; "tracking_no" of 1 to 40 letters, digits and "-". Errors: an error
// naming the rule broken.
func ParseWaybill(b []byte) (Waybill, error) {
	var a struct {
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return Waybill{}, fmt.Errorf("delivery: carrier: malformed waybill: %w", err)
	}
	if err := checkText(a.Carrier, maxNameRunes); err != nil || a.Carrier == "" {
		return Waybill{}, errors.New("delivery: carrier: waybill has no valid carrier name")
	}
	if !validTrackingNo(a.TrackingNo) {
		return Waybill{}, errors.New("delivery: carrier: waybill has no valid tracking number")
	}
	return Waybill(a), nil
}

// ParseTrack reads the answer to a track. Rules: an "events" list (empty before the
// first event) of at most 500 events; each with a
// known status code, an RFC 3339 time, and place and description of at most 200
// printable characters. Errors: an error naming the rule broken.
func ParseTrack(b []byte) ([]TrackEvent, error) {
	var a struct {
		Events *[]struct {
			Status      string `json:"status"`
			At          string `json:"at"`
			Place       string `json:"place"`
			Description string `json:"description"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("delivery: carrier: malformed events: %w", err)
	}
	if a.Events == nil {
		return nil, errors.New("delivery: carrier: the answer has no events list")
	}
	if len(*a.Events) > maxEvents {
		return nil, fmt.Errorf("delivery: carrier: more than %d events", maxEvents)
	}
	out := make([]TrackEvent, 0, len(*a.Events))
	for i, e := range *a.Events {
		st := Status(e.Status)
		if !st.Valid() {
			return nil, fmt.Errorf("delivery: carrier: event %d: unknown status", i)
		}
		at, err := time.Parse(time.RFC3339, e.At)
		if err != nil || at.Year() < 2000 || at.Year() > 9999 {
			return nil, fmt.Errorf("delivery: carrier: event %d: time is not RFC 3339", i)
		}
		if checkText(e.Place, maxTextRunes) != nil || checkText(e.Description, maxTextRunes) != nil {
			return nil, fmt.Errorf("delivery: carrier: event %d: place or description too long or not printable", i)
		}
		out = append(out, TrackEvent{Status: st, At: at.UTC(), Place: e.Place, Description: e.Description})
	}
	return out, nil
}

// refusalReason is the carrier's "error" text of a refusal, or a general one.
func refusalReason(b []byte) string {
	var a struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &a) != nil || a.Error == "" || checkText(a.Error, maxTextRunes) != nil {
		return "收件信息不符合快递公司要求"
	}
	return a.Error
}

func checkText(s string, maxRunes int) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxRunes {
		return errors.New("too long or not UTF-8")
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return errors.New("not printable")
		}
	}
	return nil
}

func validTrackingNo(s string) bool {
	if s == "" || len(s) > maxTrackingLen {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}
