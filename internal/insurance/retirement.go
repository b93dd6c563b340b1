package insurance

// Retirement returns the statutory retirement age (in months) and the month it is
// reached, for a person born in the given month: the gradual raise in force from
// 2025-01-01 (FACTS.md). The base ages are 60 for men, 50 for women workers and 55
// for women staff; those born from the rule's start month (men 1965-01, women staff
// 1970-01, women workers 1975-01) retire later by a delay that grows one month per
// four months of birth (per two for women workers), capped at 36 months (60), so the
// ages end at 63, 58 and 55. A man born 1965-01 retires at 60 years 1 month, in
// 2025-02. category matters only for women.
func Retirement(birth Month, sex Sex, category Category) (ageMonths int, at Month) {
	base, start, per, maxDelay := 60, MakeMonth(1965, 1), 4, 36
	if sex == Female {
		if category == Staff {
			base, start = 55, MakeMonth(1970, 1)
		} else {
			base, start, per, maxDelay = 50, MakeMonth(1975, 1), 2, 60
		}
	}
	delay := 0
	if k := birth.Since(start); k >= 0 {
		delay = min(maxDelay, k/per+1)
	}
	ageMonths = base*12 + delay
	return ageMonths, birth.Add(ageMonths)
}
