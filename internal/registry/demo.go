package registry

import (
	"fmt"
	"math/rand/v2"
	"time"

	"hall/internal/ident"
)

// Word lists for demo units. Trade names are built from two syllables chosen for
// sounding like a business, not taken from any register; with the generated USCCs
// and ID numbers no entry describes a real unit or person, even where a name
// happens to exist somewhere.
var (
	tradeFirst  = []rune("恒启博泓澄弘瀚睿禾锦拓明德鼎聚润鑫卓誉沐")
	tradeSecond = []rune("睿澜衍毅远熠岚川泽辰源达宸越航森曜骏逸朗")
	industries  = []string{"科技", "信息技术", "软件", "电子", "机械制造", "新材料", "建设工程", "物流",
		"商贸", "餐饮管理", "环保科技", "医疗器械", "纺织", "食品", "生物科技", "智能装备", "文化传媒",
		"人力资源服务", "物业管理", "建筑劳务"}
	companyForms = []string{"有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"}
	streets      = []string{"清源", "锦绣", "和畅", "望湖", "兴文", "柳营", "桂苑", "云台", "临川", "梅岭"}
	topics       = []string{"青年创业", "非遗保护", "乡村旅游", "智能制造", "养老服务", "数字经济", "书画艺术"}
	nonProfits   = []string{"职业培训学校", "养老服务中心", "社会工作服务中心", "康复服务中心"}
	shops        = []string{"小吃店", "便利店", "五金店", "理发店", "水果店", "汽车修理部", "服装店"}
	farming      = []string{"稻麦种植", "茶叶种植", "果蔬种植", "花木种植", "水产养殖", "生猪养殖"}

	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "欧阳"}
	maleGiven  = []rune("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆")
	femGiven   = []rune("芳娜敏静丽艳娟霞燕玲丹萍红琳洁颖婷雪慧倩璐瑶晨")
	foreignFst = []string{"约翰", "迈克尔", "大卫", "詹姆斯", "托马斯", "安娜", "玛丽亚", "艾玛", "汉斯", "卢卡斯"}
	foreignLst = []string{"史密斯", "米勒", "施密特", "琼斯", "布朗", "马丁", "贝克", "韦伯", "霍夫曼", "加西亚"}
)

// cities names the prefecture of the demo county codes (first four digits).
var cities = map[string]string{
	"3201": "南京", "3202": "无锡", "3203": "徐州", "3204": "常州", "3205": "苏州", "3206": "南通",
	"3207": "连云港", "3208": "淮安", "3209": "盐城", "3210": "扬州", "3211": "镇江", "3212": "泰州",
	"3213": "宿迁",
}

// unitKinds is the mix of demo units: the USCC prefix (registration authority and
// organisation type) goes with the unit type.
type unitKind struct {
	t      UnitType
	prefix string
	weight int
}

var unitKinds = []unitKind{
	{UnitEnterprise, "91", 62}, {UnitIndividualBusiness, "92", 8}, {UnitPublicInstitution, "12", 10},
	{UnitGovernment, "11", 5}, {UnitSocialOrganization, "51", 5}, {UnitPrivateNonEnterprise, "52", 6},
	{UnitFoundation, "53", 1}, {UnitCooperative, "93", 3},
}

// DemoEntries returns n invented but well-formed registry entries, the same for the
// same generator state: units of every type across the Jiangsu demo counties
// (FACTS.md), with valid USCCs and legal representatives' ID numbers, mostly 存续 and
// a few 注销 or 吊销. UpdatedAt is zero; Upsert stamps it.
func DemoEntries(g *rand.Rand, n int) []Entry {
	counties := ident.JiangsuCounties()
	out := make([]Entry, 0, max(n, 0))
	seen := make(map[string]bool, n)
	for len(out) < n {
		c := counties[g.IntN(len(counties))]
		k := pickKind(g)
		uscc := ident.GenerateUSCCWithPrefix(g, k.prefix, c.Code)
		if seen[uscc] {
			continue
		}
		seen[uscc] = true
		e := Entry{
			USCC:         uscc,
			Name:         demoUnitName(g, k.t, c),
			UnitType:     k.t,
			RegisteredAt: time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.IntN(30*365)),
			Address:      demoAddress(g, c),
			Region:       c.Code,
			Status:       StatusActive,
		}
		switch p := g.IntN(100); {
		case p < 3:
			e.Status = StatusCancelled
		case p < 5:
			e.Status = StatusRevoked
		}
		e.LegalRepIDType, e.LegalRepIDNumber, e.LegalRepName = demoLegalRep(g, c.Code)
		out = append(out, e)
	}
	return out
}

