package verify

import (
	"testing"
	"time"
)

func TestPageState(t *testing.T) {
	used := time.Date(2025, 6, 30, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		sess Session
		want string
	}{
		{"pending", Session{Status: Pending}, PagePending},
		{"passed", Session{Status: Passed}, PagePassed},
		{"passed and consumed", Session{Status: Passed, ConsumedAt: used}, PageUsed},
		{"failed", Session{Status: Failed}, PageFailed},
		{"expired", Session{Status: Expired}, PageExpired},
	}
	for _, tc := range tests {
		if got := PageState(tc.sess); got != tc.want {
			t.Errorf("%s: PageState = %q, want %q", tc.name, got, tc.want)
		}
	}
}
