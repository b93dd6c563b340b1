package insurance

import (
	"strings"
	"time"
)

// column is one column of an import file.
type column struct {
	zh       string     // header text
	db       string     // stored column
	optional bool       // may be absent from the header; the parser then sees ""
	parse    cellParser //
}

// table is one import file and the table it loads. The first keys columns are the
// primary key (the record's natural key), so loading upserts. derive, when set,
// computes stored columns that are not in the file from the parsed ones.
type table struct {
	file    string
	zh      string
	sql     string // the table
	columns []column
	keys    int
	derive  *derived
	// check, when set, finds problems between the parsed values of a row (an end
	// before its start), as a Chinese message, or "".
	check func(vals []any) string
}

// endBefore checks that the value at end (0 or "" for open) is not before start.
func endBefore(start, end int, msg string) func([]any) string {
	return func(vals []any) string {
		switch e := vals[end].(type) {
		case int64:
			if e != 0 && e < vals[start].(int64) {
				return msg
			}
		case string:
			if e < vals[start].(string) {
				return msg
			}
		}
		return ""
	}
}

type derived struct {
	columns []string
	fn      func(vals []any) []any
}

var (
	colUSCC = column{zh: "统一社会信用代码", db: "uscc", parse: parseUSCC}
	colID   = column{zh: "证件号码", db: "id_number", parse: parseResidentID}
	colType = column{zh: "险种类型", db: "insurance_type", parse: parseLabel(typeLabels, "企业基本养老保险、工伤保险、失业保险或机关事业单位养老保险")}
)

// tables lists the import files in the order `hall import insurance DIR` loads them.
var tables = []*table{
	{file: "enrolments.csv", zh: "参保信息", sql: "insurance_enrolments", keys: 2, columns: []column{
		colUSCC, colType,
		{zh: "参保状态", db: "status", parse: parseLabel(statusLabels, "参保缴费、暂停缴费或终止")},
		{zh: "参保日期", db: "start_date", parse: parseDate},
		{zh: "单位缴费费率", db: "unit_rate", parse: parseRate},
		{zh: "个人缴费费率", db: "personal_rate", parse: parseRate},
	}},
	{file: "employees.csv", zh: "人员信息", sql: "insurance_employees", keys: 2, columns: []column{
		colUSCC, colID,
		{zh: "姓名", db: "name", parse: parseText(50)},
		{zh: "人员身份", db: "category", optional: true, parse: parseCategory},
	}, derive: &derived{columns: []string{"sex", "birth_date", "retire_month"}, fn: deriveEmployee}},
	{file: "periods.csv", zh: "参保期间", sql: "insurance_periods", keys: 4, columns: []column{
		colUSCC, colID, colType,
		{zh: "开始年月", db: "start_month", parse: parseMonthCell},
		{zh: "结束年月", db: "end_month", optional: true, parse: parseOptionalMonth},
	}, check: endBefore(3, 4, "结束年月早于开始年月")},
	{file: "payments.csv", zh: "缴费信息", sql: "insurance_payments", keys: 4, columns: []column{
		colUSCC,
		{zh: "费款所属期", db: "month", parse: parseMonthCell},
		colType, colID,
		{zh: "缴费基数", db: "base", parse: parseYuan},
		{zh: "单位缴费金额", db: "unit_amount", parse: parseYuan},
		{zh: "个人缴费金额", db: "personal_amount", parse: parseYuan},
	}},
	{file: "changes.csv", zh: "人员月度变更", sql: "insurance_changes", keys: 4, columns: []column{
		colUSCC,
		{zh: "变更年月", db: "month", parse: parseMonthCell},
		colID,
		{zh: "变更类型", db: "kind", parse: parseLabel(changeLabels, "增员或减员")},
		{zh: "变更原因", db: "reason", optional: true, parse: parseOptionalText(100)},
	}},
	{file: "pensioners.csv", zh: "养老待遇", sql: "insurance_pensioners", keys: 2, columns: []column{
		colUSCC, colID,
		{zh: "姓名", db: "name", parse: parseText(50)},
		{zh: "待遇开始年月", db: "start_month", parse: parseMonthCell},
		{zh: "月养老金", db: "monthly_amount", parse: parseYuan},
	}},
	{file: "exemptions.csv", zh: "外国人互免", sql: "insurance_exemptions", keys: 3, columns: []column{
		colUSCC,
		{zh: "证件号码", db: "id_number", parse: parseCode},
		{zh: "开始日期", db: "start_date", parse: parseDate},
		{zh: "姓名", db: "name", parse: parseText(100)},
		{zh: "国籍", db: "nationality", parse: parseText(50)},
		{zh: "结束日期", db: "end_date", parse: parseDate},
	}, check: endBefore(2, 5, "结束日期早于开始日期")},
	{file: "projects.csv", zh: "工程工伤", sql: "insurance_projects", keys: 2, columns: []column{
		colUSCC,
		{zh: "项目编号", db: "project_number", parse: parseCode},
		{zh: "项目名称", db: "project_name", parse: parseText(100)},
		{zh: "开始日期", db: "start_date", parse: parseDate},
		{zh: "结束日期", db: "end_date", parse: parseDate},
		{zh: "参保金额", db: "amount", parse: parseYuan},
	}, check: endBefore(3, 4, "结束日期早于开始日期")},
	{file: "subsidiaries.csv", zh: "二级单位", sql: "insurance_subsidiaries", keys: 2, columns: []column{
		colUSCC,
		{zh: "二级单位统一社会信用代码", db: "subsidiary_uscc", parse: parseUSCC},
		{zh: "二级单位名称", db: "name", parse: parseText(100)},
		{zh: "成立日期", db: "start_date", parse: parseDate},
	}},
}

// deriveEmployee takes sex and birth date from the (already valid) ID number and
// the retirement month from them and the category.
func deriveEmployee(vals []any) []any {
	id, cat := vals[1].(string), Category(vals[3].(string))
	sex := Female
	if (id[16]-'0')%2 == 1 {
		sex = Male
	}
	birth, _ := time.Parse("20060102", id[6:14])
	_, retire := Retirement(MonthOf(birth), sex, cat)
	return []any{string(sex), birth.Format("2006-01-02"), int64(retire)}
}

// storedColumns is every stored column of t, file columns first.
func (t *table) storedColumns() []string {
	cols := make([]string, 0, len(t.columns)+3)
	for _, c := range t.columns {
		cols = append(cols, c.db)
	}
	if t.derive != nil {
		cols = append(cols, t.derive.columns...)
	}
	return cols
}

// upsertSQL inserts a row or updates the stored one when it differs; a row that
// is already there as written is left alone, so its statement changes no row.
func (t *table) upsertSQL() string {
	cols := t.storedColumns()
	var set, differs []string
	for _, c := range cols[t.keys:] {
		set = append(set, c+" = excluded."+c)
		differs = append(differs, t.sql+"."+c+" <> excluded."+c)
	}
	return "INSERT INTO " + t.sql + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ") ON CONFLICT (" +
		strings.Join(cols[:t.keys], ", ") + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE " + strings.Join(differs, " OR ")
}

func tableByFile(name string) *table {
	for _, t := range tables {
		if t.file == name {
			return t
		}
	}
	return nil
}

// keyNames names the key columns, for the duplicate-row message.
func (t *table) keyNames() string {
	names := make([]string, t.keys)
	for i, c := range t.columns[:t.keys] {
		names[i] = c.zh
	}
	return strings.Join(names, "、")
}