func pickKind(g *rand.Rand) unitKind {
	total := 0
	for _, k := range unitKinds {
		total += k.weight
	}
	x := g.IntN(total)
	for _, k := range unitKinds {
		if x < k.weight {
			return k
		}
		x -= k.weight
	}
	return unitKinds[0]
}

func pick[T any](g *rand.Rand, xs []T) T { return xs[g.IntN(len(xs))] }

func tradeName(g *rand.Rand) string {
	return string(pick(g, tradeFirst)) + string(pick(g, tradeSecond))
}

// place is how a county-level region prefixes a local unit's name: a district goes
// with its city ("南京市玄武区"), a county-level city or county stands alone
// ("江阴市", "盱眙县"). Digits 5–6 of the code: 01–20 districts.
func place(c ident.Region) string {
	if c.Code[4:6] <= "20" {
		return cities[c.Code[:4]] + "市" + c.Name
	}
	return c.Name
}

func demoUnitName(g *rand.Rand, t UnitType, c ident.Region) string {
	city := cities[c.Code[:4]]
	switch t {
	case UnitEnterprise:
		prefix := "江苏"
		if g.IntN(2) == 0 {
			prefix = city
		}
		return prefix + tradeName(g) + pick(g, industries) + pick(g, companyForms)
	case UnitPublicInstitution:
		if g.IntN(2) == 0 {
			return place(c) + pick(g, streets) + "街道社区卫生服务中心"
		}
		return place(c) + tradeName(g) + "路小学"
	case UnitGovernment:
		return place(c) + pick(g, streets) + "街道办事处"
	case UnitSocialOrganization:
		return city + "市" + tradeName(g) + pick(g, topics) + "促进会"
	case UnitPrivateNonEnterprise:
		return place(c) + tradeName(g) + pick(g, nonProfits)
	case UnitIndividualBusiness:
		return place(c) + tradeName(g) + pick(g, shops)
	case UnitFoundation:
		return "江苏省" + tradeName(g) + "教育基金会"
	case UnitCooperative:
		return place(c) + tradeName(g) + pick(g, farming) + "专业合作社"
	}
	return place(c) + tradeName(g) + "服务中心"
}

func demoAddress(g *rand.Rand, c ident.Region) string {
	a := fmt.Sprintf("江苏省%s市%s%s路%d号", cities[c.Code[:4]], c.Name, tradeName(g), 1+g.IntN(300))
	if g.IntN(2) == 0 {
		a += fmt.Sprintf("%d幢%d室", 1+g.IntN(12), 101+g.IntN(20)*100+g.IntN(8))
	}
	return a
}

// demoLegalRep returns a legal representative: mostly mainland residents born
// 1960–1995 (ID numbers from the unit's county, as is common), a few holders of a
// 港澳台居民居住证 or a foreign passport, so that the online refusal for passports
// (SPEC R2) has data to show.
func demoLegalRep(g *rand.Rand, region string) (ident.IDType, string, string) {
	male := g.IntN(3) > 0
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.IntN(36*365))
	switch p := g.IntN(100); {
	case p < 3:
		return ident.IDTypeResidencePermit, ident.GenerateResidencePermit(g, "", birth, male), chineseName(g, male)
	case p < 5:
		passport := fmt.Sprintf("%c%c%07d", 'A'+g.IntN(26), 'A'+g.IntN(26), g.IntN(10_000_000))
		return ident.IDTypeForeignPassport, passport, pick(g, foreignFst) + "·" + pick(g, foreignLst)
	}
	return ident.IDTypeResident, ident.GenerateResidentID(g, region, birth, male), chineseName(g, male)
}

func chineseName(g *rand.Rand, male bool) string {
	given := femGiven
	if male {
		given = maleGiven
	}
	name := pick(g, surnames) + string(pick(g, given))
	if g.IntN(3) > 0 {
		name += string(pick(g, given))
	}
	return name
}

// DemoPersonName returns an invented Chinese name, for other packages' demo people
// (the insurance read model's employees), drawn from the same word lists.
func DemoPersonName(g *rand.Rand, male bool) string { return chineseName(g, male) }

// DemoForeignName returns an invented transliterated foreign name.
func DemoForeignName(g *rand.Rand) string { return pick(g, foreignFst) + "·" + pick(g, foreignLst) }
