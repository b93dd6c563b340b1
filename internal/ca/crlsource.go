package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxCRLBytes bounds a CRL read from a file or a URL. Large public CAs publish CRLs
// of some megabytes; anything past this is refused rather than held in memory.
const MaxCRLBytes = 64 << 20

// crlSource is one configured place a CRL is read from: a file path or an
// http(s) URL.
type crlSource struct {
	location string
	current  atomic.Pointer[revocationList]

	mu sync.Mutex // serialises refreshes of this source and guards the fields below
	// seen is what the read of the CRL in use saw, to skip re-reading it unchanged.
	seen        validators
	lastAttempt time.Time
	lastErr     error
}

// validators tell an unchanged CRL: the file's modification time and size, or
// the HTTP ETag and Last-Modified.
type validators struct {
	modTime      time.Time
	size         int64
	etag         string
	lastModified string
}

func isURL(location string) bool {
	return strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://")
}

// read returns the CRL bytes and their validators, or unchanged = true when the
// source reports the CRL in use (same file time and size, or HTTP 304).
func (s *crlSource) read(ctx context.Context, client *http.Client) (data []byte, seen validators, unchanged bool, err error) {
	if isURL(s.location) {
		return s.readURL(ctx, client)
	}
	f, err := os.Open(s.location)
	if err != nil {
		return nil, seen, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, seen, false, err
	}
	if st.Size() > MaxCRLBytes {
		return nil, seen, false, fmt.Errorf("CRL file is %d bytes, more than %d", st.Size(), MaxCRLBytes)
	}
	seen = validators{modTime: st.ModTime(), size: st.Size()}
	if s.current.Load() != nil && seen == s.seen {
		return nil, seen, true, nil
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxCRLBytes+1))
	if err != nil {
		return nil, seen, false, err
	}
	if len(data) > MaxCRLBytes {
		return nil, seen, false, fmt.Errorf("CRL file is more than %d bytes", MaxCRLBytes)
	}
	return data, seen, false, nil
}

func (s *crlSource) readURL(ctx context.Context, client *http.Client) ([]byte, validators, bool, error) {
	var seen validators
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.location, nil)
	if err != nil {
		return nil, seen, false, err
	}
	req.Header.Set("Accept", "application/pkix-crl, application/x-pkcs7-crl, application/x-pem-file, */*")
	if s.current.Load() != nil {
		if s.seen.etag != "" {
			req.Header.Set("If-None-Match", s.seen.etag)
		}
		if s.seen.lastModified != "" {
			req.Header.Set("If-Modified-Since", s.seen.lastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, seen, false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && s.current.Load() != nil:
		return nil, s.seen, true, nil
	case resp.StatusCode != http.StatusOK:
		return nil, seen, false, fmt.Errorf("GET %s: %s", s.location, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxCRLBytes+1))
	if err != nil {
		return nil, seen, false, fmt.Errorf("GET %s: %w", s.location, err)
	}
	if len(data) > MaxCRLBytes {
		return nil, seen, false, fmt.Errorf("GET %s: CRL is more than %d bytes", s.location, MaxCRLBytes)
	}
	seen = validators{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	return data, seen, false, nil
}

// refreshSource reads the source and, if it holds a new CRL that passes the
// checks, makes it current. On any failure the previous CRL stays in use (it may still be
// fresh); Verify judges its freshness at every login.
func (v *Verifier) refreshSource(ctx context.Context, s *crlSource) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastAttempt = v.now()
	err := v.loadSource(ctx, s)
	s.lastErr = err
	return err
}

func (v *Verifier) loadSource(ctx context.Context, s *crlSource) error {
	data, seen, unchanged, err := s.read(ctx, v.client)
	if err != nil || unchanged {
		return err
	}
	list, err := ParseCRL(data)
	if err != nil {
		return err
	}
	prev := s.current.Load()
	if prev != nil {
		if list.ThisUpdate.Before(prev.list.ThisUpdate) {
			return fmt.Errorf("CRL thisUpdate %s is older than the one in use (%s): refused as a replay",
				list.ThisUpdate.UTC().Format(time.RFC3339), prev.list.ThisUpdate.UTC().Format(time.RFC3339))
		}
		if list.Number != nil && prev.list.Number != nil && list.Number.Cmp(prev.list.Number) < 0 {
			return fmt.Errorf("CRL number %s is lower than the one in use (%s): refused as a replay", list.Number, prev.list.Number)
		}
	}
	r := newRevocationList(list, s.location, v.now())
	// Check the signature now when the issuer is known: a CA of the bundle with the
	// CRL's issuer name (any of them, for a CA that renewed its key), or the
	// certificate that signed this source's previous CRL. A CRL of an intermediate
	// CA seen for the first time is checked at the first login through that CA.
	var issuers []*x509.Certificate
	for _, root := range v.rootCerts {
		if bytes.Equal(root.RawSubject, list.RawIssuer) {
			issuers = append(issuers, root)
		}
	}
	if prev != nil {
		if known := prev.knownIssuer(); known != nil && bytes.Equal(known.RawSubject, list.RawIssuer) {
			issuers = append(issuers, known)
		}
	}
	if len(issuers) > 0 && !signedByAny(r, issuers) {
		return fmt.Errorf("CRL signature does not verify with the certificate of its issuer %q", issuers[0].Subject.String())
	}
	s.current.Store(r)
	// Remembered only now: a source that keeps serving a refused CRL keeps being
	// read, and keeps reporting the error.
	s.seen = seen
	return nil
}

func signedByAny(r *revocationList, issuers []*x509.Certificate) bool {
	for _, iss := range issuers {
		if r.signedBy(iss) == nil {
			return true
		}
	}
	return false
}

// Refresh reads every CRL source once. It returns the failures joined, each naming
// its source; sources that worked are in use either way.
func (v *Verifier) Refresh(ctx context.Context) error {
	var errs []error
	for _, s := range v.sources {
		if err := v.refreshSource(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("CRL %s: %w", s.location, err))
		}
	}
	return errors.Join(errs...)
}

