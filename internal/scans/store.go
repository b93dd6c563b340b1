package scans

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/token"
)

// Kind is what a scan shows.
type Kind string

const (
	KindLicence       Kind = "licence"       // 营业执照
	KindIDCard        Kind = "id_card"       // 身份证件
	KindAuthorization Kind = "authorization" // 授权委托书
	KindOther         Kind = "other"         // 其他材料
)

var kindLabels = map[Kind]string{KindLicence: "营业执照", KindIDCard: "身份证件", KindAuthorization: "授权委托书", KindOther: "其他材料"}

// Label is the kind's Chinese name, "" for an unknown kind.
func (k Kind) Label() string { return kindLabels[k] }

// Store keeps scans as files under a directory of the data directory (never a web
// root: nothing serves it), each named by an opaque 256-bit ID and readable by the
// hall's own user only (file 0600, directories 0700); the declared file name is never
// used as a path. The row in counter_scans says what each file is and holds its
// SHA-256, which Read checks. Files are read back only through Read, which takes a
// staff actor, authorizes and audits.
type Store struct {
	dir   string
	db    *store.DB
	audit *audit.Log
	now   func() time.Time
}

// NewStore returns the store under dir, which the first Put creates (mode 0700), so
// that a hall that never takes a scan has no such directory.
func NewStore(dir string, db *store.DB, log *audit.Log, now func() time.Time) (*Store, error) {
	if dir == "" {
		return nil, errors.New("scans: no directory")
	}
	if now == nil {
		now = time.Now
	}
	return &Store{dir: dir, db: db, audit: log, now: now}, nil
}

// Upload is one file as a form sent it.
type Upload struct {
	Kind Kind
	// ID, when set, is the ID to store the file under (a token the caller drew
	// and recorded before the write, as the cases' upload budget does); empty
	// draws a fresh one.
	ID   string
	Name string    // the declared file name (display only)
	Body io.Reader // read up to MaxBytes+1
}

