package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hall/internal/notices"
	"hall/internal/store"
)

// noticesSeed draws the demo notices' amounts.
const noticesSeed = 20270105

func init() {
	loaders = append(loaders, Loader{Name: "notices", Seed: noticesSeed, Load: loadNotices})
}

// loadNotices publishes a handful of invented 公示公告, dated the last weeks before
// the load, so that the home page and /notices show something. The units of the
// 稳岗返还 list are the demo registry's invented units; no person is named.
func loadNotices(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	var list strings.Builder
	for i, e := range registryEntries()[:6] {
		fmt.Fprintf(&list, "%d. %s，返还金额%d元\n", i+1, e.Name, 2000+100*g.R.IntN(300))
	}
	now := d.Now()
	day := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	ns := []notices.Loaded{
		{Draft: notices.Draft{Title: "2027年度社会保险缴费基数公布", Category: notices.CategoryAnnouncement, Body: `各参保单位、参保人员：

根据全省2026年度城镇非私营单位和私营单位就业人员平均工资，2027年度职工基本养老保险、失业保险、工伤保险个人缴费基数上限为每月24,930元，下限为每月4,986元。

参保单位应于每年7月申报本单位职工的月缴费基数，可登录网上服务大厅“单位办事”办理。

特此公告。`}, At: day(2)},
		{Draft: notices.Draft{Title: "2026年度失业保险稳岗返还公示名单（第一批）", Category: notices.CategoryPublicity, Body: `经审核，下列单位符合2026年度失业保险稳岗返还条件，现予公示。公示期为5个工作日。

` + list.String() + `
对公示名单有异议的，请在公示期内拨打服务热线反映。`}, At: day(5)},
		{Draft: notices.Draft{Title: "关于网上服务大厅系统维护的通知", Category: notices.CategoryNotice, Body: `为提升服务质量，网上服务大厅将于本周六0:00至6:00进行系统维护，期间暂停办理网上业务。

给您带来的不便，敬请谅解。`}, At: day(9)},
		{Draft: notices.Draft{Title: "关于做好高校毕业生就业登记工作的通知", Category: notices.CategoryNotice, Body: `各有关单位：

高校毕业生可通过网上服务大厅“我是高校毕业生”栏目办理就业登记、档案查询等业务，也可到就近的人社经办窗口办理。

用人单位招用高校毕业生的，应在招用之日起30日内办理就业登记。`}, At: day(16)},
		{Draft: notices.Draft{Title: "工伤保险待遇调整公告", Category: notices.CategoryAnnouncement, Body: `自2027年1月1日起，一至四级工伤职工伤残津贴、生活护理费和因工死亡职工供养亲属抚恤金按规定调整。

调整后的待遇由社会保险经办机构直接发放，工伤职工无需申请。`}, At: day(23)},
		{Draft: notices.Draft{Title: "2026年度就业见习基地认定结果公示", Category: notices.CategoryPublicity, Body: `经单位申报、实地核查，拟认定一批就业见习基地，现予公示。公示期为7个工作日。

公示期间如有异议，请拨打服务热线反映。`}, At: day(30)},
	}
	return notices.LoadTx(ctx, tx, ns)
}
