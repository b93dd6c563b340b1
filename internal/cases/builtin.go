package cases

// The built-in catalog that Seed writes.
//
// Items for units, their categories, online/counter marks (● online, ○ counter,
// ◐ both) and the notes in brackets come from /work/shared/FACTS.md "Service catalog
// for units". The personal items, and every 办件类型, 法定期限, 承诺期限, 到现场次数 and
// material list where FACTS.md gives none, are PLAUSIBLE DEFAULTS modelled on published
// provincial service guides, not confirmed figures for any bureau; a deployment
// replaces them with its own catalog. Where FACTS.md or the law gives a figure it is
// used: 社会保险法 §57 (registration reviewed within 15 days), 工伤保险条例 §17/§20
// (application within 30 days by the unit or 1 year by the worker, decision within 60
// days), 集体合同规定 §42/§44 (report within 10 days, review within 15), 不定时工作制
// and 综合计算工时 approval (20 statutory, 13 promised), 人力资源服务许可 (20
// statutory, 10 promised, valid 5 years).
//
// Codes are stable: never reuse or renumber one, because cases and agent grants refer
// to them. Append new items at the end of their category with the next number; an item
// that is withdrawn is removed from this list and Seed marks it inactive.

var builtinCategories = []Category{
	{Code: "JY", Name: "就业创业", Sort: 1},
	{Code: "SB", Name: "社会保险", Sort: 2},
	{Code: "RC", Name: "人才人事", Sort: 3},
	{Code: "LD", Name: "劳动关系", Sort: 4},
	{Code: "SK", Name: "社会保障卡", Sort: 5},
}

// Forms of materials.
const (
	formOriginal = "原件"
	formCopy     = "复印件"
	formBoth     = "原件及复印件"
	formOnline   = "电子材料"
	formTable    = "申请表（在线填报）"
	formLicence  = "电子证照（系统自动获取）"
)

func req(name, form string) Material {
	return Material{Name: name, Form: form, Copies: 1, Required: true}
}

func opt(name, form, note string) Material {
	return Material{Name: name, Form: form, Copies: 1, Required: false, Note: note}
}

func noted(m Material, note string) Material { m.Note = note; return m }

