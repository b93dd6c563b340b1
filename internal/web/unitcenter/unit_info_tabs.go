package unitcenter

import (
	"context"

	"hall/internal/ident"
	"hall/internal/insurance"
)

// The insurance tabs of 单位信息 (SPEC U2), named as SPEC names them. Each reads one
// list of the insurance read model a page at a time (keyset) and renders its rows
// as cells; the same cells are the CSV export's lines. Names and ID numbers are
// masked in both (SPEC §2): the page and the file never carry a full ID number.

// infoTab is one tab: its key in ?tab=, its label and group (the seed's two rows:
// 参保信息 with its sub-tabs, then 缴费信息, 养老待遇, 工程工伤, 二级单位), what its
// filter matches (empty: no filter), whether it is ordered by a date (the sort
// switch), its column headers and its reader.
type infoTab struct {
	Key, Label, Group string
	FilterLabel       string
	Dated             bool
	Headers           []string
	read              infoReader
}

// infoReader reads a page of a tab as cells, or streams all its rows (CSV).
type infoReader struct {
	page   func(ctx context.Context, s *insurance.Store, q insurance.Query) (rows [][]string, res infoPage, err error)
	stream func(ctx context.Context, s *insurance.Store, q insurance.Query, fn func([]string) error) error
}

// infoPage is a page's cursors (insurance.Result without the rows).
type infoPage struct{ Next, First string }

// reader makes the infoReader of a list from its query and its row's cells.
func reader[T any](list func(*insurance.Store) func(context.Context, insurance.Query) (insurance.Result[T], error), cells func(T) []string) infoReader {
	return infoReader{
		page: func(ctx context.Context, s *insurance.Store, q insurance.Query) ([][]string, infoPage, error) {
			res, err := list(s)(ctx, q)
			if err != nil {
				return nil, infoPage{}, err
			}
			rows := make([][]string, len(res.Rows))
			for i, r := range res.Rows {
				rows[i] = cells(r)
			}
			return rows, infoPage{Next: res.Next, First: res.First}, nil
		},
		stream: func(ctx context.Context, s *insurance.Store, q insurance.Query, fn func([]string) error) error {
			return insurance.Stream(ctx, q, list(s), func(r T) error { return fn(cells(r)) })
		},
	}
}

const (
	infoPersonFilter = "姓名或证件号码"
	infoGroupEnrol   = "参保信息"
)

func maskedID(id string) string { return ident.MaskID(id) }

