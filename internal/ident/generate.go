package ident

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Generators for demo data and tests. They are deterministic for a given
// *rand.Rand (math/rand/v2), never touch global randomness, and every value
// they return passes the matching validator. They panic on arguments a
// program should never pass (a malformed region), like regexp.MustCompile.
// Numbers are invented; they are not checked against any register, and must
// not be replaced by real people's.

// pickRegion returns region, or a random Jiangsu county when it is empty.
func pickRegion(r *rand.Rand, region string) string {
	if region == "" {
		return jiangsuCounties[r.IntN(len(jiangsuCounties))].Code
	}
	if !validRegion(region) {
		panic(fmt.Sprintf("ident: generator region %q is not a six-digit code of a known province", region))
	}
	return region
}

// GenerateResidentID returns an 18-character resident ID number for the
// region (a random Jiangsu county if empty), birth date (its calendar date
// in its own location; a random date 1960–2005 if zero) and sex. The birth
// date must be from 1900 on; it should not be after the now later passed to
// ParseResidentID.
func GenerateResidentID(r *rand.Rand, region string, birth time.Time, male bool) string {
	return generate11643(r, pickRegion(r, region), birth, male)
}

// permitRegions are the address codes printed on 港澳台居民居住证.
var permitRegions = []string{"810000", "820000", "830000"}

// GenerateResidencePermit returns a 港澳台居民居住证 number; region is
// "810000" (Hong Kong), "820000" (Macao), "830000" (Taiwan) or empty for a
// random one of them. birth and male work as in GenerateResidentID.
func GenerateResidencePermit(r *rand.Rand, region string, birth time.Time, male bool) string {
	if region == "" {
		region = permitRegions[r.IntN(len(permitRegions))]
	}
	if _, ok := permitPrefixes[region[:min(2, len(region))]]; !ok || len(region) != 6 || !isDigits(region) {
		panic(fmt.Sprintf("ident: residence permit region %q must be 810000, 820000 or 830000", region))
	}
	return generate11643(r, region, birth, male)
}

func generate11643(r *rand.Rand, region string, birth time.Time, male bool) string {
	if birth.IsZero() {
		start := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
		birth = start.AddDate(0, 0, r.IntN(46*365))
	}
	y, m, d := birth.Date()
	if y < 1900 || y > 9999 {
		panic(fmt.Sprintf("ident: generator birth year %d outside 1900..9999", y))
	}
	// The sequence code is 3 digits; its last digit carries the sex.
	sex := 2 * r.IntN(5) // 0,2,4,6,8: female
	if male {
		sex++
	}
	body := fmt.Sprintf("%s%04d%02d%02d%02d%d", region, y, int(m), d, r.IntN(100), sex)
	return body + string(CheckDigit(body))
}

// GenerateUSCC returns an enterprise USCC ("91…": registration authority 9
// = market regulation, organisation type 1 = enterprise) for the region (a
// random Jiangsu county if empty).
func GenerateUSCC(r *rand.Rand, region string) string {
	return GenerateUSCCWithPrefix(r, "91", region)
}

// GenerateUSCCWithPrefix is GenerateUSCC for other kinds of unit; prefix is
// the registration authority and organisation type, for example "11"
// (机关), "12" (事业单位), "51" (社会团体), "52" (民办非企业单位), "92"
// (个体工商户).
func GenerateUSCCWithPrefix(r *rand.Rand, prefix, region string) string {
	if len(prefix) != 2 || usccValue(prefix[0]) < 0 || usccValue(prefix[1]) < 0 {
		panic(fmt.Sprintf("ident: generator USCC prefix %q is not two GB 32100 characters", prefix))
	}
	region = pickRegion(r, region)
	org := make([]byte, 8)
	// Newer codes issued with the USCC start "MA" and use letters; older
	// ones carried over from organisation codes are digits.
	start := 0
	if r.IntN(2) == 0 {
		copy(org, "MA")
		start = 2
	}
	for i := start; i < 8; i++ {
		if start == 0 {
			// #nosec G115 -- r.IntN(10) and r.IntN(26) keep the digit or letter inside ASCII.
			org[i] = byte('0' + r.IntN(10))
		} else {
			org[i] = usccChars[r.IntN(len(usccChars))]
		}
	}
	oc, err := OrgCodeCheckChar(string(org))
	if err != nil {
		panic(err) // cannot happen: org is built from the code set
	}
	body := prefix + region + string(org) + string(oc)
	c, err := USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// mobilePrefixes are mainland mobile number segments in use by the three
// carriers and China Broadnet.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"147", "150", "151", "152", "153", "155", "156", "157", "158", "159",
	"166", "172", "173", "175", "176", "177", "178",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"190", "191", "192", "193", "195", "196", "197", "198", "199",
}

// GenerateMobile returns a random 11-digit mainland mobile number. There is
// no reserved fictional range in China, so such a number may belong to
// someone: use it only where no SMS leaves the development outbox.
func GenerateMobile(r *rand.Rand) string {
	p := mobilePrefixes[r.IntN(len(mobilePrefixes))]
	return fmt.Sprintf("%s%08d", p, r.IntN(100_000_000))
}

// GenerateID returns a number of ID type t that ValidateID accepts at any time after
// 2006 (resident IDs and permits are born 1960–2005): every format the hall
// takes, for tests that must cover them all. It panics on an unknown type.
func GenerateID(r *rand.Rand, t IDType) string {
	switch t {
	case IDTypeResident:
		return GenerateResidentID(r, "", time.Time{}, r.IntN(2) == 0)
	case IDTypeResidencePermit:
		return GenerateResidencePermit(r, "", time.Time{}, r.IntN(2) == 0)
	case IDTypeHKMacaoPass:
		// H or M and 8 digits; one in four the older 10 digits.
		letter := "HM"[r.IntN(2)]
		if r.IntN(4) == 0 {
			return fmt.Sprintf("%c%010d", letter, r.IntN(10_000_000_000))
		}
		return fmt.Sprintf("%c%08d", letter, r.IntN(100_000_000))
	case IDTypeTaiwanPass:
		if r.IntN(4) == 0 {
			return fmt.Sprintf("%010d", r.IntN(10_000_000_000))
		}
		return fmt.Sprintf("%08d", r.IntN(100_000_000))
	case IDTypeForeignPermanent:
		if r.IntN(2) == 0 {
			// The 2017 card: nationality letters and 12 digits.
			return fmt.Sprintf("%c%c%c%012d", 'A'+r.IntN(26), 'A'+r.IntN(26), 'A'+r.IntN(26), r.IntN(1_000_000_000_000))
		}
		body := fmt.Sprintf("9%016d", r.Int64N(10_000_000_000_000_000))
		return body + string(CheckDigit(body))
	case IDTypeForeignPassport:
		// The common shape: one or two letters and 7 or 8 digits.
		// #nosec G115 -- r.IntN(10) and r.IntN(26) keep the digit or letter inside ASCII.
		letters := string(rune('A' + r.IntN(26)))
		if r.IntN(2) == 0 {
			// #nosec G115 -- r.IntN(10) and r.IntN(26) keep the digit or letter inside ASCII.
			letters += string(rune('A' + r.IntN(26)))
		}
		return fmt.Sprintf("%s%0*d", letters, 7+r.IntN(2), r.IntN(10_000_000))
	}
	panic(fmt.Sprintf("ident: no generator for ID type %q", t))
}
