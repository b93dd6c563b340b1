package hall

import (
	"net/http"

	"hall/internal/web"
)

// 在线帮助 (SPEC H3): an operating guide for each flow the hall offers, at
// /help/{key}, and the index at /help. Each guide names the pages of its flow, and
// Mount links them (web.Server.LinkGuide) so that every one of those pages shows
// 操作指南 beside its title. A guide describes only what the hall really does: when a
// flow is added or changed, its guide changes in the same commit.

// guide is one flow's operating guide.
type guide struct {
	Key, Title string
	// For says who uses the flow.
	For string
	// Start is where the flow begins, with the label of its link.
	Start, StartLabel string
	Steps             []string
	// Notes are what people most often ask at the counter about the flow.
	Notes []string
	// Pages are the template names of the flow's pages, which link back here.
	Pages []string
}

// guides are listed on /help in this order: the way a newcomer meets them.
var guides = []guide{
	{
		Key: "registration", Title: "个人用户注册", For: "个人、单位的法定代表人、管理员和经办人",
		Start: "/register", StartLabel: "立即注册",
		Steps: []string{
			"在登录框点击“立即注册”，或在页面右上角点击“注册”。",
			"选择证件类型，填写证件号码、姓名和移动电话；证件信息注册后不可修改，请按证件准确填写。",
			"设置密码：8-20位，由数字、大小写字母、特殊字符中的三种或以上组成，并再次输入确认。",
			"点击“获取验证码”，填写短信验证码（5分钟内有效，60秒后可重新获取）。",
			"勾选“我已阅读并同意《个人用户注册协议》”，点击“注册”。注册成功后即可登录，认证等级为实名用户。",
		},
		Notes: []string{
			"证件号码或移动电话已被他人占用时，页面会提示，请使用“用户申诉”，经核实后由经办机构释放。",
			"单位的管理员和经办人须先注册个人用户，并保证姓名、证件号码和移动电话与单位填写的一致。",
		},
		Pages: []string{"registration", "agreement"},
	},
	{
		Key: "unit-registration", Title: "单位注册（法定代表人）", For: "单位法定代表人本人",
		Start: "/register/unit", StartLabel: "单位注册",
		Steps: []string{
			"填写单位信息：统一社会信用代码、单位全称，法定代表人的证件类型、证件号码和姓名，阅读并同意《法人用户注册协议》后点击“下一步”。",
			"法定代表人认证：使用掌上APP“扫一扫”扫描页面上的二维码，按手机提示完成人脸识别，然后在电脑上点击“我已完成认证”。",
			"系统将单位信息与市场监管部门的登记信息核对：统一社会信用代码、单位名称、法定代表人证件号码和姓名须一致。",
			"填写账户信息：移动电话、短信验证码、密码和确认密码，点击“完成注册”。",
			"注册完成后，法定代表人使用统一社会信用代码加本人证件号码/移动电话和个人密码登录单位。",
		},
		Notes: []string{
			"持外国人护照的法定代表人暂不支持线上注册，请携带营业执照副本、办理人身份证和授权委托书到经办窗口办理。",
			"登记信息不一致时，请先到原登记机关变更，再办理注册。",
		},
		Pages: []string{"unit-registration", "unit-agreement"},
	},
	{
		Key: "login", Title: "登录方式", For: "个人用户和单位用户",
		Start: "/login", StartLabel: "登录",
		Steps: []string{
			"个人登录：账号密码（证件号码或移动电话加密码）、手机动态码（短信验证码）或扫码登录。",
			"单位登录·账号密码：统一社会信用代码/单位编号/机构编号，加本人证件号码/移动电话和密码。法定代表人使用个人密码，管理员和经办人使用确认授权时设置的经办密码。",
			"扫码登录：在电脑上选择“扫码登录”，用掌上APP“扫一扫”扫描二维码，单位登录时在手机上选择要办理的单位并确认，电脑页面自动登录。二维码2分钟内有效、只能使用一次，过期后点击“刷新”。",
			"CA登录：开通后显示在单位登录中。插入单位数字证书（UKey）并安装驱动后点击“证书登录”，在浏览器弹出的窗口中选择本单位证书；单位证书以法定代表人身份登录，证书中的人员为经办人时以该经办人身份登录。",
			"其他登录方式：开通后显示在登录框中，通过省政务服务账号或电子营业执照登录；单位首次登录时，系统按市场监管登记信息开通单位账户。",
			"为多个单位办理业务时，每次登录一个单位，可在单位用户中心“切换单位”。",
		},
		Notes: []string{
			"连续输错密码后需先完成滑块拼图；错误次数过多时账号暂停登录一段时间，页面会显示恢复时间，也可通过“忘记密码”重置。",
			"长时间未操作会自动退出，退出前页面会提醒，可点击继续保持登录。",
		},
		Pages: []string{"login", "oidc-unit-opened", "certificate-login-refused"},
	},
	{
		Key: "recovery", Title: "找回密码", For: "忘记密码的个人用户和单位用户",
		Start: "/recover", StartLabel: "找回密码",
		Steps: []string{
			"在登录框点击“忘记密码?”，选择个人或单位。",
			"填写账号信息（单位另填统一社会信用代码）、证件类型、证件号码和姓名，点击“下一步”。",
			"拖动滑块完成拼图（也可用键盘操作滑块）。",
			"使用掌上APP“扫一扫”扫描二维码完成人脸识别，然后点击“我已完成认证”。",
			"设置新密码并确认，完成修改。完成后会向绑定的移动电话发送短信提醒。",
		},
		Notes: []string{
			"持外国人护照或港澳台居民居住证的用户不能线上找回，请携带证件到经办窗口重置密码。",
			"管理员和经办人的经办密码也可在掌上APP“我的 → 企业服务 → 我是经办人”中人脸识别后重置。",
		},
		Pages: []string{"recovery"},
	},
	{
		Key: "appeal", Title: "用户申诉", For: "证件号码或移动电话被他人占用的用户",
		Start: "/appeal", StartLabel: "用户申诉",
		Steps: []string{
			"在登录框或注册页点击“用户申诉”。",
			"选择申诉类型（证件号码被占用或手机号码被占用），填写本人证件信息，说明情况。",
			"完成滑块拼图后点击“提交申诉”，记下页面显示的申诉编号。",
			"经办机构核实后处理，结果以短信通知。",
		},
		Notes: []string{
			"同一网络地址每小时可提交的申诉有数量限制，请勿重复提交。",
		},
		Pages: []string{"appeal", "appeal-filed"},
	},
	{
		Key: "personal-center", Title: "个人中心与账号设置", For: "已登录的个人用户",
		Start: "/me", StartLabel: "个人中心",
		Steps: []string{
			"个人中心显示认证等级，以及本人可办理业务的单位和角色，可从这里进入单位。",
			"账号设置：修改密码需输入原密码；更换移动电话需分别向原号码和新号码发送验证码。",
			"以管理员或经办人身份进入单位时，需输入该单位的经办密码。",
		},
		Pages: []string{"personal-center", "account-settings", "password-change", "mobile-change"},
	},
	{
		Key: "unit-center", Title: "单位用户中心", For: "单位的法定代表人、管理员和经办人",
		Start: "/unit/", StartLabel: "单位用户中心",
		Steps: []string{
			"登录单位后进入单位用户中心，左侧菜单依次为单位主页、单位信息、单位权益单、经办人管理等。",
			"页面上方显示当前办理的单位和您的角色（法定代表人、管理员或经办人）。",
			"经办人只能看到和办理授权范围内的业务；授权到期或被收回后，需联系法定代表人或管理员。",
			"为多个单位办理业务时，点击“切换单位”选择其他单位。",
		},
		Pages: []string{"unit-choose", "unit-enter", "unit-home"},
	},
	{
		Key: "delegation", Title: "经办人管理", For: "单位法定代表人和管理员",
		Start: "/unit/agents", StartLabel: "经办人管理",
		Steps: []string{
			"法定代表人可设置、变更或取消一名管理员；法定代表人或管理员可添加至多10名经办人。",
			"被添加的人须已注册个人实名用户，姓名、证件号码和移动电话须与注册信息一致。",
			"为经办人勾选业务授权范围并设置授权有效期。",
			"被添加的人收到短信后，在掌上APP“我的 → 企业服务 → 我是经办人”中确认邀请、完成人脸识别并设置经办密码；确认前授权不能使用。",
			"每次变更都记录在“变更记录”中；操作距上次验证身份超过10分钟时，需再次输入密码。",
		},
		Notes: []string{
			"页面提示“请确认输入的经办人信息是否已实名注册且与注册信息一致”时，请让经办人先完成个人注册，或核对填写的信息。",
		},
		Pages: []string{"delegation", "delegation-admin-form", "delegation-agent-form", "delegation-remove"},
	},
	{
		Key: "institutions", Title: "机构管理", For: "单位法定代表人和管理员，以及机构经办人",
		Start: "/unit/institutions", StartLabel: "机构管理",
		Steps: []string{
			"单位可为经人社部门批准设立的下属机构（如就业见习示范基地）开通机构账户：在“机构管理”中点击“开通机构账户”，填写机构名称、机构类型和机构经办人信息。",
			"机构经办人须已注册个人实名用户，姓名、证件号码和手机号码须与注册信息一致。",
			"开通后页面显示机构编号和初始密码（只显示一次），请告知机构经办人。",
			"机构经办人在“单位登录 → 账号密码”中输入机构编号、本人证件号码或手机号码和密码登录；首次登录须修改密码。",
			"机构账户只能查看本机构的业务（经办窗口为该机构录入的办件）；单位可随时修改机构信息、更换机构经办人、重置密码或关闭机构账户。",
		},
		Notes: []string{
			"开通、修改、重置密码和关闭前，距上次验证身份超过10分钟时需再次输入密码。",
			"机构经办人忘记密码时，请由单位在“机构管理”中重置密码。",
		},
		Pages: []string{"unit-institutions", "unit-institution-form", "unit-institution-confirm", "unit-institution-password",
			"institution-home", "institution-case", "institution-password"},
	},
	{
		Key: "unit-info", Title: "单位信息", For: "单位法定代表人、管理员和有授权的经办人",
		Start: "/unit/info", StartLabel: "单位信息",
		Steps: []string{
			"基本信息页显示统一社会信用代码、单位名称、单位编号、单位类型、地址和联系方式；联系人信息可修改，每次修改都有记录。",
			"法定代表人信息不能在网上修改：需原注册登记机构办理后，再到人社经办机构进行变更。",
			"参保信息、缴费信息等页签可按人员筛选、分页查看，并可导出为CSV文件（可选GB18030编码，便于用Excel打开）。",
		},
		Pages: []string{"unit-info", "unit-info-edit"},
	},
	{
		Key: "rights", Title: "单位权益单", For: "单位法定代表人、管理员和有授权的经办人",
		Start: "/unit/rights", StartLabel: "单位权益单",
		Steps: []string{
			"选择查询期间（起止年月）和险种，点击“生成权益单”。",
			"生成的权益单为PDF文件，带电子印章和数字签名，可下载打印；已生成的权益单在列表中保留，并记录生成人。",
			"权益单右上方的二维码可用于验证真伪：任何人扫码即可打开验证页，有效期内可多次验证。",
		},
		Notes: []string{
			"验证页只显示权益单的关键信息（部分遮挡），不显示职工个人信息。",
		},
		Pages: []string{"unit-rights", "rights-verify"},
	},
	{
		Key: "addresses", Title: "收件地址", For: "单位法定代表人、管理员和有授权的经办人",
		Start: "/unit/account/addresses", StartLabel: "收件地址",
		Steps: []string{
			"在单位用户中心点击“账号设置”，选择“收件地址”页签。",
			"填写收件人、联系电话，依次选择省、市、区县（未启用脚本时，选好上一级后点击“更新地区选项”），再填写详细地址，点击“保存”。",
			"每个单位最多10个收件地址，其中一个为默认地址；第一个地址自动成为默认地址，可点击“设为默认”更换。",
			"点击“修改”或“删除”管理已有地址；删除默认地址后，最早添加的地址成为默认地址。",
		},
		Notes: []string{
			"经办人需获得“单位参保信息变更登记”授权才能新增、修改或删除收件地址，未获授权时只能查看。",
		},
		Pages: []string{"unit-addresses"},
	},
	{
		Key: "business-items", Title: "单位办事与服务清单", For: "所有用户",
		Start: "/catalog", StartLabel: "服务清单",
		Steps: []string{
			"在服务清单中可按类别、办理对象和办理方式查找事项，也可在页面上方搜索事项名称。",
			"每个事项显示办理对象、是否可网上办理和所需材料；需到窗口办理的事项请携带材料到经办窗口。",
			"单位用户中心的“单位办事”列出您在当前单位可以办理的事项；经办人只能看到授权范围内的事项。",
		},
		Pages: []string{"catalog", "item", "themes", "business-items", "business-item"},
	},
	{
		Key: "query", Title: "查询服务", For: "所有用户，无需登录",
		Start: "/query", StartLabel: "查询服务",
		Steps: []string{
			"在首页顶部导航点击“查询服务”。",
			"办件进度查询：填写办件编号（即“单位办件”和短信中的申办流水号，14位数字，如 20260413000001）和办件所属单位的18位统一社会信用代码，点击“查询进度”。",
			"查到办件时，页面显示事项名称、当前状态（已申请、已受理、退回补正、已办结、不予受理或已撤销）和各办理环节的时间。",
			"办件被退回补正时：网上申报的办件，请登录单位用户中心，在“单位办件”中查看退回原因，修改后重新提交；在窗口录入的办件（办理渠道为“窗口办理”），请携带补正材料到经办窗口办理，不能在网上修改提交。",
			"权益记录单真伪验证：用手机扫描权益单右上方的二维码，或将二维码中的链接粘贴到“权益单验证链接”中，点击“验证”。",
		},
		Notes: []string{
			"办件编号和统一社会信用代码须属于同一单位才能查到；查询结果不显示退回原因、申请人和职工等信息，详情请登录单位用户中心查看。",
			"同一网络地址短时间内查询次数过多时会暂停查询，页面会显示可以再次查询的时间。",
		},
		Pages: []string{"query"},
	},
}

// guideByKey finds a guide by its key.
func guideByKey(key string) (guide, bool) {
	for _, g := range guides {
		if g.Key == key {
			return g, true
		}
	}
	return guide{}, false
}

// linkGuides links every guide's pages to it.
func linkGuides(s *web.Server) {
	for _, g := range guides {
		s.LinkGuide("/help/"+g.Key, g.Title, g.Pages...)
	}
}

// helpData is the template data of /help and /help/{key}.
type helpData struct {
	Guides []guide
	Guide  guide
}

// helpIndex is GET /help: every guide, with whom it is for.
func (s *handler) helpIndex(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, http.StatusOK, "help", "在线帮助", "", helpData{Guides: guides})
}

// helpShow is GET /help/{key}: one flow's guide, and 404 for an unknown key.
func (s *handler) helpShow(w http.ResponseWriter, r *http.Request) error {
	g, ok := guideByKey(r.PathValue("key"))
	if !ok {
		return s.NotFound(w, r)
	}
	return s.Render(w, r, http.StatusOK, "help-guide", g.Title+" · 操作指南", "", helpData{Guides: guides, Guide: g})
}