// Run refreshes the CRLs at once and then every RefreshInterval until ctx ends;
// after a failed refresh it tries again within a minute. Failures are logged, not
// returned: until a source works again, logins through its CA fail closed once its
// last CRL is stale. Run returns ctx's error.
func (v *Verifier) Run(ctx context.Context) error {
	for {
		wait := v.cfg.RefreshInterval
		if err := v.Refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			v.log.Warn("CA: CRL refresh failed; the previous CRL stays in use until it is stale", "err", err)
			wait = min(wait, time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// CRLStatus describes one CRL source for operators (health pages, logs).
type CRLStatus struct {
	Source      string
	Loaded      bool      // a CRL from this source is in use
	ThisUpdate  time.Time // of the CRL in use
	NextUpdate  time.Time
	Entries     int
	Stale       bool // past NextUpdate + grace: logins through its CA are refused
	LastAttempt time.Time
	LastError   string // of the last refresh, "" if it worked
}

// CRLStatus returns the state of every CRL source, in configuration order.
func (v *Verifier) CRLStatus() []CRLStatus {
	now := v.now()
	out := make([]CRLStatus, 0, len(v.sources))
	for _, s := range v.sources {
		st := CRLStatus{Source: s.location}
		if r := s.current.Load(); r != nil {
			st.Loaded, st.ThisUpdate, st.NextUpdate, st.Entries = true, r.list.ThisUpdate, r.list.NextUpdate, len(r.revoked)
			st.Stale = now.After(r.list.NextUpdate.Add(v.cfg.Grace))
		}
		s.mu.Lock()
		st.LastAttempt = s.lastAttempt
		if s.lastErr != nil {
			st.LastError = s.lastErr.Error()
		}
		s.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// currentLists is the CRLs in use now.
func (v *Verifier) currentLists() []*revocationList {
	out := make([]*revocationList, 0, len(v.sources))
	for _, s := range v.sources {
		if r := s.current.Load(); r != nil {
			out = append(out, r)
		}
	}
	return out
}
