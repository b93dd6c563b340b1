package ident

import (
	"fmt"
	"slices"
	"time"
)

// Numbered generators give the n-th of a sequence of distinct numbers, for data at
// national scale, where random draws collide: ten million resident ID numbers drawn
// at random from a few counties' birth dates repeat hundreds of thousands of times.
// Each number passes its validator, and the numbers rise with n, as the database's
// unique indexes order them, so that a bulk load appends to its indexes instead of
// writing all over them. Like the random generators, they are invented and must not
// be replaced by real people's; they panic on an n outside their range.

// numberedCounties are jiangsuCounties in code order.
var numberedCounties = func() []string {
	codes := make([]string, len(jiangsuCounties))
	for i, c := range jiangsuCounties {
		codes[i] = c.Code
	}
	slices.Sort(codes)
	return codes
}()

// numberedBirthDays are the birth dates of NumberedResidentID, from 1960-01-01: the
// ages of working people.
const numberedBirthDays = 46 * 365

// NumberedResidentIDs is how many distinct numbers NumberedResidentID gives.
var NumberedResidentIDs = len(numberedCounties) * numberedBirthDays * 100

// NumberedResidentID returns the n-th of NumberedResidentIDs distinct resident ID
// numbers: the Jiangsu counties in code order, in each the birth dates from
// 1960-01-01 on, a hundred sequence numbers a day (the sex digit alternates).
func NumberedResidentID(n int) string {
	if n < 0 || n >= NumberedResidentIDs {
		panic(fmt.Sprintf("ident: numbered resident ID %d outside 0..%d", n, NumberedResidentIDs-1))
	}
	perCounty := numberedBirthDays * 100
	region := numberedCounties[n/perCounty]
	within := n % perCounty
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, within/100)
	y, m, d := birth.Date()
	body := fmt.Sprintf("%s%04d%02d%02d%02d%d", region, y, int(m), d, within%100, n%2)
	return body + string(CheckDigit(body))
}

// NumberedMobiles is how many distinct numbers NumberedMobile gives.
var NumberedMobiles = len(mobilePrefixes) * 100_000_000

// NumberedMobile returns the n-th of NumberedMobiles distinct mobile numbers: the
// carriers' segments in order, eight digits counted up in each. As with
// GenerateMobile, such a number may belong to someone: use it only where no SMS
// leaves the development outbox.
func NumberedMobile(n int) string {
	if n < 0 || n >= NumberedMobiles {
		panic(fmt.Sprintf("ident: numbered mobile %d outside 0..%d", n, NumberedMobiles-1))
	}
	return fmt.Sprintf("%s%08d", mobilePrefixes[n/100_000_000], n%100_000_000)
}

// NumberedUSCCsPerRegion is how many units NumberedUSCC places in one county: no
// more than a region's unit numbers (MaxUnitSeq), so that each unit can be given the
// number of its place in its county.
const NumberedUSCCsPerRegion = 500_000

// NumberedUSCCs is how many distinct codes NumberedUSCC gives.
var NumberedUSCCs = len(numberedCounties) * NumberedUSCCsPerRegion

// NumberedUSCC returns the n-th of NumberedUSCCs distinct enterprise USCCs ("91…"),
// NumberedUSCCsPerRegion in each Jiangsu county in code order, the organisation code
// counted up in digits, and the county it is registered in, which is also
// NumberedUnitRegion(n).
func NumberedUSCC(n int) string {
	if n < 0 || n >= NumberedUSCCs {
		panic(fmt.Sprintf("ident: numbered USCC %d outside 0..%d", n, NumberedUSCCs-1))
	}
	org := fmt.Sprintf("%08d", n%NumberedUSCCsPerRegion)
	oc, err := OrgCodeCheckChar(org)
	if err != nil {
		panic(err) // cannot happen: eight digits
	}
	body := "91" + NumberedUnitRegion(n) + org + string(oc)
	c, err := USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// NumberedUnitRegion is the county of NumberedUSCC(n).
func NumberedUnitRegion(n int) string { return numberedCounties[n/NumberedUSCCsPerRegion] }
