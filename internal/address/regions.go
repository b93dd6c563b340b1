package address

import (
	"strings"

	"hall/internal/ident"
)

// The region picker offers what FACTS.md lists: the Jiangsu county-level regions
// (ident.JiangsuCounties), grouped under their prefecture-level city and province.
// A city with none of those counties is not offered, so every choice leads to a
// county.

// Region is one choice of the picker: a code (2 digits for a province, 4 for a
// city, 6 for a county) and its name.
type Region = ident.Region

// Provinces are the provinces the picker offers.
func Provinces() []Region {
	var out []Region
	seen := map[string]bool{}
	for _, c := range ident.JiangsuCounties() {
		p := c.Code[:2]
		if name, ok := ident.ProvinceName(p); ok && !seen[p] {
			seen[p] = true
			out = append(out, Region{Code: p, Name: name})
		}
	}
	return out
}

// Cities are the cities of province (its two-digit code) that have a county the
// picker offers, in code order.
func Cities(province string) []Region {
	var out []Region
	for _, c := range ident.JiangsuCities() {
		if strings.HasPrefix(c.Code, province) && len(province) == 2 && len(Counties(c.Code)) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// Counties are the counties of city (its four-digit code) the picker offers.
func Counties(city string) []Region {
	var out []Region
	if len(city) != 4 {
		return nil
	}
	for _, c := range ident.JiangsuCounties() {
		if strings.HasPrefix(c.Code, city) {
			out = append(out, c)
		}
	}
	return out
}

// RegionName is the full name of a county code the picker offers ("江苏省南京市玄武区"),
// and whether it is one.
func RegionName(county string) (string, bool) {
	if len(county) != 6 {
		return "", false
	}
	for _, c := range Counties(county[:4]) {
		if c.Code == county {
			province, _ := ident.ProvinceName(county)
			city, _ := ident.CityName(county)
			return province + city + c.Name, true
		}
	}
	return "", false
}
