package flow

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorsMap(t *testing.T) {
	var (
		notFound  = errors.New("own: not found")
		expired   = errors.New("own: expired")
		completed = errors.New("own: completed")
		step      = errors.New("own: step")
		other     = errors.New("database down")
	)
	m := Errors{NotFound: notFound, Expired: expired, Completed: completed, Step: step}
	tests := []struct {
		in, want error
	}{
		{ErrNotFound, notFound},
		{fmt.Errorf("get: %w", ErrExpired), expired},
		{ErrCompleted, completed},
		{ErrStep, step},
		{ErrConflict, step},
		{other, other},
		{nil, nil},
	}
	for _, tc := range tests {
		if got := m.Map(tc.in); got != tc.want {
			t.Errorf("Map(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
