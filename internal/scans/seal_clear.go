package scans

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hall/internal/token"
)

// Files stored before the store sealed them (issue #16) are clear scans on disk. SQL
// cannot reach them and the migrations do not know the data directory, so the hall
// seals them when it starts (SealClear, run by cmd/hall after migrating): a file is
// sealed where it lies, for the table that records it, and nothing is removed — a
// recorded scan or material must still be served, and a file without any row may be
// a material a draft still carries. Once a pass has walked the whole store it leaves
// sealedMarker in the directory, so that later starts do not walk it again.

// sealedMarker is the file that says every file of the store is sealed: written by
// a complete SealClear pass, never a token, so nothing takes it for a stored file.
const sealedMarker = ".sealed-v1"

// staleTemp is how old a temporary file of write must be for SealClear to remove it:
// a crash left it (a write takes seconds), and another process sharing the data
// directory may be writing a younger one right now.
const staleTemp = time.Hour

// clearSignatures are the first bytes of what Check accepts: a stored file that
// begins with one of them was written in clear. A sealed file begins with
// sealed.Version (0x01), which none of them does.
var clearSignatures = [][]byte{[]byte("%PDF-"), {0xFF, 0xD8, 0xFF}, pngSignature}

// isClear reports whether a stored file's first bytes are those of a clear scan.
func isClear(head []byte) bool {
	for _, sig := range clearSignatures {
		if bytes.HasPrefix(head, sig) {
			return true
		}
	}
	return false
}

// SealClear seals every file of the store that is still in clear, and returns how
// many it sealed. The owner of a file is OwnerCounter when counter_scans records its
// ID, and OwnerCaseMaterial otherwise (case_materials or material_uploads record it,
// or nothing does: a counter scan whose request was never recorded is never read,
// while a material uploaded before material_uploads existed may still be carried by
// a draft, which reads it as a material). Temporary files older than staleTemp
// (left by a crash, possibly in clear) are removed. A store without a directory
// (no scan ever taken) or with sealedMarker is not walked.
//
// A file another process removes while the pass seals it (the sweep of a second
// server on the same data directory) comes back sealed and without a row, which
// nothing reads; the pass runs before this process serves.
//
// Errors: ErrNoKeys when a clear file is found and the database has no keys;
// database and file-system failures (the pass is repeated at the next start, and
// what was sealed stays sealed).
func (s *Store) SealClear(ctx context.Context) (int, error) {
	if _, err := os.Stat(filepath.Join(s.dir, sealedMarker)); err == nil {
		return 0, nil
	}
	if _, err := os.Stat(s.dir); errors.Is(err, os.ErrNotExist) {
		return 0, nil // no scan was ever stored
	}
	sealedCount := 0
	err := s.walk(ctx, func(id string) error {
		done, err := s.sealClearFile(ctx, id)
		if done {
			sealedCount++
		}
		return err
	})
	if err != nil {
		return sealedCount, fmt.Errorf("scans: seal clear files: %w", err)
	}
	marker, err := os.OpenFile(filepath.Join(s.dir, sealedMarker), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return sealedCount, fmt.Errorf("scans: mark the store sealed: %w", err)
	}
	if err := marker.Close(); err != nil {
		return sealedCount, fmt.Errorf("scans: mark the store sealed: %w", err)
	}
	return sealedCount, nil
}

// walk calls fn with the ID of every stored file, shard by shard, and removes the
// temporary files older than staleTemp (left by a crash, possibly in clear) on the
// way. A store without a directory has no files. Errors: fn's, ctx's and the file
// system's.
func (s *Store) walk(ctx context.Context, fn func(id string) error) error {
	shards, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, shard := range shards {
		if !shard.IsDir() || len(shard.Name()) != 2 {
			continue
		}
		dir := filepath.Join(s.dir, shard.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !f.Type().IsRegular() {
				continue
			}
			name := f.Name()
			if len(name) > len(tempPrefix) && name[:len(tempPrefix)] == tempPrefix {
				if info, err := f.Info(); err == nil && s.now().Sub(info.ModTime()) > staleTemp {
					_ = os.Remove(filepath.Join(dir, name)) // a crash's leftover; one that stays is tried again next time
				}
				continue
			}
			if !token.Valid(name) || name[:2] != shard.Name() {
				continue
			}
			if err := fn(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// sealClearFile seals the file stored under id if it is in clear, and reports
// whether it did. Errors: ErrNoKeys; database and file-system failures.
func (s *Store) sealClearFile(ctx context.Context, id string) (bool, error) {
	path := s.path(id)
	// One read for the test and the seal: another process sealing the file between
	// two reads would have its sealed bytes sealed again here.
	b, err := os.ReadFile(path) // #nosec G304 -- the path is the store's own: its directory, a two-character shard, a token
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // removed meanwhile (another process's sweep)
	}
	if err != nil {
		return false, fmt.Errorf("scans: seal clear file: %w", err)
	}
	if !isClear(b) {
		return false, nil
	}
	keys := s.keys()
	if keys == nil {
		return false, ErrNoKeys
	}
	owner := OwnerCaseMaterial
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM counter_scans WHERE id = ?`, id).Scan(&one); {
	case err == nil:
		owner = OwnerCounter
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("scans: seal clear file: %w", err)
	}
	if err := s.write(id, keys.Seal(Place(owner, id), b)); err != nil {
		return false, err
	}
	return true, nil
}

// Reseal moves every stored file that is sealed under a previous data key onto the
// primary one (`hall keys rotate`, after the rows: docs/data-protection.md), and
// returns how many it re-sealed and how many open under no configured key. A file
// is opened at the place of either owner (its owner is not recorded beside it) and
// re-sealed at the same place; a file is never changed after it is stored, so a
// re-sealed file holds what the hall wrote. Clear files are SealClear's, and left.
// Errors: ErrNoKeys; ctx's, database and file-system failures.
func (s *Store) Reseal(ctx context.Context) (resealed, unreadable int, err error) {
	keys := s.keys()
	if keys == nil {
		return 0, 0, ErrNoKeys
	}
	err = s.walk(ctx, func(id string) error {
		b, err := os.ReadFile(s.path(id)) // #nosec G304 -- the path is the store's own: its directory, a two-character shard, a token
		if errors.Is(err, os.ErrNotExist) {
			return nil // removed meanwhile (a sweep)
		}
		if err != nil {
			return err
		}
		if isClear(b) || !keys.NeedsResealing(b) {
			return nil
		}
		for _, owner := range []Owner{OwnerCounter, OwnerCaseMaterial} {
			clear, err := keys.Open(Place(owner, id), b)
			if err != nil {
				continue
			}
			if _, err := os.Stat(s.path(id)); errors.Is(err, os.ErrNotExist) {
				return nil // removed meanwhile: not brought back
			}
			if err := s.write(id, keys.Seal(Place(owner, id), clear)); err != nil {
				return err
			}
			resealed++
			return nil
		}
		unreadable++
		return nil
	})
	if err != nil {
		return resealed, unreadable, fmt.Errorf("scans: re-seal files: %w", err)
	}
	return resealed, unreadable, nil
}
