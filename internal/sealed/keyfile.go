package sealed

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseKey reads a data key as it is configured: the standard base64 (with or
// without padding) of KeySize random bytes, as `openssl rand -base64 32` prints it;
// surrounding white space is ignored. The error says what was wrong without
// repeating the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("a data key is %d random bytes in base64 (openssl rand -base64 32); this one is not base64", KeySize)
	}
	if len(b) != KeySize {
		return nil, fmt.Errorf("a data key is %d random bytes in base64 (openssl rand -base64 32); this one is %d bytes", KeySize, len(b))
	}
	return b, nil
}

// EncodeKey is the configured form of a key (ParseKey reads it).
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// NewKey returns KeySize random bytes.
func NewKey() []byte {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return b
}

// keyFileMode is the mode of a generated key file: the hall's own user only.
const keyFileMode fs.FileMode = 0o600

// LoadOrCreateKeyFile reads the data key kept in path (EncodeKey's form), or, when
// there is no such file, generates one and writes it there with mode 0600 (its
// directory created 0700), and reports that it did. It is for development, where the
// hall keeps its own key beside its database; production configures the key
// (config data-key). Two processes starting together get the same key: the file
// appears whole, by a hard link of a finished temporary file, or not at all.
// Errors: the file system's, and ParseKey's for a file that holds no key.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	if key, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("sealed: key file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".data-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("sealed: key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // the link below is the file; the temporary name goes
	key = NewKey()
	_, werr := tmp.WriteString(EncodeKey(key) + "\n")
	if err := errors.Join(werr, tmp.Chmod(keyFileMode), tmp.Sync(), tmp.Close()); err != nil {
		return nil, false, fmt.Errorf("sealed: key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process was first: its key is the one.
			key, err := readKeyFile(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("sealed: key file: %w", err)
	}
	return key, true, nil
}

func readKeyFile(path string) ([]byte, error) {
	// #nosec G304 -- the path is the hall's own key file in its data directory.
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sealed: key file: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("sealed: key file %s: %w", path, err)
	}
	return key, nil
}
