package registry

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// ImportFile runs `hall import registry FILE`: it imports the file at path into t and
// prints the report to w in Chinese — the counts, or every listed problem with its
// line number. It returns nil only when the file was loaded; the error wraps
// ErrInvalidFile when the file had problems (nothing was loaded), or is the failure
// to open or read the file or to write the database.
func ImportFile(ctx context.Context, t *Table, path string, w io.Writer) error {
	// #nosec G304 -- the path is the operator's command-line argument.
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(w, "无法打开文件：%v\n", err)
		return fmt.Errorf("registry: open import file: %w", err)
	}
	defer f.Close()
	rep, err := t.Import(ctx, f)
	printReport(w, &rep, err)
	if err != nil {
		return fmt.Errorf("registry: import %s: %w", path, err)
	}
	return nil
}

func printReport(w io.Writer, rep *Report, err error) {
	if len(rep.IgnoredColumns) > 0 {
		fmt.Fprintf(w, "已忽略无法识别的列：%s\n", strings.Join(rep.IgnoredColumns, "、"))
	}
	switch {
	case rep.Failed():
		fmt.Fprintf(w, "导入失败，未导入任何数据。共发现%d处错误：\n", rep.ErrorCount())
		for _, e := range rep.Errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
		if rep.MoreErrors > 0 {
			fmt.Fprintf(w, "  另有%d处错误未列出。\n", rep.MoreErrors)
		}
	case err != nil:
		fmt.Fprintf(w, "导入失败，未导入任何数据：%v\n", err)
	default:
		fmt.Fprintf(w, "导入完成（%s编码）：共%d行，新增%d条，更新%d条，未变化%d条。\n",
			rep.Encoding, rep.Rows, rep.Inserted, rep.Updated, rep.Unchanged)
	}
}
