package flow

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorsMap(t *testing.T) {
	own := func(s string) error { return errors.New("own: " + s) }
	m := Errors{NotFound: own("not found"), Expired: own("expired"), Completed: own("completed"), Step: own("step")}
	other := errors.New("database down")
	tests := []struct {
		in, want error
	}{
		{ErrNotFound, m.NotFound},
		{fmt.Errorf("get: %w", ErrExpired), m.Expired},
		{ErrCompleted, m.Completed},
		{ErrStep, m.Step},
		{ErrConflict, m.Step},
		{other, other},
		{nil, nil},
	}
	for _, tc := range tests {
		if got := m.Map(tc.in); got != tc.want {
			t.Errorf("Map(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
