package ident

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestMaskingHandler logs identifiers through every kind of attribute and checks
// that none reaches the output, in both the text and the JSON handler.
func TestMaskingHandler(t *testing.T) {
	const id, mobile = "32010219900307241X", "13620505873"
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			h = slog.NewJSONHandler(&buf, nil)
		}
		log := MaskingLogger(slog.New(h)).With("who", "+86 136-2050-5873")
		log.WithGroup("g").Error("login of "+id+" failed",
			"err", fmt.Errorf("lookup %s: %w", id, errors.New("not found")),
			"mobile", mobile,
			"number", int64(13620505873),
			"list", []string{id},
			slog.Group("form", "id_number", "H12345678"),
			"status", 200,
			"person_id", int64(12345679),
		)
		out := buf.String()
		for _, leak := range []string{id, mobile, "2050", "H12345678"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s: %q in %s", format, leak, out)
			}
		}
		if !strings.Contains(out, "200") || !strings.Contains(out, "3***************1X") || !strings.Contains(out, "12345679") {
			t.Errorf("%s: the rest of the line is lost: %s", format, out)
		}
	}
	if h := NewMaskingHandler(NewMaskingHandler(slog.DiscardHandler)); h.(*MaskingHandler).next != slog.DiscardHandler {
		t.Error("wrapping twice nests the handler")
	}
}
