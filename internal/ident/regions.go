package ident

// provinces maps the first two digits of a GB/T 2260 region code to the
// province-level division. An ID number whose first two digits are not here
// cannot have been issued on the mainland, so it is refused even when its
// check digit happens to be right. 71 (Taiwan), 81 (Hong Kong) and 82 (Macao)
// are listed in GB/T 2260 and appear on ID numbers, so they are accepted.
var provinces = map[string]string{
	"11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
	"21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
	"31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
	"41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
	"50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
	"61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
	"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

// permitPrefixes are the address-code prefixes of 港澳台居民居住证 numbers
// (810000 Hong Kong, 820000 Macao, 830000 Taiwan). 83 is not a GB/T 2260
// province; it exists only on these permits.
var permitPrefixes = map[string]string{
	"81": "香港", "82": "澳门", "83": "台湾",
}

// ProvinceName returns the province-level division named by the first two
// digits of a region code, and whether it is known.
func ProvinceName(regionCode string) (string, bool) {
	if len(regionCode) < 2 {
		return "", false
	}
	name, ok := provinces[regionCode[:2]]
	return name, ok
}

// Region is a county-level region code with its name.
type Region struct {
	Code string
	Name string
}

// jiangsuCounties are the county-level codes the demo data draws from
// (FACTS.md). Digits 5–6: 01–20 districts, 21–80 counties, 81–99
// county-level cities.
var jiangsuCounties = []Region{
	{"320102", "玄武区"}, {"320104", "秦淮区"}, {"320106", "鼓楼区"}, {"320115", "江宁区"},
	{"320211", "滨湖区"}, {"320281", "江阴市"}, {"320282", "宜兴市"}, {"320311", "泉山区"},
	{"320412", "武进区"}, {"320506", "吴中区"}, {"320582", "张家港市"}, {"320583", "昆山市"},
	{"320682", "如皋市"}, {"320830", "盱眙县"}, {"320981", "东台市"}, {"321084", "高邮市"},
	{"321181", "丹阳市"}, {"321281", "兴化市"}, {"321322", "沭阳县"},
}

// jiangsuCities are the prefecture-level cities of Jiangsu (GB/T 2260), by the
// first four digits of a region code.
var jiangsuCities = []Region{
	{"3201", "南京市"}, {"3202", "无锡市"}, {"3203", "徐州市"}, {"3204", "常州市"}, {"3205", "苏州市"},
	{"3206", "南通市"}, {"3207", "连云港市"}, {"3208", "淮安市"}, {"3209", "盐城市"}, {"3210", "扬州市"},
	{"3211", "镇江市"}, {"3212", "泰州市"}, {"3213", "宿迁市"},
}

// JiangsuCities returns the prefecture-level cities of Jiangsu, each with the four
// digits its counties' codes start with. The slice is a copy.
func JiangsuCities() []Region {
	return append([]Region(nil), jiangsuCities...)
}

// CityName is the Jiangsu prefecture-level city whose counties' codes start with the
// first four digits of regionCode, and whether it is known.
func CityName(regionCode string) (string, bool) {
	if len(regionCode) < 4 {
		return "", false
	}
	for _, c := range jiangsuCities {
		if c.Code == regionCode[:4] {
			return c.Name, true
		}
	}
	return "", false
}

// JiangsuCounties returns the Jiangsu county-level regions used for demo and
// test data. The slice is a copy; callers may modify it.
func JiangsuCounties() []Region {
	return append([]Region(nil), jiangsuCounties...)
}

// validRegion reports whether s is a six-digit region code with a known
// province prefix. County-level codes change over time (retired codes stay on
// old ID numbers), so the rest of the code is not checked against a table.
func validRegion(s string) bool {
	if len(s) != 6 || !isDigits(s) {
		return false
	}
	_, ok := provinces[s[:2]]
	return ok
}
