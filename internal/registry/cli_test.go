package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/store/storetest"
)

func TestImportFile(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	tb := NewTable(db, newClock().Now)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	es := testEntries(60, 4)
	good := write("good.csv", entriesFile(t, es))

	var out strings.Builder
	if err := ImportFile(context.Background(), tb, good, &out); err != nil {
		t.Fatalf("ImportFile: %v\n%s", err, out.String())
	}
	if want := "导入完成（UTF-8编码）：共4行，新增4条，更新0条，未变化0条。"; !strings.Contains(out.String(), want) {
		t.Fatalf("output %q lacks %q", out.String(), want)
	}

	rows := [][]string{row(es[0]), row(es[1])}
	rows[1][4] = flipLast(rows[1][4])
	bad := write("bad.csv", csvFile(t, append(append([]string{}, zhHeader...), "备注"), append(rows[0], ""), append(rows[1], "")))
	out.Reset()
	err := ImportFile(context.Background(), tb, bad, &out)
	if !errors.Is(err, ErrInvalidFile) {
		t.Fatalf("ImportFile(bad) = %v", err)
	}
	for _, want := range []string{"已忽略无法识别的列：备注", "导入失败，未导入任何数据。共发现1处错误", "第3行 法定代表人证件号码：身份号码校验位错误"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output %q lacks %q", out.String(), want)
		}
	}
	if strings.Contains(out.String(), es[1].LegalRepIDNumber[:10]) {
		t.Fatal("output echoes the ID number")
	}

	out.Reset()
	if err := ImportFile(context.Background(), tb, filepath.Join(dir, "missing.csv"), &out); err == nil || !strings.Contains(out.String(), "无法打开文件") {
		t.Fatalf("missing file: %v, %q", err, out.String())
	}
}

func TestPrintReportCapped(t *testing.T) {
	t.Parallel()
	rep := Report{Errors: []LineError{{Line: 2, Msg: "x"}}, MoreErrors: 7}
	var out strings.Builder
	printReport(&out, &rep, ErrInvalidFile)
	if !strings.Contains(out.String(), "共发现8处错误") || !strings.Contains(out.String(), "另有7处错误未列出") {
		t.Fatalf("output %q", out.String())
	}
}
