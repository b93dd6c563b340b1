package insurance

import "testing"

func TestRetirement(t *testing.T) {
	tests := []struct {
		name     string
		birth    Month
		sex      Sex
		category Category
		years    int
		months   int
		at       Month
	}{
		{"man before the raise", 196412, Male, Worker, 60, 0, 202412},
		{"man 1965-01 (FACTS example)", 196501, Male, Worker, 60, 1, 202502},
		{"man k=3 still one month", 196504, Male, Staff, 60, 1, 202505},
		{"man k=4 two months", 196505, Male, Worker, 60, 2, 202507},
		{"man k=139 reaches 35", 197608, Male, Worker, 62, 11, 203907},
		{"man k=143 reaches 36", 197612, Male, Worker, 63, 0, 203912},
		{"man capped at 63", 198001, Male, Worker, 63, 0, 204301},
		{"woman worker before", 197412, Female, Worker, 50, 0, 202412},
		{"woman worker 1975-01", 197501, Female, Worker, 50, 1, 202502},
		{"woman worker k=1", 197502, Female, Worker, 50, 1, 202503},
		{"woman worker k=2", 197503, Female, Worker, 50, 2, 202505},
		{"woman worker reaches 55", 198412, Female, Worker, 55, 0, 203912},
		{"woman worker capped", 199001, Female, Worker, 55, 0, 204501},
		{"woman staff before", 196912, Female, Staff, 55, 0, 202412},
		{"woman staff 1970-01", 197001, Female, Staff, 55, 1, 202502},
		{"woman staff k=8", 197009, Female, Staff, 55, 3, 202512},
		{"woman staff capped at 58", 198501, Female, Staff, 58, 0, 204301},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			age, at := Retirement(tt.birth, tt.sex, tt.category)
			if age/12 != tt.years || age%12 != tt.months || at != tt.at {
				t.Errorf("Retirement(%s, %s, %s) = %d years %d months at %s, want %d years %d months at %s",
					tt.birth, tt.sex, tt.category, age/12, age%12, at, tt.years, tt.months, tt.at)
			}
		})
	}
}

func TestMonth(t *testing.T) {
	if got := Month(202412).Add(1); got != 202501 {
		t.Errorf("202412+1 = %d", got)
	}
	if got := Month(202501).Add(-13); got != 202312 {
		t.Errorf("202501-13 = %d", got)
	}
	for in, want := range map[string]Month{"2025-02": 202502, "202502": 202502, "2025/2": 202502, "2025-13": 0, "x": 0} {
		if got, _ := ParseMonth(in); got != want {
			t.Errorf("ParseMonth(%q) = %d, want %d", in, got, want)
		}
	}
}
