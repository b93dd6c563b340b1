package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// demoTemplate is a data directory (SQLite database, data key, audit anchor,
// development CA...) in which `hall demo` ran, made once per run of the package's
// tests: loading the demo is the longest set-up of these tests under the race
// detector, and most of the tests that need a demo hall need it only as their
// starting point. Each gets a copy of its own (demoDataDir); the tests of the demo
// command itself (TestMaintenanceCommands, TestServeSQLiteWithDemo) still load it
// from nothing. TestMain removes it.
var demoTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// demoDataDir returns a data directory of the test's own holding what `hall demo`
// leaves in a new one: a copy of demoTemplate, made on first use.
func demoDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := copyDemoTemplate(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDemoTemplate copies demoTemplate, made on first use, into the empty directory
// dst.
func copyDemoTemplate(dst string) error {
	demoTemplate.once.Do(func() {
		demoTemplate.dir, demoTemplate.err = os.MkdirTemp("", "hall-demo-template-")
		if demoTemplate.err == nil {
			demoTemplate.err = run(context.Background(), []string{"demo", "--data-dir", demoTemplate.dir, "--log-level", "warn"})
		}
	})
	if demoTemplate.err != nil {
		return demoTemplate.err
	}
	return copyTree(dst, demoTemplate.dir)
}

// removeDemoTemplate removes demoTemplate, if it was made (from TestMain, once every
// test has run).
func removeDemoTemplate() {
	if demoTemplate.dir != "" {
		_ = os.RemoveAll(demoTemplate.dir) // a temporary directory; nothing to report to
	}
}

// copyTree copies the directory tree src into dst, keeping each file's and
// directory's permissions (the data key and the CA's private key are 0600).
func copyTree(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		return copyFile(target, path, info.Mode().Perm())
	})
}

func copyFile(dst, src string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close() // the copy's error is the one reported
		return err
	}
	return out.Close()
}
