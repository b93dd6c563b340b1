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
	"hall/internal/sealed"
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
// used as a path. Each file's content is sealed with the database's data keys for
// its owner table and ID (Place), so the directory alone shows no document. The row
// in counter_scans says what each file is and holds the SHA-256 of its clear
// content, which Read checks after opening. Files are read back only through Read, which takes a
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

// Owner is the table whose rows record the files of a use of the store: the table
// part of each file's sealed place (Place), so that a file opens only for the use it
// was stored for.
type Owner string

const (
	// OwnerCounter: the counter's scans (counter_scans, Insert, Read).
	OwnerCounter Owner = "counter_scans"
	// OwnerCaseMaterial: the online applications' materials (case_materials, and
	// material_uploads before they are filed; internal/cases).
	OwnerCaseMaterial Owner = "case_materials"
)

// ColumnFile is the column part of a file's sealed place: the file itself, which
// lives on disk rather than in a column of the owner's row.
const ColumnFile = "file"

// Place is where the sealed content of the file stored under id for owner belongs:
// the owner's table, ColumnFile, and the ID (the key of the owner's row and the
// file's name), so that a file copied under another name, or read for the other
// owner, does not open.
func Place(owner Owner, id string) sealed.Place {
	return sealed.Place{Table: string(owner), Column: ColumnFile, Row: id}
}

// Upload is one file as a form sent it.
type Upload struct {
	Kind Kind
	// Owner is the table that will record the file (OwnerCounter,
	// OwnerCaseMaterial): its content is sealed for that table and the ID.
	Owner Owner
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

// errOwner: an Owner this package does not know.
var errOwner = errors.New("scans: unknown owner")

// ErrNoKeys: the database has no data keys set (store.DB.UseKeys), so a file can
// neither be sealed nor opened.
var ErrNoKeys = errors.New("scans: no data key set on the database")

func (o Owner) known() bool { return o == OwnerCounter || o == OwnerCaseMaterial }

// Put reads u, checks it (CheckName, Check) and writes it under a fresh ID (or
// u.ID), sealed with the database's data keys for u.Owner and the ID (Place): to a
// temporary file first, synced, then renamed, so a crash never leaves half a scan
// under a real ID. The whole file is sealed in one piece — it is at most MaxBytes
// (10 MiB) and already held in memory for Check. Stored's Size and SHA256 are the
// clear content's, which ReadStored compares after opening. Record it with Insert
// in the transaction that needs it, and Remove it when that transaction fails.
//
// Errors: ErrName, ErrEmpty, ErrTooLarge, ErrType, ErrDamaged, ErrActive; ErrNoKeys;
// a read error of u.Body; file-system failures.
func (s *Store) Put(u Upload) (Stored, error) {
	if u.Kind.Label() == "" {
		return Stored{}, errKind
	}
	if !u.Owner.known() {
		return Stored{}, errOwner
	}
	keys := s.keys()
	if keys == nil {
		return Stored{}, ErrNoKeys
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
	if err := s.write(st.ID, keys.Seal(Place(u.Owner, st.ID), b)); err != nil {
		return Stored{}, err
	}
	return st, nil
}

// keys are the database's data keys, nil when none are set (or no database).
func (s *Store) keys() *sealed.Keys {
	if s.db == nil {
		return nil
	}
	return s.db.Keys()
}

// write puts content under id: a temporary file in the ID's directory (0600, the
// directories 0700), synced, then renamed over the ID's name. Errors: file-system
// failures.
func (s *Store) write(id string, content []byte) error {
	path := s.path(id)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("scans: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone: narrow the store's own.
	// #nosec G302 -- a directory needs its x bit; 0700 is owner-only.
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return fmt.Errorf("scans: restrict %s: %w", s.dir, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("scans: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return fmt.Errorf("scans: %w", err)
	}
	if _, err := tmp.Write(content); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return fmt.Errorf("scans: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the chmod, write or sync error is the one returned; the temporary file is removed
		return fmt.Errorf("scans: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("scans: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("scans: %w", err)
	}
	return nil
}

// tempPrefix begins the name of a file being written (write): never a token, so
// nothing takes it for a stored file.
const tempPrefix = ".upload-"

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

// ErrTampered: the file on disk is not the file that was recorded (missing, changed,
// moved from another name, or not the recorded content). A sealed.RecordUnreadable,
// so that whoever asked for it is told the file cannot be read and whom to ask
// (internal/web renderError), not 系统繁忙.
var ErrTampered = &sealed.RecordUnreadable{Code: "scan_tampered", Msg: "该扫描件无法读取（已记录日志）"}

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
	b, err := s.ReadStored(OwnerCounter, id, sc.sha)
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

// ReadStored returns the clear content of the file stored under id (Put) for owner
// whose recorded SHA-256 is sha: the file is opened with the database's data keys
// for owner and id (Place), then compared with sha. Read does this for the counter's
// scans; the cases' materials call it after their package has authorized the
// reader, and audit.
//
// Errors: ErrNotFound (a malformed id); ErrTampered (missing; not sealed for this
// owner and id — changed, or moved from another name — joined with the sealed
// error; or not the file that was recorded); ErrNoKeys; the sealed error (wrapped)
// for a file sealed under a data key that is not configured; file-system failures.
func (s *Store) ReadStored(owner Owner, id, sha string) ([]byte, error) {
	if !token.Valid(id) {
		return nil, ErrNotFound
	}
	if !owner.known() {
		return nil, errOwner
	}
	keys := s.keys()
	if keys == nil {
		return nil, ErrNoKeys
	}
	content, err := os.ReadFile(s.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrTampered
	}
	if err != nil {
		return nil, fmt.Errorf("scans: read: %w", err)
	}
	b, err := keys.Open(Place(owner, id), content)
	switch {
	case errors.Is(err, sealed.ErrAuthentication), errors.Is(err, sealed.ErrMalformed):
		return nil, fmt.Errorf("%w: %w", ErrTampered, err)
	case err != nil:
		return nil, fmt.Errorf("scans: open: %w", err)
	}
	sum := sha256.Sum256(b)
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(sha)) != 1 {
		return nil, ErrTampered
	}
	return b, nil
}