var builtinItems = []Item{
	// 就业创业 — for units.
	{Code: "JY-001", Category: "JY", Name: "失业保险稳岗返还", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 10, Hot: 8,
		Notes: "符合条件的企业“免申即享”，无需申请即可获得返还资金；未纳入免申名单的企业可在线申请。" +
			"中小微企业按上年度实际缴纳失业保险费的60%返还，大型企业按30%返还；须连续足额缴费满12个月，上年度裁员率不高于5.5%（30人以下企业不高于20%）。",
		Materials: []Material{req("稳岗返还申请承诺书", formTable), noted(req("单位银行账户信息", formOnline), "免申即享的企业无需提交")}},
	{Code: "JY-002", Category: "JY", Name: "一次性扩岗补助", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15,
		Notes:     "企业招用毕业年度或离校2年内未就业高校毕业生、登记失业的16—24岁青年，签订劳动合同并按月足额缴纳社会保险费满1个月的，可申领。",
		Materials: []Material{req("招用人员花名册", formTable), req("劳动合同", formOnline)}},
	{Code: "JY-003", Category: "JY", Name: "就业见习补贴申领", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15,
		Notes: "由经认定的就业见习基地（机构）申领，见习期满或按季度申请。",
		Materials: []Material{req("见习人员花名册", formTable), req("就业见习协议", formBoth), req("见习人员生活补助发放凭证", formCopy),
			opt("见习人员人身意外伤害保险单", formCopy, "按规定购买的提供")}},
	{Code: "JY-004", Category: "JY", Name: "社会保险补贴(企业吸纳重点群体)", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15,
		Notes:     "企业吸纳就业困难人员、离校2年内未就业高校毕业生等重点群体并为其缴纳社会保险费的，可按规定申领社会保险补贴。",
		Materials: []Material{req("吸纳重点群体人员名单", formTable), req("劳动合同", formCopy), req("社会保险缴费凭证", formCopy)}},
	{Code: "JY-005", Category: "JY", Name: "录用备案", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "用人单位自录用职工之日起30日内办理录用备案。",
		Materials: []Material{req("录用人员信息", formTable), req("劳动合同", formOnline)}},
	{Code: "JY-006", Category: "JY", Name: "退工备案", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "用人单位自与职工解除或终止劳动关系之日起15日内办理退工备案，并同步办理退工停保。",
		Materials: []Material{req("解除或终止劳动合同证明", formOnline)}},
	{Code: "JY-007", Category: "JY", Name: "就业登记", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Hot: 7, Notes: "用人单位招用人员后为其办理就业登记，可单个或批量办理。",
		Materials: []Material{req("就业人员信息", formTable)}},
	{Code: "JY-008", Category: "JY", Name: "岗位信息发布", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 5, PromisedDays: 1, Notes: "岗位信息经审核后在公共就业服务平台发布，不得含有性别、民族等就业歧视内容。",
		Materials: []Material{req("招聘岗位信息", formTable)}},
	{Code: "JY-009", Category: "JY", Name: "职业培训补贴", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15,
		Notes:     "企业组织职工参加职业技能培训并取得职业资格证书或职业技能等级证书的，按规定申领补贴。",
		Materials: []Material{req("培训合格人员花名册", formTable), req("职业技能等级证书或职业资格证书", formCopy), req("培训费用票据", formCopy)}},
	// 就业创业 — for persons.
	{Code: "JY-010", Category: "JY", Name: "失业登记", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CaseInstant, Notes: "法定劳动年龄内、有劳动能力和就业要求、处于无业状态的人员，可在常住地办理失业登记。",
		Materials: []Material{req("居民身份证", formOriginal), opt("解除或终止劳动合同证明", formCopy, "有的提供")}},
	{Code: "JY-011", Category: "JY", Name: "就业创业证申领", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CaseInstant, Notes: "《就业创业证》是记录就业、失业状况和享受就业扶持政策的凭证，可申领电子证。",
		Materials: []Material{req("居民身份证", formOriginal), opt("近期免冠照片", formOnline, "申领纸质证时提供")}},
	{Code: "JY-012", Category: "JY", Name: "高校毕业生求职创业补贴申领", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15,
		Notes:     "毕业年度内有就业创业意愿并积极求职创业的低保家庭、脱贫家庭、残疾等困难高校毕业生，通过所在高校申请。",
		Materials: []Material{req("居民身份证", formOnline), req("学籍证明", formOnline), req("困难身份证明", formOnline)}},
	{Code: "JY-013", Category: "JY", Name: "创业担保贷款申请", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15, Visits: 1,
		Notes: "符合条件的个人创业者可申请创业担保贷款并享受贴息，经人社部门资格审核后由经办银行放款，须到银行面签一次。",
		Materials: []Material{req("居民身份证", formBoth), req("营业执照", formLicence), req("创业项目计划书", formOriginal),
			opt("就业创业证", formCopy, "重点群体人员提供")}},
	{Code: "JY-014", Category: "JY", Name: "就业困难人员认定", Applicant: ApplicantPerson, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 15, PromisedDays: 10, Visits: 1,
		Notes: "已办理失业登记且符合本省就业困难人员条件的人员，向户籍或常住地街道（乡镇）公共就业服务机构申请。",
		Materials: []Material{req("居民身份证", formBoth), req("就业创业证", formOriginal), req("就业困难人员认定申请表", formOriginal),
			opt("残疾人证、低保证明等身份证明", formCopy, "按申请类别提供")}},

	// 社会保险 — for units.
	{Code: "SB-001", Category: "SB", Name: "企业社会保险登记", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, LegalDays: 15, Hot: 6,
		Notes:     "用人单位应当自成立之日起30日内申请办理社会保险登记。已通过市场监管部门“多证合一”共享登记信息的，无需重复提交营业执照。",
		Materials: []Material{req("营业执照或批准成立文件", formLicence), req("法定代表人身份证件", formOnline), req("单位银行账户信息", formOnline)}},
	{Code: "SB-002", Category: "SB", Name: "用人单位用工参保登记", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CaseInstant, LegalDays: 15, Hot: 3,
		Notes:     "用人单位应当自用工之日起30日内为职工办理参保登记。可单个增员，也可下载模板批量增员。",
		Materials: []Material{req("职工身份证件信息", formTable), opt("批量增员表", formOnline, "批量增员时按模板填写上传")}},
	{Code: "SB-003", Category: "SB", Name: "用人单位用工参保预登记", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType:  CaseInstant,
		Notes:     "仅在每月7日至10日结算期内开放；预登记的人员在下一申报期（11日至次月6日）自动生效。",
		Materials: []Material{req("职工身份证件信息", formTable)}},
	{Code: "SB-004", Category: "SB", Name: "用人单位退工停保登记", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CaseInstant, LegalDays: 15,
		Notes:     "用人单位应当自职工离职之日起10日内办理退工停保。可单个减员，也可下载模板批量减员。",
		Materials: []Material{req("解除或终止劳动合同证明", formOnline), opt("批量减员表", formOnline, "批量减员时按模板填写上传")}},
	{Code: "SB-005", Category: "SB", Name: "人员基础信息采集", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "首次参保的人员须先采集基础信息，再办理参保登记。",
		Materials: []Material{req("人员身份证件信息", formTable), opt("近期免冠照片", formOnline, "同时申领社会保障卡的提供")}},
	{Code: "SB-006", Category: "SB", Name: "缴费基数调整(上调)", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType:  CaseInstant,
		Notes:     "网上仅可上调缴费基数；下调缴费基数须到经办窗口办理，并提供工资发放凭证。缴费基数在当年公布的上下限之间。",
		Materials: []Material{req("职工工资总额明细", formTable)}},
	{Code: "SB-007", Category: "SB", Name: "单位权益单查询打印", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Hot: 2,
		Notes: "单位可自助打印《社会保险权益记录单(参保单位)》，记录单带电子印章和二维码，6个月内可扫码验证真伪。"},
	{Code: "SB-008", Category: "SB", Name: "企业职工基本养老保险退休申请", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 10, Visits: 1,
		Notes:     "职工达到法定退休年龄前1个月内，由单位网上提交申请，并将纸质材料交至经办窗口。",
		Materials: []Material{req("居民身份证", formCopy), req("职工人事档案", formOriginal), req("退休申请表", formTable)}},
	{Code: "SB-009", Category: "SB", Name: "单位参保信息变更登记", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CaseInstant, LegalDays: 15,
		Notes:     "单位名称、住所、开户银行等登记事项变更的，应当自变更之日起30日内办理；法定代表人变更以市场监管部门登记为准。",
		Materials: []Material{req("变更后的营业执照", formLicence), req("变更登记通知书或相关证明", formOnline)}},
	{Code: "SB-010", Category: "SB", Name: "参保单位注销", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 15, PromisedDays: 10, Visits: 1,
		Notes:     "单位须先结清欠缴的社会保险费、利息和滞纳金，并为全部职工办理停保。",
		Materials: []Material{req("社会保险注销登记表", formOriginal), req("注销、撤销或吊销证明文件", formCopy), req("经办人身份证件", formOriginal)}},
	{Code: "SB-011", Category: "SB", Name: "机关事业单位社会保险登记", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CaseInstant, LegalDays: 15, Visits: 1,
		Notes:     "机关事业单位自成立之日起30日内办理。",
		Materials: []Material{req("事业单位法人证书或批准成立文件", formBoth), req("编制部门核定编制的文件", formCopy), req("经办人身份证件", formOriginal)}},
	{Code: "SB-012", Category: "SB", Name: "工程建设项目办理工伤保险参保登记", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CaseInstant, LegalDays: 5, Visits: 1,
		Notes:     "建筑施工企业在项目开工前按项目参保，工伤保险费按工程总造价的一定比例一次性缴纳，覆盖项目全部施工人员。",
		Materials: []Material{req("建设工程施工合同", formCopy), req("施工许可证或开工报告", formCopy), opt("项目施工人员花名册", formOriginal, "实行实名制管理的项目提供")}},
	{Code: "SB-013", Category: "SB", Name: "工伤认定申请", Applicant: ApplicantBoth, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 60, PromisedDays: 30, Visits: 1,
		Notes: "用人单位应当自事故伤害发生之日或被诊断、鉴定为职业病之日起30日内提出申请；单位未申请的，工伤职工或其近亲属、工会组织可在1年内提出。" +
			"人社部门自受理之日起60日内作出认定决定。",
		Materials: []Material{req("工伤认定申请表", formOriginal), req("劳动关系证明（劳动合同等）", formCopy), req("医疗诊断证明或职业病诊断证明书", formCopy)}},
	{Code: "SB-014", Category: "SB", Name: "工伤保险待遇申领", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 15, Visits: 1,
		Notes:     "工伤认定后，用人单位为工伤职工申领医疗费、伤残补助金等工伤保险待遇。",
		Materials: []Material{req("工伤认定决定书", formCopy), req("医疗费用票据及费用清单", formOriginal), opt("劳动能力鉴定结论书", formCopy, "申领伤残待遇时提供")}},
	{Code: "SB-015", Category: "SB", Name: "劳动能力鉴定申请", Applicant: ApplicantBoth, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 60, PromisedDays: 45, Visits: 1,
		Notes:     "工伤职工伤情相对稳定后存在残疾、影响劳动能力的，由用人单位、工伤职工或其近亲属提出申请。",
		Materials: []Material{req("劳动能力鉴定申请表", formOriginal), req("工伤认定决定书", formCopy), req("诊断证明及病历资料", formCopy)}},
	// 社会保险 — for persons.
	{Code: "SB-016", Category: "SB", Name: "个人权益记录查询打印", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CaseInstant, Hot: 1,
		Notes: "登录后可查询并打印本人社会保险参保缴费记录，打印件带电子印章，可扫码验证。"},
	{Code: "SB-017", Category: "SB", Name: "个人参保证明查询打印", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "可用于购房、购车、子女入学等需要参保证明的场合。"},
	{Code: "SB-018", Category: "SB", Name: "灵活就业人员参保登记", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CaseInstant, LegalDays: 15, Hot: 10,
		Notes:     "无雇工的个体工商户、未在用人单位参保的非全日制从业人员及其他灵活就业人员，可以个人身份参加企业职工基本养老保险。",
		Materials: []Material{req("居民身份证", formOnline)}},
	{Code: "SB-019", Category: "SB", Name: "城乡居民养老保险参保登记", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CaseInstant, LegalDays: 15,
		Notes:     "年满16周岁（不含在校学生）、未参加职工基本养老保险的城乡居民，可在户籍地参保。",
		Materials: []Material{req("居民身份证", formOnline), opt("户口簿", formCopy, "窗口办理时提供")}},
	{Code: "SB-020", Category: "SB", Name: "失业保险金申领", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 10, PromisedDays: 5, Hot: 4,
		Notes:     "非因本人意愿中断就业、失业前单位和本人已缴纳失业保险费满1年、已办理失业登记并有求职要求的，可申领失业保险金。",
		Materials: []Material{req("居民身份证", formOnline), noted(req("社会保障卡或银行账户信息", formOnline), "用于发放失业保险金")}},
	{Code: "SB-021", Category: "SB", Name: "养老保险关系转移接续申请", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 45, PromisedDays: 15,
		Notes:     "跨省、跨统筹地区就业的参保人员，向新参保地申请转入，无需回原参保地办理。",
		Materials: []Material{req("居民身份证", formOnline), opt("参保缴费凭证", formOnline, "原参保地已开具的提供")}},

	// 人才人事.
	{Code: "RC-001", Category: "RC", Name: "人力资源服务许可", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 10,
		Notes: "从事职业中介活动的经营性人力资源服务机构须取得许可，许可证有效期5年。",
		Materials: []Material{req("人力资源服务许可申请表", formTable), req("营业执照", formLicence), req("专职工作人员名单及资格证明", formOnline),
			req("服务场所使用证明", formOnline), req("工作章程和管理制度", formOnline)}},
	{Code: "RC-002", Category: "RC", Name: "职称评审申报", Applicant: ApplicantBoth, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 60, PromisedDays: 45,
		Notes:     "按年度评审计划集中受理：个人网上申报，所在单位审核推荐后报送评委会。",
		Materials: []Material{req("专业技术职务任职资格评审表", formTable), req("学历学位证书", formOnline), req("业绩成果材料", formOnline)}},
	{Code: "RC-003", Category: "RC", Name: "企业职业技能等级认定备案", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 10,
		Notes:     "企业自主开展职业技能等级认定的，备案后按备案的职业（工种）和等级组织认定。",
		Materials: []Material{req("职业技能等级认定备案申请表", formTable), req("认定工作方案", formOnline), req("考评人员和督导人员名单", formOnline)}},
	{Code: "RC-004", Category: "RC", Name: "博士后工作站设立", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 60, PromisedDays: 40, Visits: 1,
		Notes:     "按年度集中申报，经省级人社部门组织评审后报批。",
		Materials: []Material{req("博士后科研工作站设站申请书", formOriginal), req("单位研发条件和科研项目情况", formOriginal), req("营业执照", formCopy)}},
	{Code: "RC-005", Category: "RC", Name: "高校毕业生接收", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CasePromised, LegalDays: 5, PromisedDays: 3,
		Notes:     "用人单位接收高校毕业生后网上办理接收手续，毕业生档案转递至人才服务机构。",
		Materials: []Material{req("接收毕业生名单", formTable), req("劳动合同或录用证明", formOnline)}},
	{Code: "RC-006", Category: "RC", Name: "职业技能等级证书查询", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CaseInstant, Hot: 9, Notes: "可查询本人取得的职业资格证书和职业技能等级证书信息。"},
	{Code: "RC-007", Category: "RC", Name: "职业技能等级认定报名", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "按认定机构公布的认定计划网上报名，报名后由认定机构审核资格并安排考核。",
		Materials: []Material{req("居民身份证", formOnline), req("近期免冠照片", formOnline), opt("学历或工作年限证明", formOnline, "按申报条件提供")}},

	// 劳动关系.
	{Code: "LD-001", Category: "LD", Name: "企业实行不定时工作制和综合计算工时工作制审批", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 13,
		Notes: "行政许可事项。批准后在批准期限内对批准岗位实行特殊工时制度。",
		Materials: []Material{req("实行特殊工时制度申请表", formTable), req("实行特殊工时制度的岗位和人员名单", formOnline),
			req("工会或职工代表大会意见", formOnline), req("保障职工休息休假权益的措施", formOnline)}},
	{Code: "LD-002", Category: "LD", Name: "劳务派遣经营许可", Applicant: ApplicantUnit, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 20, PromisedDays: 10,
		Notes: "经营劳务派遣业务须取得许可，注册资本不少于人民币200万元，许可证有效期3年。",
		Materials: []Material{req("劳务派遣经营许可申请书", formTable), req("营业执照", formLicence), req("验资报告或注册资本实缴证明", formOnline),
			req("经营场所使用证明", formOnline), req("劳务派遣管理制度", formOnline)}},
	{Code: "LD-003", Category: "LD", Name: "企业经济性裁员报告", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CaseInstant, Visits: 1,
		Notes:     "裁减人员20人以上或不足20人但占职工总数10%以上的，应提前30日向工会或全体职工说明情况，听取意见后向人社部门报告。",
		Materials: []Material{req("经济性裁员报告", formOriginal), req("裁减人员方案", formOriginal), req("工会或全体职工意见", formOriginal)}},
	{Code: "LD-004", Category: "LD", Name: "集体合同审查", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 15, PromisedDays: 10, Visits: 1,
		Notes:     "集体合同签订后10日内报送；人社部门自收到文本之日起15日内未提出异议的，集体合同即行生效。",
		Materials: []Material{req("集体合同文本", formOriginal), req("职工代表大会或全体职工讨论通过的材料", formCopy), req("双方首席代表身份证明", formCopy)}},
	{Code: "LD-005", Category: "LD", Name: "企业年金方案备案", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 15, PromisedDays: 10, Visits: 1,
		Notes:     "企业年金方案经职工代表大会或全体职工讨论通过后报送备案。",
		Materials: []Material{req("企业年金方案", formOriginal), req("职工代表大会或全体职工讨论通过的决议", formCopy), req("企业年金方案备案表", formOriginal)}},
	{Code: "LD-006", Category: "LD", Name: "劳动用工备案", Applicant: ApplicantUnit, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "用人单位招用、解除或终止劳动关系的，在规定期限内办理劳动用工备案。",
		Materials: []Material{req("劳动用工信息", formTable)}},

	// 社会保障卡.
	{Code: "SK-001", Category: "SK", Name: "社会保障卡单位批量申领", Applicant: ApplicantUnit, Channel: ChannelCounter,
		CaseType: CasePromised, LegalDays: 30, PromisedDays: 20, Visits: 1,
		Notes:     "单位为职工集中申领社会保障卡，制卡完成后到指定网点统一领取。",
		Materials: []Material{req("批量申领人员名单", formOriginal), req("职工近期免冠照片", formOnline), req("经办人身份证件", formOriginal)}},
	{Code: "SK-002", Category: "SK", Name: "社会保障卡申领", Applicant: ApplicantPerson, Channel: ChannelBoth,
		CaseType: CasePromised, LegalDays: 30, PromisedDays: 15, Hot: 5,
		Notes:     "已参加社会保险的人员可申领社会保障卡；在具备即时制卡条件的网点可当场领卡。",
		Materials: []Material{req("居民身份证", formOnline), req("近期免冠照片", formOnline)}},
	{Code: "SK-003", Category: "SK", Name: "社会保障卡挂失", Applicant: ApplicantPerson, Channel: ChannelOnline,
		CaseType: CaseInstant, Notes: "挂失后即时生效；正式挂失后请到服务网点办理补换卡。"},
}

