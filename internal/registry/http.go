package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// HTTP is the production adapter: it asks a registry service over HTTPS (wire format
// in the package documentation).
type HTTP struct {
	base   string // without a trailing slash
	apiKey string
	client *http.Client
	now    func() time.Time
}

var _ Registry = (*HTTP)(nil)

// DefaultHTTPTimeout bounds one lookup when NewHTTP is given no client: the person is
// waiting on the registration page, and a registry that takes longer is as good as
// unavailable.
const DefaultHTTPTimeout = 5 * time.Second

// maxBody bounds the answer read from the registry.
const maxBody = 1 << 20

// APIKeyHeader carries the API key.
// #nosec G101 -- the name of the header that carries the key, not the key.
const APIKeyHeader = "X-API-Key"

// NewHTTP returns the adapter for the registry at baseURL (for example
// "https://registry.example.gov.cn/api/v1"), authenticating with apiKey. client nil
// means an http.Client with DefaultHTTPTimeout; now (nil: time.Now) bounds dates when
// checking answers. It refuses an empty key and a URL that is not https, except
// http to a loopback address (tests, a local stub), so the key never crosses a
// network in clear text.
func NewHTTP(baseURL, apiKey string, client *http.Client, now func() time.Time) (*HTTP, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("registry: base URL %q must be an absolute http(s) URL without query", baseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("registry: base URL must use https (http only for loopback addresses)")
		}
	default:
		return nil, fmt.Errorf("registry: base URL %q must be an http(s) URL", baseURL)
	}
	if apiKey == "" {
		return nil, errors.New("registry: API key is empty")
	}
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if now == nil {
		now = time.Now
	}
	return &HTTP{base: strings.TrimRight(u.String(), "/"), apiKey: apiKey, client: client, now: now}, nil
}

// String labels the adapter for start-up logs (without the key).
func (h *HTTP) String() string { return "registry: HTTP " + h.base }

// Lookup implements Registry: 404 gives ErrNotFound, as does a malformed uscc (which
// is never sent); everything that is not a valid 200 answer for that USCC — network
// errors, timeouts, 5xx, 401/403, a body that does not validate — gives an error
// wrapping ErrUnavailable (and the context's error when ctx ended).
func (h *HTTP) Lookup(ctx context.Context, uscc string) (Entry, error) {
	u, err := ident.ValidateUSCC(uscc)
	if err != nil {
		return Entry{}, ErrNotFound
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/units/"+url.PathEscape(u), nil)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set(APIKeyHeader, h.apiKey)
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return Entry{}, fmt.Errorf("%w: reading answer: %w", ErrUnavailable, err)
	case resp.StatusCode == http.StatusNotFound:
		return Entry{}, ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return Entry{}, fmt.Errorf("%w: HTTP %d", ErrUnavailable, resp.StatusCode)
	case len(body) > maxBody:
		return Entry{}, fmt.Errorf("%w: answer larger than %d bytes", ErrUnavailable, maxBody)
	}
	e, err := DecodeEntry(body, h.now())
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if e.USCC != u {
		return Entry{}, fmt.Errorf("%w: answer is about another unit", ErrUnavailable)
	}
	return e, nil
}

// wireEntry is the JSON body of a unit; see the package documentation.
type wireEntry struct {
	USCC             string `json:"uscc"`
	Name             string `json:"name"`
	UnitType         string `json:"unit_type"`
	LegalRepIDType   string `json:"legal_rep_id_type"`
	LegalRepIDNumber string `json:"legal_rep_id_number"`
	LegalRepName     string `json:"legal_rep_name"`
	RegisteredAt     string `json:"registered_at"`
	Address          string `json:"address"`
	Region           string `json:"region"`
	Status           string `json:"status"`
	UpdatedAt        string `json:"updated_at"`
}

// DecodeEntry parses one unit in the HTTP wire format and checks it by the import
// rules; now bounds dates. The error says what is wrong (for the log) and wraps the
// *ident.FieldError of the first bad field when the JSON itself was well-formed.
func DecodeEntry(body []byte, now time.Time) (Entry, error) {
	var w wireEntry
	if err := json.Unmarshal(body, &w); err != nil {
		return Entry{}, fmt.Errorf("registry: answer is not a unit object: %w", err)
	}
	f := fields{
		colUSCC: w.USCC, colName: w.Name, colUnitType: w.UnitType, colIDType: w.LegalRepIDType,
		colIDNumber: w.LegalRepIDNumber, colRepName: w.LegalRepName, colRegisteredAt: w.RegisteredAt,
		colAddress: w.Address, colRegion: w.Region, colStatus: w.Status,
	}
	e, errs := normalize(&f, now)
	if len(errs) > 0 {
		return Entry{}, fmt.Errorf("registry: answer field %s: %w", columnInfo[errs[0].col].en, errs[0].err)
	}
	if s := strings.TrimSpace(w.UpdatedAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Entry{}, fmt.Errorf("registry: answer field updated_at is not RFC 3339: %w", err)
		}
		e.UpdatedAt = store.Time(t)
	}
	return e, nil
}