// infoTabs lists the tabs in the seed's order.
var infoTabs = []infoTab{
	{Key: "enrolments", Label: "参保信息", Group: infoGroupEnrol, Dated: true,
		Headers: []string{"险种类型", "参保状态", "参保日期", "单位缴费费率", "个人缴费费率"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Enrolment], error) {
			return s.Enrolments
		}, func(e insurance.Enrolment) []string {
			return []string{e.Type.Label(), e.Status.Label(), e.StartDate, insurance.Percent(e.UnitRate) + "%", insurance.Percent(e.PersonalRate) + "%"}
		})},
	{Key: "bases", Label: "人员缴费基数", Group: infoGroupEnrol, FilterLabel: infoPersonFilter,
		Headers: []string{"费款所属期", "险种类型", "姓名", "证件号码", "缴费基数（元）"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Payment], error) {
			return s.Bases
		}, func(p insurance.Payment) []string {
			return []string{p.Month.String(), p.Type.Label(), ident.MaskName(p.Name), maskedID(p.IDNumber), insurance.Yuan(p.Base)}
		})},
	{Key: "exemptions", Label: "外国人互免信息", Group: infoGroupEnrol, FilterLabel: infoPersonFilter, Dated: true,
		Headers: []string{"姓名", "证件号码", "国籍", "开始日期", "结束日期"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Exemption], error) {
			return s.Exemptions
		}, func(x insurance.Exemption) []string {
			return []string{ident.MaskName(x.Name), maskedID(x.IDNumber), x.Nationality, x.StartDate, x.EndDate}
		})},
	{Key: "overage", Label: "超龄人员", Group: infoGroupEnrol, FilterLabel: infoPersonFilter, Dated: true,
		Headers: infoEmployeeHeaders, read: infoEmployees(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Employee], error) {
			return s.OverAge
		})},
	{Key: "changes", Label: "人员月度变更", Group: infoGroupEnrol, FilterLabel: infoPersonFilter, Dated: true,
		Headers: []string{"变更年月", "姓名", "证件号码", "变更类型", "变更原因"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Change], error) {
			return s.Changes
		}, func(c insurance.Change) []string {
			return []string{c.Month.String(), ident.MaskName(c.Name), maskedID(c.IDNumber), c.Kind.Label(), c.Reason}
		})},
	{Key: "reaching", Label: "到龄人员", Group: infoGroupEnrol, FilterLabel: infoPersonFilter, Dated: true,
		Headers: infoEmployeeHeaders, read: infoEmployees(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Employee], error) {
			return s.Reaching
		})},
	{Key: "payments", Label: "缴费信息", FilterLabel: infoPersonFilter, Dated: true,
		Headers: []string{"费款所属期", "险种类型", "姓名", "证件号码", "缴费基数（元）", "单位缴费（元）", "个人缴费（元）"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Payment], error) {
			return s.Payments
		}, func(p insurance.Payment) []string {
			return []string{p.Month.String(), p.Type.Label(), ident.MaskName(p.Name), maskedID(p.IDNumber),
				insurance.Yuan(p.Base), insurance.Yuan(p.UnitAmount), insurance.Yuan(p.PersonalAmount)}
		})},
	{Key: "pensioners", Label: "养老待遇", FilterLabel: infoPersonFilter, Dated: true,
		Headers: []string{"姓名", "证件号码", "待遇开始年月", "月养老金（元）"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Pensioner], error) {
			return s.Pensioners
		}, func(p insurance.Pensioner) []string {
			return []string{ident.MaskName(p.Name), maskedID(p.IDNumber), p.StartMonth.String(), insurance.Yuan(p.Amount)}
		})},
	{Key: "projects", Label: "工程工伤", FilterLabel: "项目编号或名称", Dated: true,
		Headers: []string{"项目编号", "项目名称", "开始日期", "结束日期", "参保金额（元）"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Project], error) {
			return s.Projects
		}, func(j insurance.Project) []string {
			return []string{j.Number, j.Name, j.StartDate, j.EndDate, insurance.Yuan(j.Amount)}
		})},
	{Key: "subsidiaries", Label: "二级单位", FilterLabel: "统一社会信用代码或名称", Dated: true,
		Headers: []string{"统一社会信用代码", "二级单位名称", "成立日期"},
		read: reader(func(s *insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Subsidiary], error) {
			return s.Subsidiaries
		}, func(u insurance.Subsidiary) []string {
			return []string{u.USCC, u.Name, u.StartDate}
		})},
}

var infoEmployeeHeaders = []string{"姓名", "证件号码", "性别", "出生日期", "人员身份", "法定退休年月"}

func infoEmployees(list func(*insurance.Store) func(context.Context, insurance.Query) (insurance.Result[insurance.Employee], error)) infoReader {
	return reader(list, func(e insurance.Employee) []string {
		return []string{ident.MaskName(e.Name), maskedID(e.IDNumber), e.Sex.Label(), maskedBirth(e.BirthDate), e.Category.Label(), e.RetireMonth.String()}
	})
}

// maskedBirth keeps the year and month of a birth date: the day, with the masked
// ID's last digits, would narrow the person down more than a list needs.
func maskedBirth(d string) string {
	if len(d) >= 7 {
		return d[:7]
	}
	return d
}

// infoTabByKey finds a tab; the first (参保信息) for an unknown or empty key.
func infoTabByKey(key string) infoTab {
	for _, t := range infoTabs {
		if t.Key == key {
			return t
		}
	}
	return infoTabs[0]
}