// seedTopic is a topic with the codes of its items.
type seedTopic struct {
	Topic
	Items []string
}

var builtinTopics = []seedTopic{
	{Topic{Code: "graduate", Kind: TopicPersona, Name: "高校毕业生", Summary: "求职创业补贴、就业创业证、就业报到"},
		[]string{"JY-012", "JY-011", "JY-010", "SK-002", "RC-007"}},
	{Topic{Code: "employed", Kind: TopicPersona, Name: "就业人员", Summary: "权益记录、参保证明、关系转移"},
		[]string{"SB-016", "SB-017", "SB-021", "RC-006", "RC-007", "SK-002", "SK-003"}},
	{Topic{Code: "unemployed", Kind: TopicPersona, Name: "失业人员", Summary: "失业登记、失业保险金、就业援助"},
		[]string{"JY-010", "SB-020", "JY-011", "JY-014", "SB-018"}},
	{Topic{Code: "founder", Kind: TopicPersona, Name: "创业人员", Summary: "创业担保贷款、参保登记"},
		[]string{"JY-013", "JY-011", "SB-018", "SB-001"}},
	{Topic{Code: "injured", Kind: TopicPersona, Name: "工伤人员", Summary: "工伤认定、劳动能力鉴定、工伤待遇"},
		[]string{"SB-013", "SB-015", "SB-014"}},

	{Topic{Code: "subsidy", Kind: TopicTheme, Name: "就业补贴", Summary: "稳岗返还、扩岗补助、见习补贴、社保补贴"},
		[]string{"JY-001", "JY-002", "JY-003", "JY-004", "JY-009", "JY-012"}},
	{Topic{Code: "training", Kind: TopicTheme, Name: "就业培训", Summary: "职业培训补贴、技能等级认定"},
		[]string{"JY-009", "RC-003", "RC-007", "RC-006", "JY-003"}},
	{Topic{Code: "graduate-jobs", Kind: TopicTheme, Name: "高校毕业生就业", Summary: "毕业生接收、见习、扩岗补助"},
		[]string{"RC-005", "JY-002", "JY-003", "JY-012", "JY-011"}},
	{Topic{Code: "jobs", Kind: TopicTheme, Name: "就失业", Summary: "就业登记、录用退工、失业保险"},
		[]string{"JY-007", "JY-005", "JY-006", "JY-010", "SB-020", "JY-011"}},
	{Topic{Code: "pension", Kind: TopicTheme, Name: "企业养老保险", Summary: "参保登记、增减员、缴费基数、退休"},
		[]string{"SB-001", "SB-002", "SB-004", "SB-006", "SB-007", "SB-008", "SB-016", "SB-021"}},
	{Topic{Code: "injury", Kind: TopicTheme, Name: "工伤保险", Summary: "项目参保、工伤认定、待遇申领"},
		[]string{"SB-012", "SB-013", "SB-014", "SB-015"}},
	{Topic{Code: "labour", Kind: TopicTheme, Name: "劳动用工", Summary: "用工备案、特殊工时、集体合同"},
		[]string{"LD-006", "JY-005", "JY-006", "LD-001", "LD-002", "LD-003", "LD-004", "LD-005"}},
	{Topic{Code: "sscard", Kind: TopicTheme, Name: "社保卡服务", Summary: "申领、批量申领、挂失"},
		[]string{"SK-002", "SK-001", "SK-003"}},
}