// Stored is a checked file written to disk, not yet recorded.
type Stored struct {
	ID          string
	Kind        Kind
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// errKind: a scan kind this package does not know.
var errKind = errors.New("scans: unknown kind")

// errID: an Upload.ID that is not a token.
var errID = errors.New("scans: malformed upload ID")

// Put reads u, checks it (CheckName, Check) and writes it under a fresh ID: to a
// temporary file first, synced, then renamed, so a crash never leaves half a scan
// under a real ID. Record it with Insert in the transaction that needs it, and
// Remove it when that transaction fails.
//
// Errors: ErrName, ErrEmpty, ErrTooLarge, ErrType, ErrDamaged, ErrActive; a read
// error of u.Body; file-system failures.
func (s *Store) Put(u Upload) (Stored, error) {
	if u.Kind.Label() == "" {
		return Stored{}, errKind
	}
	id := u.ID
	if id == "" {
		id = token.New()
	} else if !token.Valid(id) {
		return Stored{}, errID
	}
	name, err := CheckName(u.Name)
	if err != nil {
		return Stored{}, err
	}
	b, err := io.ReadAll(io.LimitReader(u.Body, MaxBytes+1))
	if err != nil {
		return Stored{}, fmt.Errorf("scans: read upload: %w", err)
	}
	ct, err := Check(b)
	if err != nil {
		return Stored{}, err
	}
	sum := sha256.Sum256(b)
	st := Stored{ID: id, Kind: u.Kind, Name: name, ContentType: ct, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	path := s.path(st.ID)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Stored{}, fmt.Errorf("scans: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone: narrow the store's own.
	// #nosec G302 -- a directory needs its x bit; 0700 is owner-only.
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return Stored{}, fmt.Errorf("scans: restrict %s: %w", s.dir, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return Stored{}, fmt.Errorf("scans: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return Stored{}, fmt.Errorf("scans: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return Stored{}, fmt.Errorf("scans: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return Stored{}, fmt.Errorf("scans: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Stored{}, fmt.Errorf("scans: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Stored{}, fmt.Errorf("scans: %w", err)
	}
	return st, nil
}

// path is where the file of scan id lives: a directory per first two characters, so
// that no directory grows without bound. id is a token (base64url): no separators.
func (s *Store) path(id string) string { return filepath.Join(s.dir, id[:2], id) }

// Remove deletes the file of a scan that was never recorded (its transaction
// failed). Removing a missing file is not an error.
func (s *Store) Remove(id string) {
	if token.Valid(id) {
		_ = os.Remove(s.path(id))
	}
}

// Insert records st as a scan of counter request requestID, uploaded by staffID,
// inside tx. Errors: database failures.
func (s *Store) Insert(ctx context.Context, tx *store.Tx, requestID, staffID int64, st Stored) error {
	_, err := tx.Exec(ctx, `INSERT INTO counter_scans (id, request_id, kind, content_type, size, sha256, uploaded_by, uploaded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, requestID, string(st.Kind), st.ContentType, st.Size, st.SHA256, staffID,
		store.Time(s.now()))
	if err != nil {
		return fmt.Errorf("scans: record: %w", err)
	}
	return nil
}

// Scan is a recorded scan.
type Scan struct {
	ID          string
	RequestID   int64
	Kind        Kind
	ContentType string
	Size        int64
	UploadedBy  int64
	UploadedAt  time.Time
	sha         string
}

// ErrNotFound: no such scan (or a malformed ID).
var ErrNotFound = fmt.Errorf("scans: %w", store.ErrNotFound)

// ErrTampered: the file on disk is not the file that was recorded.
var ErrTampered = errors.New("scans: file changed on disk")

const scanColumns = `id, request_id, kind, content_type, size, sha256, uploaded_by, uploaded_at`

func scanRow(r interface{ Scan(...any) error }) (Scan, error) {
	var sc Scan
	err := r.Scan(&sc.ID, &sc.RequestID, &sc.Kind, &sc.ContentType, &sc.Size, &sc.sha, &sc.UploadedBy, &sc.UploadedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Scan{}, ErrNotFound
	}
	sc.UploadedAt = sc.UploadedAt.UTC()
	return sc, err
}

// List returns the scans of a counter request, oldest first, without their content.
// Callers authorize (the counter's request view does). Errors: database failures.
func (s *Store) List(ctx context.Context, requestID int64) ([]Scan, error) {
	rows, err := s.db.Query(ctx, `SELECT `+scanColumns+` FROM counter_scans WHERE request_id = ? ORDER BY uploaded_at, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("scans: list: %w", err)
	}
	defer rows.Close()
	var out []Scan
	for rows.Next() {
		sc, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// Read returns scan id and its content for a staff member allowed to see scans
// (staff.ActionScanRead: clerks and reviewers), with the audit record "scan.read".
// The content is checked against the recorded SHA-256. Serve it as a download
// (Content-Disposition: attachment, the recorded content type, nosniff), never
// inline.
//
// Errors: a *staff.Denial (recorded); ErrNotFound; ErrTampered; file-system,
// database or audit failures.
func (s *Store) Read(ctx context.Context, actor staff.Actor, id string) (Scan, []byte, error) {
	var (
		role  staff.Role
		fresh staff.Actor
	)
	target := "scan:" + id
	err := staff.Command(ctx, s.db, s.audit, actor, staff.ActionScanRead, target, func(_ *store.Tx, a staff.Actor, authorize staff.Authorizer) error {
		var err error
		fresh = a
		role, err = authorize(staff.Subject{})
		return err
	})
	if err != nil {
		return Scan{}, nil, err
	}
	if !token.Valid(id) {
		return Scan{}, nil, ErrNotFound
	}
	sc, err := scanRow(s.db.QueryRow(ctx, `SELECT `+scanColumns+` FROM counter_scans WHERE id = ?`, id))
	if err != nil {
		return Scan{}, nil, err
	}
	b, err := s.ReadStored(id, sc.sha)
	if err != nil {
		return Scan{}, nil, err
	}
	_, err = s.audit.Record(ctx, fresh.Entry(role, "scan.read", target, "",
		map[string]string{"request": strconv.FormatInt(sc.RequestID, 10), "kind": string(sc.Kind)}))
	if err != nil {
		return Scan{}, nil, err
	}
	return sc, b, nil
}

// ReadStored returns the content of the file stored under id (Put) whose recorded
// SHA-256 is sha, for a table other than counter_scans that records files of this
// store (the cases' materials): the caller has authorized the reader and audits.
// Errors: ErrNotFound (a malformed id); ErrTampered (missing, or not the file that
// was recorded); file-system failures.
func (s *Store) ReadStored(id, sha string) ([]byte, error) {
	if !token.Valid(id) {
		return nil, ErrNotFound
	}
	b, err := os.ReadFile(s.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrTampered
	}
	if err != nil {
		return nil, fmt.Errorf("scans: read: %w", err)
	}
	sum := sha256.Sum256(b)
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(sha)) != 1 {
		return nil, ErrTampered
	}
	return b, nil
}
