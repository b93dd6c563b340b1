package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// DevLabel marks everything the development CA makes: it is in the CA's name, so
// every certificate it issues names it as issuer.
const DevLabel = "开发测试用CA（仅限开发，不可用于生产）"

// Errors of the development CA.
var (
	ErrNoDevCA        = errors.New("ca: no development CA in this directory (run hall ca init)")
	ErrDevCAExists    = errors.New("ca: a development CA already exists in this directory")
	ErrUnknownSerial  = errors.New("ca: the development CA issued no certificate with this serial number")
	ErrAlreadyRevoked = errors.New("ca: the certificate is already revoked")
)

// DevPaths are the files of a development CA directory.
type DevPaths struct {
	Dir      string
	Key      string // CA private key, 0600
	Cert     string // CA certificate: the bundle for ca-bundle
	Index    string // issued serials and revocations (JSON)
	CRL      string // the published CRL, PEM: a source for ca-crl
	CRLDER   string // the same CRL, DER (what an HTTP CRL distribution point serves)
	Issued   string // default directory of issued certificates, keys and .p12 files
	lockFile string
}

// DevCADir is the development CA's directory under the hall's data directory.
func DevCADir(dataDir string) string { return filepath.Join(dataDir, "ca") }

// PathsIn returns the file names of a development CA in dir.
func PathsIn(dir string) DevPaths {
	return DevPaths{Dir: dir, Key: filepath.Join(dir, "ca.key"), Cert: filepath.Join(dir, "ca.pem"),
		Index: filepath.Join(dir, "index.json"), CRL: filepath.Join(dir, "crl.pem"), CRLDER: filepath.Join(dir, "crl.crl"),
		Issued: filepath.Join(dir, "issued"), lockFile: filepath.Join(dir, ".lock")}
}

// DevCA is the DEVELOPMENT certificate authority behind `hall ca`: it issues unit,
// person, document-signing and TLS server certificates, revokes them and publishes
// CRLs, like a real CA but with its key in a file. Its certificates name DevLabel
// as issuer; production trusts only the configured bundle.
type DevCA struct {
	paths DevPaths
	cert  *x509.Certificate
	key   crypto.Signer
	now   func() time.Time
}

// IndexEntry is one certificate the development CA issued.
type IndexEntry struct {
	Serial    string     `json:"serial"`
	Kind      Kind       `json:"kind"`
	Name      string     `json:"name"`                // subject CN
	USCC      string     `json:"uscc,omitempty"`      // unit and person certificates
	IDNumber  string     `json:"id_number,omitempty"` // masked: the index is not a register of persons
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	CertFile  string     `json:"cert_file,omitempty"`
	KeyFile   string     `json:"key_file,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    int        `json:"reason,omitempty"` // RFC 5280 CRLReason code
}

type index struct {
	CRLNumber    int64        `json:"crl_number"`
	Certificates []IndexEntry `json:"certificates"`
}

// InitDevCA creates a development CA in dir (mode 0700): an ECDSA P-256 key
// (0600), a self-signed CA certificate valid for ten years named DevLabel and
// holder, an empty index and a first CRL. It returns ErrDevCAExists when dir
// already holds a CA key.
func InitDevCA(dir, holder string, now func() time.Time) (*DevCA, error) {
	if now == nil {
		now = time.Now
	}
	p := PathsIn(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// #nosec G302 -- a directory needs its x bit; 0700 is owner-only.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	unlock, err := lock(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := os.Stat(p.Key); err == nil {
		return nil, ErrDevCAExists
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	t := now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{holder}, CommonName: DevLabel},
		NotBefore:             t.Add(-time.Hour),
		NotAfter:              t.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodePrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(p.Key, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(p.Cert, encodeCertificates(cert), 0o644); err != nil {
		return nil, err
	}
	d := &DevCA{paths: p, cert: cert, key: key, now: now}
	if err := d.writeIndex(&index{}); err != nil {
		return nil, err
	}
	if _, err := d.publishCRLLocked(DefaultDevCRLValidity); err != nil {
		return nil, err
	}
	return d, nil
}

// OpenDevCA opens the development CA in dir; ErrNoDevCA when there is none.
func OpenDevCA(dir string, now func() time.Time) (*DevCA, error) {
	if now == nil {
		now = time.Now
	}
	p := PathsIn(dir)
	if _, err := os.Stat(p.Key); errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoDevCA
	}
	key, err := ReadPrivateKey(p.Key)
	if err != nil {
		return nil, err
	}
	certs, err := ReadCertificates(p.Cert)
	if err != nil {
		return nil, err
	}
	return &DevCA{paths: p, cert: certs[0], key: key, now: now}, nil
}

// Certificate is the CA certificate.
func (d *DevCA) Certificate() *x509.Certificate { return d.cert }

// Paths are the CA's files.
func (d *DevCA) Paths() DevPaths { return d.paths }

// Index returns every certificate issued, oldest first.
func (d *DevCA) Index() ([]IndexEntry, error) {
	ix, err := d.readIndex()
	if err != nil {
		return nil, err
	}
	return ix.Certificates, nil
}

func (d *DevCA) readIndex() (*index, error) {
	data, err := os.ReadFile(d.paths.Index)
	if err != nil {
		return nil, err
	}
	var ix index
	if err := json.Unmarshal(data, &ix); err != nil {
		return nil, fmt.Errorf("%s: %w", d.paths.Index, err)
	}
	return &ix, nil
}

func (d *DevCA) writeIndex(ix *index) error {
	data, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(d.paths.Index, append(data, '\n'), 0o600)
}

// update runs fn on the index under the directory lock and saves it when fn
// succeeds, so that two `hall ca` commands at once do not lose an entry.
func (d *DevCA) update(fn func(*index) error) error {
	unlock, err := lock(d.paths)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := d.readIndex()
	if err != nil {
		return err
	}
	if err := fn(ix); err != nil {
		return err
	}
	return d.writeIndex(ix)
}

// lock takes an exclusive lock on the CA directory's lock file.
func lock(p DevPaths) (func(), error) {
	f, err := os.OpenFile(p.lockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close() // the write, chmod, sync or lock error is the one returned
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil // release: the lock goes with the closed file either way
}

// newSerial is a random positive 127-bit serial number (CA/B Forum asks for at
// least 64 random bits).
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so a reader (the Verifier reading the CRL) never sees
// half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		_ = f.Close() // the write, chmod, sync or lock error is the one returned
		return err
	}
	if err := f.Chmod(perm); err != nil {
		_ = f.Close() // the write, chmod, sync or lock error is the one returned
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the write, chmod, sync or lock error is the one returned
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
