package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the report for machines.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes the report as a Markdown table, one row per level (and one
// more for the background logins of a mix level), ready for docs/benchmarks.md.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d cores, %s per level", r.Started.Format("2006-01-02 15:04 UTC"), r.Cores, r.Duration)
	if r.MaxInFlight > 0 {
		fmt.Fprintf(&b, ", at most %d requests in flight", r.MaxInFlight)
	}
	withH := false
	for _, lv := range r.Levels {
		withH = withH || lv.H != nil
	}
	if withH {
		fmt.Fprintf(&b, "; H = %s with one hasher per core, measured before and after each level", r.HashParams)
	}
	b.WriteString(".\n\n")
	b.WriteString("| scenario | load | requests | ok/s | p50 ms | p99 ms | errors | refusals | refusal p50 ms | dropped | server RSS MB | server CPU cores | server CPU ms/ok |")
	if withH {
		b.WriteString(" H/s | × H |")
	}
	b.WriteString("\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	if withH {
		b.WriteString("---|---|")
	}
	b.WriteString("\n")
	for _, lv := range r.Levels {
		load := fmt.Sprintf("%d clients", lv.Clients)
		if lv.Rate > 0 {
			load = fmt.Sprintf("%g/s open", lv.Rate)
		}
		if lv.QRIdle != nil {
			load = fmt.Sprintf("%d waiting pages", lv.Clients)
		}
		rss := "—"
		if lv.RSSMaxMB > 0 {
			rss = fmt.Sprintf("%.0f–%.0f", lv.RSSMinMB, lv.RSSMaxMB)
		}
		cores, perOK := "—", "—"
		if lv.ServerCPU > 0 {
			cores, perOK = fmt.Sprintf("%.2f", lv.ServerCores), fmt.Sprintf("%.1f", lv.CPUPerOK)
		}
		row := func(name, load string, st Stats, ratio bool) {
			fmt.Fprintf(&b, "| %s | %s | %d | %.1f | %.1f | %.1f | %d | %d | %s | %d | %s | %s | %s |",
				name, load, st.Requests, st.PerSecond, st.P50, st.P99, st.Errors, st.Refusals,
				refusalTime(st), st.Dropped, rss, cores, perOK)
			if withH {
				switch {
				case ratio && lv.RatioToH != nil:
					fmt.Fprintf(&b, " %.1f ± %.0f%% | %.2f (%.2f–%.2f) |", lv.H.Mean, lv.H.Relative()*100,
						lv.RatioToH.Mean, lv.RatioToH.Min, lv.RatioToH.Max)
				case ratio && lv.H != nil:
					// H measured for t_h (--cpu-per-request), not for logins.
					fmt.Fprintf(&b, " %.1f ± %.0f%% | — |", lv.H.Mean, lv.H.Relative()*100)
				default:
					b.WriteString(" | |")
				}
			}
			b.WriteString("\n")
		}
		if lv.Logins != nil {
			row(lv.Scenario+": pages", load, lv.Stats, false)
			row(lv.Scenario+": unit logins beside them", fmt.Sprintf("%d clients", lv.LoginClients), *lv.Logins, true)
		} else {
			row(lv.Scenario, load, lv.Stats, true)
		}
	}
	for _, lv := range r.Levels {
		if c := lv.CPUPerRequest; c != nil {
			fmt.Fprintf(&b, "\n%s, %d client: %s.\n", lv.Scenario, lv.Clients, c.text())
		}
	}
	for _, lv := range r.Levels {
		if q := lv.QRIdle; q != nil {
			fmt.Fprintf(&b, "\n%s, %d waiting pages: %d tickets created in %.1f s by %d visitors at once (%.0f/s); at most %d long polls open at once; server RSS %.0f–%.0f MB while they waited.\n",
				lv.Scenario, lv.Clients, q.Tickets, q.CreateSeconds, q.CreateClients, q.CreatedPerSecond, q.MostOpen, lv.RSSMinMB, lv.RSSMaxMB)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func refusalTime(st Stats) string {
	if st.Refusals == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", st.RefusalP50)
}
