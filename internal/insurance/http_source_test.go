package insurance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

const testAPIKey = "core-test-key"

// coreServer stands in for the core system's export: it serves the files of dir
// to requests carrying testAPIKey, and answers otherwise as a test sets.
type coreServer struct {
	*httptest.Server
	dir string

	mu          sync.Mutex
	status      map[string]int // file → status answered instead of the file
	contentType string         // "" means text/csv
	chunked     bool           // stream without Content-Length
	keys        []string       // the key header of every request
	gate        chan struct{}  // when set, every request waits for it to close (or to be given up)
	arrived     chan string    // when set, gets each file asked for before its gate
}

func newCoreServer(t *testing.T, dir string) *coreServer {
	t.Helper()
	s := &coreServer{dir: dir, status: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *coreServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.keys = append(s.keys, r.Header.Get("X-API-Key"))
	file := strings.TrimPrefix(r.URL.Path, "/export/")
	status, contentType, chunked, gate, arrived := s.status[file], s.contentType, s.chunked, s.gate, s.arrived
	s.mu.Unlock()
	if arrived != nil {
		arrived <- file
	}
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodGet || r.Header.Get("X-API-Key") != testAPIKey {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	body, err := os.ReadFile(filepath.Join(s.dir, filepath.Base(file)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if contentType == "" {
		contentType = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	if !chunked {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
		return
	}
	for len(body) > 0 {
		n := min(len(body), 8<<10)
		_, _ = w.Write(body[:n])
		w.(http.Flusher).Flush()
		body = body[n:]
	}
}

func (s *coreServer) set(fn func(s *coreServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *coreServer) source(t *testing.T, key string) *HTTPSource {
	t.Helper()
	src, err := NewHTTPSource(s.URL+"/export/", key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// demoFiles writes the demo data of one unit in the import format to a new
// directory and returns it.
func demoFiles(t *testing.T) string {
	t.Helper()
	src := storetest.SQLite(t)
	u := DemoUnit{USCC: unitUSCC, Region: "320102", Employees: 40, InjuryClass: 5, Subsidiaries: 2, Foreigners: 2, Construction: true}
	if err := src.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := LoadDemo(context.Background(), tx, rand.New(rand.NewPCG(1, 1)), []DemoUnit{u}, 202511, 14, DefaultBounds)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeImportFiles(t, src, dir)
	return dir
}

// count is the number of rows of one table of the read model.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHTTPSourceLoadsAsImportDir(t *testing.T) {
	dir := demoFiles(t)
	want := storetest.SQLite(t)
	var out bytes.Buffer
	if err := importer(want).ImportDir(context.Background(), dir, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		core := newCoreServer(t, dir)
		out.Reset()
		if err := importer(db).ImportFrom(ctx, core.source(t, testAPIKey), &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if got := snapshot(t, db); got != snapshot(t, want) {
			t.Fatal("the import over HTTP differs from ImportDir of the same files")
		}
		if strings.Contains(out.String(), "失败") || strings.Count(out.String(), "导入完成") != len(tables) {
			t.Fatalf("report:\n%s", out.String())
		}
		core.set(func(s *coreServer) {
			if len(s.keys) != len(tables) {
				t.Errorf("%d requests, want one per table (%d)", len(s.keys), len(tables))
			}
			for _, k := range s.keys {
				if k != testAPIKey {
					t.Errorf("request with key %q", k)
				}
			}
		})
	})
}

func TestHTTPSourceFailures(t *testing.T) {
	dir := demoFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		core := newCoreServer(t, dir)
		im := importer(db)
		var out bytes.Buffer

		// A wrong key: the first file answered 401, nothing written, and the other
		// files not asked for (TestHTTPSourceKeyRefusedStops counts the requests).
		err := im.ImportFrom(ctx, core.source(t, "wrong-key"), &out)
		if !errors.Is(err, ErrSourceUnavailable) || !errors.Is(err, ErrKeyRefused) || errors.Is(err, ErrInvalidFile) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("wrong key: %v", err)
		}
		if got := snapshot(t, db); got != "" {
			t.Fatalf("a refused key wrote rows:\n%s", got)
		}
		if !strings.Contains(out.String(), tables[0].file+"（"+tables[0].zh+"）：导入失败，本文件未导入任何数据") || !strings.Contains(out.String(), "401") ||
			!strings.Contains(out.String(), "核心系统拒绝了API密钥") {
			t.Fatalf("wrong key report:\n%s", out.String())
		}

		// A table the core system does not have (404) is skipped; a 500 fails its
		// file alone, and another content type too.
		core.set(func(s *coreServer) {
			s.status["projects.csv"] = http.StatusNotFound
			s.status["payments.csv"] = http.StatusInternalServerError
		})
		out.Reset()
		err = im.ImportFrom(ctx, core.source(t, testAPIKey), &out)
		if !errors.Is(err, ErrSourceUnavailable) || !strings.Contains(err.Error(), "payments.csv") || !strings.Contains(err.Error(), "500") {
			t.Fatalf("500: %v", err)
		}
		if strings.Contains(out.String(), "projects.csv") || !strings.Contains(out.String(), "payments.csv（缴费信息）：导入失败") {
			t.Fatalf("404 and 500 report:\n%s", out.String())
		}
		if count(t, db, "insurance_projects") != 0 || count(t, db, "insurance_payments") != 0 || count(t, db, "insurance_employees") == 0 {
			t.Fatal("a 404 or 500 file was loaded, or the others were not")
		}

		core.set(func(s *coreServer) {
			delete(s.status, "payments.csv")
			s.contentType = "text/html; charset=utf-8"
		})
		before := snapshot(t, db)
		if err := im.ImportFrom(ctx, core.source(t, testAPIKey), &out); !errors.Is(err, ErrSourceUnavailable) || !strings.Contains(err.Error(), "text/html") {
			t.Fatalf("an HTML answer: %v", err)
		}
		if snapshot(t, db) != before {
			t.Fatal("an HTML answer wrote rows")
		}
	})
}

// TestHTTPSourceKeyRefusedStops: when the core system refuses the key (401 or 403)
// the import stops at that first request with one error naming the refusal, instead
// of asking for every other file, which would be refused too. Other failures of a
// file (500) still go on to the next.
func TestHTTPSourceKeyRefusedStops(t *testing.T) {
	dir := demoFiles(t)
	cases := []struct {
		name     string
		key      string
		status   int // answered for every file instead of it, 0: the files
		requests int
		refused  bool
	}{
		{"wrong key: 401", "wrong-key", 0, 1, true},
		{"key forbidden: 403", testAPIKey, http.StatusForbidden, 1, true},
		{"server error: every file asked", testAPIKey, http.StatusInternalServerError, len(tables), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.SQLite(t)
			core := newCoreServer(t, dir)
			core.set(func(s *coreServer) {
				for _, tb := range tables {
					if c.status != 0 {
						s.status[tb.file] = c.status
					}
				}
			})
			var out bytes.Buffer
			done, err := importer(db).ImportEach(context.Background(), core.source(t, c.key), &out)
			if !errors.Is(err, ErrSourceUnavailable) || errors.Is(err, ErrKeyRefused) != c.refused {
				t.Fatalf("error %v, want key refused %v", err, c.refused)
			}
			core.set(func(s *coreServer) {
				if len(s.keys) != c.requests {
					t.Errorf("%d requests, want %d", len(s.keys), c.requests)
				}
			})
			if len(done) != c.requests {
				t.Errorf("%d outcomes, want %d", len(done), c.requests)
			}
			if got := strings.Count(out.String(), "核心系统拒绝了API密钥"); (got == 1) != c.refused || got > 1 {
				t.Errorf("report says the key was refused %d times:\n%s", got, out.String())
			}
			if got := snapshot(t, db); got != "" {
				t.Fatalf("rows written:\n%s", got)
			}
		})
	}
}

// TestHTTPSourceKeyRevokedDuringRun: a key refused only after an earlier file
// loaded (revoked during the run) stops the import there as well, and the report
// says the earlier file stays rather than that nothing was imported.
func TestHTTPSourceKeyRevokedDuringRun(t *testing.T) {
	db := storetest.SQLite(t)
	core := newCoreServer(t, demoFiles(t))
	core.set(func(s *coreServer) { s.status[tables[1].file] = http.StatusUnauthorized })
	var out bytes.Buffer
	done, err := importer(db).ImportEach(context.Background(), core.source(t, testAPIKey), &out)
	if !errors.Is(err, ErrKeyRefused) || len(done) != 2 || done[0].Err != nil {
		t.Fatalf("outcomes %+v, error %v; want the first file loaded and the key refused at the second", done, err)
	}
	if !strings.Contains(out.String(), "此前已导入的文件保留，本文件及其后的文件未导入") || strings.Contains(out.String(), "未导入任何数据。请检查密钥") {
		t.Fatalf("report:\n%s", out.String())
	}
	if count(t, db, tables[0].sql) == 0 {
		t.Fatalf("the file loaded before the refusal is gone")
	}
}

// bigEmployees writes an employees.csv of n rows to a new directory.
func bigEmployees(t *testing.T, n int) (dir string, size int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("统一社会信用代码,证件号码,姓名,人员身份\n")
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range n {
		// One birth day each: no two rows have one ID number.
		born := time.Date(1970, 1, 1+i, 0, 0, 0, 0, time.UTC)
		fmt.Fprintf(&b, "%s,%s,职工%d,工人\n", unitUSCC, ident.GenerateResidentID(rng, "320106", born, i%2 == 0), i)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "employees.csv"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, b.Len()
}

func TestHTTPSourceSizeBound(t *testing.T) {
	dir, size := bigEmployees(t, 3000)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		core := newCoreServer(t, dir)
		im := importer(db)
		var out bytes.Buffer
		for _, chunked := range []bool{false, true} {
			// Streamed without a length, the bound is met after the first rows were
			// written in the file's transaction: they are rolled back.
			core.set(func(s *coreServer) { s.chunked = chunked })
			src := core.source(t, testAPIKey)
			src.MaxFileSize = int64(size) - 1000
			err := im.ImportFrom(ctx, src, &out)
			if !errors.Is(err, ErrSourceUnavailable) || !strings.Contains(err.Error(), "more than") && !strings.Contains(err.Error(), "larger than") {
				t.Fatalf("chunked %v: %v", chunked, err)
			}
			if n := count(t, db, "insurance_employees"); n != 0 {
				t.Fatalf("chunked %v: %d rows of a file over the bound written", chunked, n)
			}
		}
		// At the bound exactly, the file loads.
		src := core.source(t, testAPIKey)
		src.MaxFileSize = int64(size)
		if err := im.ImportFrom(ctx, src, &out); err != nil {
			t.Fatalf("at the bound: %v", err)
		}
		if n := count(t, db, "insurance_employees"); n != 3000 {
			t.Fatalf("%d rows at the bound", n)
		}
	})
}

// TestHTTPSourceStreams has the server hold back the end of a file until the
// importer has reported rows of its beginning: an importer that read the whole
// answer before parsing would never report them.
func TestHTTPSourceStreams(t *testing.T) {
	const rows, every = 3000, 500
	dir, _ := bigEmployees(t, rows)
	body, err := os.ReadFile(filepath.Join(dir, "employees.csv"))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		progressed := make(chan struct{})
		var once sync.Once
		held := false
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/employees.csv" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/csv")
			half := len(body) * 2 / 3
			_, _ = w.Write(body[:half])
			w.(http.Flusher).Flush()
			select {
			case <-progressed:
			case <-time.After(10 * time.Second):
				held = true
			}
			_, _ = w.Write(body[half:])
		}))
		defer srv.Close()
		src, err := NewHTTPSource(srv.URL, testAPIKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		im := importer(db)
		im.ProgressEvery = every
		im.Progress = writerFunc(func(p []byte) {
			if strings.Contains(string(p), fmt.Sprintf("已读取%d行", every)) {
				once.Do(func() { close(progressed) })
			}
		})
		var out bytes.Buffer
		if err := im.ImportFrom(context.Background(), src, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		srv.Close() // the handler has returned: held is settled
		if held {
			t.Fatal("the importer read nothing of the answer's beginning before its end")
		}
		if n := count(t, db, "insurance_employees"); n != rows {
			t.Fatalf("%d rows", n)
		}
	})
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestNewHTTPSource(t *testing.T) {
	for _, c := range []struct {
		url, key string
		ok       bool
	}{
		{"https://core.example.gov.cn/export", "k", true},
		{"https://core.example.gov.cn/export/", "k", true},
		{"http://127.0.0.1:8080/export", "k", true},
		{"http://localhost/export", "k", true},
		{"http://[::1]:9000/", "k", true},
		{"https://core.example.gov.cn/export", "", false},
		{"http://core.example.gov.cn/export", "k", false},
		{"http://10.0.0.1/export", "k", false},
		{"https://core.example.gov.cn/export?token=1", "k", false},
		{"https://core.example.gov.cn/export#x", "k", false},
		{"ftp://core.example.gov.cn/export", "k", false},
		{"/srv/export", "k", false},
		{"", "k", false},
	} {
		_, err := NewHTTPSource(c.url, c.key, nil)
		if (err == nil) != c.ok {
			t.Errorf("NewHTTPSource(%q, %q): %v", c.url, c.key, err)
		}
	}
}

func TestHTTPSourceOpen(t *testing.T) {
	core := newCoreServer(t, t.TempDir())
	_, err := core.source(t, testAPIKey).Open(context.Background(), "employees.csv")
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrSourceUnavailable) {
		t.Fatalf("an absent file: %v", err)
	}
	if _, err := core.source(t, testAPIKey).Open(context.Background(), "../etc/passwd"); err == nil {
		t.Fatal("a name that is no table's was asked for")
	}
}
