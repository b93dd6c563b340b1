package sms

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"hall/internal/chinatime"
)

// PrintOutbox writes the newest n messages of the development outbox to w as a
// table (for `hall sms list`): time in Asia/Shanghai, mobile, purpose and text, newest
// first, followed by a count line. n ≤ 0 means DefaultPerPage. The mobile is shown in
// full: this is the developer's view of messages that never left the machine, and
// matching a message to a test account needs the number. Errors are database failures
// and w's write errors.
func PrintOutbox(ctx context.Context, w io.Writer, o *Outbox, n int) error {
	if n <= 0 {
		n = DefaultPerPage
	}
	per := min(n, MaxPerPage)
	var msgs []OutboxMessage
	total := 0
	for page := 1; len(msgs) < n; page++ {
		batch, t, err := o.List(ctx, Page{Page: page, PerPage: per})
		if err != nil {
			return err
		}
		total = t
		msgs = append(msgs, batch...)
		if len(batch) < per {
			break
		}
	}
	msgs = msgs[:min(len(msgs), n)]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "时间 (北京时间)\t手机号\t用途\t内容")
	for _, m := range msgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.CreatedAt.In(chinatime.Zone).Format(time24), oneLine(m.Mobile), oneLine(m.Purpose), oneLine(m.Text))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "共 %d 条，显示最新 %d 条（开发环境短信发件箱，未实际发送）\n", total, len(msgs))
	return err
}

const time24 = "2006-01-02 15:04:05"

// oneLine keeps a table cell on one line and in its column: tabs, line breaks and
// other control characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
