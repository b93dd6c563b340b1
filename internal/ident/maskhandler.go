package ident

import (
	"context"
	"fmt"
	"log/slog"
)

// MaskingHandler is a slog.Handler that runs MaskText over the message and every
// attribute before passing the record on, so that an identifier inside an error
// message, a query string or a value someone logged without thinking never reaches
// the log. Values that are not strings (errors, Stringers, anything else) are
// formatted and masked; one is replaced by its masked text only when masking changed
// it, so a log line without personal data keeps its types (numbers stay numbers in
// JSON).
type MaskingHandler struct {
	next slog.Handler
}

// NewMaskingHandler wraps next. Wrapping a MaskingHandler again returns it as it is.
func NewMaskingHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(*MaskingHandler); ok {
		return h
	}
	return &MaskingHandler{next: next}
}

// MaskingLogger returns log with its handler wrapped in a MaskingHandler.
func MaskingLogger(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(*MaskingHandler); ok {
		return log
	}
	return slog.New(NewMaskingHandler(log.Handler()))
}

func (h *MaskingHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *MaskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, MaskText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *MaskingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a)
	}
	return &MaskingHandler{next: h.next.WithAttrs(masked)}
}

func (h *MaskingHandler) WithGroup(name string) slog.Handler {
	return &MaskingHandler{next: h.next.WithGroup(name)}
}

// maskAttr masks the value of a (groups member by member).
func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, MaskText(v.String()))
	case slog.KindGroup:
		members := v.Group()
		masked := make([]any, len(members))
		for i, m := range members {
			masked[i] = maskAttr(m)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		case []byte:
			text = string(x)
		default:
			text = fmt.Sprintf("%+v", x)
		}
		if m := MaskText(text); m != text {
			return slog.String(a.Key, m)
		}
	case slog.KindInt64, slog.KindUint64:
		// A mobile or an ID number logged as a number. Shorter numbers are row IDs
		// and counts, which would otherwise pass for 8- and 10-digit Taiwan passes.
		if s := v.String(); len(s) >= 11 && MaskText(s) != s {
			return slog.String(a.Key, MaskText(s))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
