package formerr

import (
	"errors"
	"fmt"
	"testing"

	"hall/internal/ident"
)

type testSource struct{}

func (testSource) Source() string { return "test" }

type otherSource struct{}

func (otherSource) Source() string { return "other" }

func TestError(t *testing.T) {
	tests := []struct {
		name     string
		build    func() *Error[testSource]
		wantNil  bool
		wantText string
		wantMsg  map[string]string
	}{
		{"empty is no error", func() *Error[testSource] { return &Error[testSource]{} }, true, "", nil},
		{"top only", func() *Error[testSource] { return &Error[testSource]{Top: "稍后再试"} }, false, "test: refused: 稍后再试", nil},
		{"first message per field kept", func() *Error[testSource] {
			e := &Error[testSource]{}
			e.Add("a", "一")
			e.Add("a", "二")
			e.Add("b", "三")
			return e
		}, false, "test: 2 invalid fields", map[string]string{"a": "一", "b": "三"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.build()
			err := e.OrNil()
			if (err == nil) != tc.wantNil {
				t.Fatalf("OrNil() = %v, want nil %v", err, tc.wantNil)
			}
			if err == nil {
				return
			}
			if got := err.Error(); got != tc.wantText {
				t.Errorf("Error() = %q, want %q", got, tc.wantText)
			}
			for f, m := range tc.wantMsg {
				if e.Fields[f] != m {
					t.Errorf("Fields[%q] = %q, want %q", f, e.Fields[f], m)
				}
			}
		})
	}
}

// Errors of two sources are distinct types, so errors.As finds only its own.
func TestErrorSourcesDistinct(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Error[testSource]{Top: "x"})
	var mine *Error[testSource]
	var other *Error[otherSource]
	if !errors.As(err, &mine) || mine.Top != "x" {
		t.Errorf("errors.As own source = %v", mine)
	}
	if errors.As(err, &other) {
		t.Error("errors.As matched another source's error")
	}
}

func TestFieldMsg(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"ident field error", fmt.Errorf("x: %w", ident.ErrUSCCFormat), ident.ErrUSCCFormat.Msg},
		{"other error", errors.New("boom"), "fallback"},
		{"nil", nil, "fallback"},
	}
	for _, tc := range tests {
		if got := FieldMsg(tc.err, "fallback"); got != tc.want {
			t.Errorf("%s: FieldMsg = %q, want %q", tc.name, got, tc.want)
		}
	}
}
