package insurance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hall/internal/registry"
)

// Source gives the import files, by the names the format gives them
// (employees.csv, …): a directory the core system's files were put in, or the core
// system itself over HTTPS.
type Source interface {
	// Open returns the file's content, to be read once and closed. A file the
	// source does not have is an error wrapping fs.ErrNotExist: that table is
	// skipped, as an absent file in a directory always was.
	Open(ctx context.Context, file string) (io.ReadCloser, error)
}

// DirSource is the directory of `hall import insurance DIR`.
type DirSource string

// Open implements Source.
func (d DirSource) Open(_ context.Context, file string) (io.ReadCloser, error) {
	if tableByFile(file) == nil {
		return nil, fmt.Errorf("insurance: unknown import file %q", file)
	}
	// #nosec G304 -- a fixed table name (checked above) in the operator's import directory.
	return os.Open(filepath.Join(string(d), file))
}

func (d DirSource) String() string { return string(d) }

// ErrSourceUnavailable is wrapped by every failure of the core system to give a
// file (a refused key, a server error, the network, an answer that is not CSV or
// is too large); nothing of that file is loaded.
var ErrSourceUnavailable = errors.New("insurance: the core system did not deliver the file")

// ErrKeyRefused is wrapped, beside ErrSourceUnavailable, when the core system
// refuses the API key (401 or 403): it would refuse every other file too, so the
// import stops there instead of asking for each.
var ErrKeyRefused = errors.New("insurance: the core system refused the API key")

// Defaults of NewHTTPSource. A file of the payments of every unit of a province
// is large and slow to produce as a stream, so the whole exchange may take
// minutes; a server that does not even start answering within
// DefaultHTTPHeaderTimeout is as good as down.
const (
	DefaultHTTPTimeout       = 10 * time.Minute
	DefaultHTTPHeaderTimeout = 30 * time.Second
	DefaultMaxFileSize       = 2 << 30 // 2 GiB
)

// APIKeyEnv names the environment variable holding the core system's API key for
// `hall import insurance URL` and the scheduled pull of `hall serve`.
// #nosec G101 -- the name of the variable, not the key.
const APIKeyEnv = "HALL_INSURANCE_API_KEY"

// HTTPSource is the core system's export over HTTPS: GET {base}/{file} with the API
// key in the X-API-Key header (wire protocol in docs/insurance-import.md).
type HTTPSource struct {
	base   string // without a trailing slash
	apiKey string
	client *http.Client
	// MaxFileSize bounds one file's body, counted while it is streamed: an answer
	// that does not end fails that file instead of running until the timeout.
	MaxFileSize int64
}

var _ Source = (*HTTPSource)(nil)

// NewHTTPSource returns the source at baseURL (for example
// "https://core.example.gov.cn/export"), authenticating with apiKey. client nil means
// one with DefaultHTTPTimeout overall and DefaultHTTPHeaderTimeout for the answer's
// headers. It refuses an empty key, a URL with a query or fragment and one that is
// not https, except http to a loopback address (tests, a local stub), so the key
// never crosses a network in clear text.
func NewHTTPSource(baseURL, apiKey string, client *http.Client) (*HTTPSource, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("insurance: core system URL %q must be an absolute http(s) URL without query", baseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, errors.New("insurance: core system URL must use https (http only for loopback addresses)")
		}
	default:
		return nil, fmt.Errorf("insurance: core system URL %q must be an http(s) URL", baseURL)
	}
	if apiKey == "" {
		return nil, errors.New("insurance: core system API key is empty")
	}
	if client == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.ResponseHeaderTimeout = DefaultHTTPHeaderTimeout
		client = &http.Client{Timeout: DefaultHTTPTimeout, Transport: transport}
	}
	return &HTTPSource{base: strings.TrimRight(u.String(), "/"), apiKey: apiKey, client: client, MaxFileSize: DefaultMaxFileSize}, nil
}

func (h *HTTPSource) String() string { return h.base }

// Open implements Source: 404 is a file the core system does not have; 200 with a
// CSV (or octet-stream) body is the file, streamed and bounded by MaxFileSize;
// everything else — 401/403 (also wrapping ErrKeyRefused), 5xx, the network, another content type, a body over
// the bound while it is read — is an error wrapping ErrSourceUnavailable naming
// what happened.
func (h *HTTPSource) Open(ctx context.Context, file string) (io.ReadCloser, error) {
	if tableByFile(file) == nil {
		return nil, fmt.Errorf("insurance: unknown import file %q", file)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/"+url.PathEscape(file), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSourceUnavailable, file, err)
	}
	req.Header.Set(registry.APIKeyHeader, h.apiKey)
	req.Header.Set("Accept", "text/csv")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSourceUnavailable, file, err)
	}
	if resp.StatusCode != http.StatusOK {
		// A short error body is read so the connection can be reused; its text is not
		// shown, as it may echo anything.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("insurance: %s: HTTP 404: %w", file, fs.ErrNotExist)
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("%w: %w: %s: HTTP %s", ErrSourceUnavailable, ErrKeyRefused, file, resp.Status)
		}
		return nil, fmt.Errorf("%w: %s: HTTP %s", ErrSourceUnavailable, file, resp.Status)
	}
	mediaType, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mediaType != "text/csv" && mediaType != "application/octet-stream") {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s: content type %q is not text/csv", ErrSourceUnavailable, file, resp.Header.Get("Content-Type"))
	}
	limit := h.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	if resp.ContentLength > limit {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s: %d bytes, more than %d", ErrSourceUnavailable, file, resp.ContentLength, limit)
	}
	return &boundedBody{body: resp.Body, file: file, limit: limit, left: limit}, nil
}

// boundedBody streams an answer's body, failing once it passes its bound and
// marking the network's read errors as the source's.
type boundedBody struct {
	body        io.ReadCloser
	file        string
	limit, left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.left <= 0 {
		// At the bound: the body must end here; one more byte is too many.
		var one [1]byte
		n, err := b.body.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: %s: answer larger than %d bytes", ErrSourceUnavailable, b.file, b.limit)
		}
		return 0, b.wrap(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, b.wrap(err)
}

func (b *boundedBody) wrap(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return fmt.Errorf("%w: %s: reading the answer: %w", ErrSourceUnavailable, b.file, err)
}

func (b *boundedBody) Close() error { return b.body.Close() }
