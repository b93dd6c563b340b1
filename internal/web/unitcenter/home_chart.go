package unitcenter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"hall/internal/insurance"
)

// The chart of 单位主页 (U1): the unit's last homeChartMonths months of insured
// headcount and contributions per insurance type, drawn on the server as inline SVG
// (no script, no image request), each chart a role="img" with a title and a
// description, and the numbers behind both in a table under 查看数据表 for screen
// readers and anyone who wants the figures.

// homeChartMonths is how far back the chart goes: the 36 months the core system
// keeps online for a unit.
const homeChartMonths = 36

// The drawing area inside the SVG's viewBox, in its units.
const (
	chartWidth  = 640
	chartHeight = 220
	chartLeft   = 64 // room for the y labels
	chartRight  = 16
	chartTop    = 16
	chartBottom = 32 // room for the x labels
)

// chartColors are the series' strokes by type, distinguishable in grey too (the
// legend names each and the series differ in dash as well).
var chartColors = map[insurance.Type][2]string{
	insurance.TypePension:       {"#1d4e89", ""},
	insurance.TypeInjury:        {"#b54708", "6 3"},
	insurance.TypeUnemployment:  {"#067647", "2 3"},
	insurance.TypePublicPension: {"#6941c6", "8 3 2 3"},
}

// homeChart is one SVG chart.
type homeChart struct {
	ID, Title, Desc string
	Width, Height   int
	Series          []homeSeries
	XTicks, YTicks  []homeTick
	Left, Right     int // the plot's x range, for the axis lines
	Top, Bottom     int
}

// homeSeries is one type's line.
type homeSeries struct {
	Label, Color, Dash, Points string
}

// homeTick is an axis label at (X, Y), anchored "start", "middle" or "end".
type homeTick struct {
	X, Y   int
	Text   string
	Anchor string
}

// homeTable is the data behind the charts: per month, per type persons and yuan.
type homeTable struct {
	Types []string // labels, in chart order
	Rows  []homeTableRow
}

type homeTableRow struct {
	Month string
	Cells []string // per type: persons, then yuan
}

// homeCharts builds the two charts and the table from the unit's totals for the
// months first..last. It returns no charts when there is nothing to draw.
func homeCharts(totals []insurance.MonthTotal, first, last insurance.Month) ([]homeChart, homeTable) {
	var types []insurance.Type
	for _, ty := range insurance.Types {
		for _, t := range totals {
			if t.Type == ty {
				types = append(types, ty)
				break
			}
		}
	}
	if len(types) == 0 {
		return nil, homeTable{}
	}
	months := last.Since(first) + 1
	persons := map[insurance.Type][]float64{}
	amounts := map[insurance.Type][]float64{}
	for _, ty := range types {
		persons[ty], amounts[ty] = make([]float64, months), make([]float64, months)
	}
	byMonth := map[insurance.Month]map[insurance.Type]insurance.MonthTotal{}
	for _, t := range totals {
		i := t.Month.Since(first)
		if i < 0 || i >= months {
			continue
		}
		persons[t.Type][i] = float64(t.Persons)
		amounts[t.Type][i] = float64(t.Amount) / 100
		if byMonth[t.Month] == nil {
			byMonth[t.Month] = map[insurance.Type]insurance.MonthTotal{}
		}
		byMonth[t.Month][t.Type] = t
	}
	period := first.String() + " 至 " + last.String()
	charts := []homeChart{
		lineChart("uc-chart-persons", "参保缴费人数（人）", "各险种每月缴费人数，"+period, types, persons, first, months, "人"),
		lineChart("uc-chart-amounts", "缴费金额（元，单位和个人合计）", "各险种每月缴费金额，"+period, types, amounts, first, months, "元"),
	}
	table := homeTable{}
	for _, ty := range types {
		table.Types = append(table.Types, ty.Label())
	}
	for i := months - 1; i >= 0; i-- {
		m := first.Add(i)
		row := homeTableRow{Month: m.String()}
		for _, ty := range types {
			t, ok := byMonth[m][ty]
			if !ok {
				row.Cells = append(row.Cells, "—", "—")
				continue
			}
			row.Cells = append(row.Cells, strconv.Itoa(t.Persons), insurance.Yuan(t.Amount))
		}
		table.Rows = append(table.Rows, row)
	}
	return charts, table
}

// lineChart draws one line per type of values (one per month from first).
func lineChart(id, title, desc string, types []insurance.Type, values map[insurance.Type][]float64,
	first insurance.Month, months int, unitName string) homeChart {
	top := 0.0
	for _, ty := range types {
		for _, v := range values[ty] {
			top = max(top, v)
		}
	}
	top = niceCeiling(top)
	c := homeChart{ID: id, Title: title, Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartWidth - chartRight, Top: chartTop, Bottom: chartHeight - chartBottom}
	plotW, plotH := float64(c.Right-c.Left), float64(c.Bottom-c.Top)
	x := func(i int) float64 {
		if months == 1 {
			return float64(c.Left)
		}
		return float64(c.Left) + plotW*float64(i)/float64(months-1)
	}
	y := func(v float64) float64 { return float64(c.Bottom) - plotH*v/top }
	var legend []string
	for _, ty := range types {
		var pts []string
		for i, v := range values[ty] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		style := chartColors[ty]
		c.Series = append(c.Series, homeSeries{Label: ty.Label(), Color: style[0], Dash: style[1], Points: strings.Join(pts, " ")})
		vs := values[ty]
		legend = append(legend, fmt.Sprintf("%s 最近一月 %s%s", ty.Label(), chartNumber(vs[len(vs)-1]), unitName))
	}
	c.Desc = desc + "。" + strings.Join(legend, "；") + "。详细数字见下方数据表。"
	for _, f := range []float64{0, 0.5, 1} {
		c.YTicks = append(c.YTicks, homeTick{X: c.Left - 6, Y: int(y(top*f)) + 4, Text: chartNumber(top * f), Anchor: "end"})
	}
	// The first and last month's labels stay inside the chart.
	for i, anchor := range map[int]string{0: "start", months / 2: "middle", months - 1: "end"} {
		c.XTicks = append(c.XTicks, homeTick{X: int(x(i)), Y: c.Bottom + 20, Text: first.Add(i).String(), Anchor: anchor})
	}
	slices.SortFunc(c.XTicks, func(a, b homeTick) int { return a.X - b.X })
	return c
}

// niceCeiling rounds v up to 1, 2 or 5 times a power of ten, so the axis reads well.
func niceCeiling(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

// chartNumber is an axis or legend number: whole units, 万 above ten thousand.
func chartNumber(v float64) string {
	if v >= 10000 {
		return strings.TrimSuffix(strconv.FormatFloat(v/10000, 'f', 1, 64), ".0") + "万"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
