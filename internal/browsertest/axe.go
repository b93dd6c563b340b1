package browsertest

import (
	_ "embed"
	"fmt"
	"strings"
)

// axeSource is axe-core, the accessibility engine of Deque, pinned to the
// version in third_party/axe-core/README.md.
//
//go:embed third_party/axe-core/axe.min.js
var axeSource string

// AxeVersion is the version of the embedded axe-core.
const AxeVersion = "4.14.1"

// axeTags are the rule sets that [Page.CheckAccessibility] runs: WCAG 2.0 and
// 2.1, levels A and AA, which GB/T 37668 follows.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// AxeViolation is one broken axe rule on a page, with the elements that break
// it.
type AxeViolation struct {
	Rule    string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"` // CSS selectors of the elements
	Summary string   `json:"summary"` // axe's explanation for the first element
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s\n\t\tat %s\n\t\t%s", v.Rule, v.Impact, v.Help,
		strings.Join(v.Targets, ", "), strings.ReplaceAll(v.Summary, "\n", " "))
}

// axeRunExpr runs axe on the document and gives the serious and critical
// violations. The checks are evaluated through the DevTools protocol, which a
// Content-Security-Policy of the page does not block.
var axeRunExpr = `(async () => {
  const res = await axe.run(document, {
    runOnly: {type: 'tag', values: ` + js(axeTags) + `},
    resultTypes: ['violations'],
  });
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: (v.nodes[0] && v.nodes[0].failureSummary) || '',
    }));
})()`

// AccessibilityViolations injects axe-core into the current page, when it is
// not there yet, runs the WCAG 2.0/2.1 A and AA rules on the document and
// returns the violations of impact serious or critical. It fails the test
// when axe cannot run.
func (p *Page) AccessibilityViolations() []AxeViolation {
	p.t.Helper()
	step := "AccessibilityViolations()"
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var loaded bool
	if err := p.evalJSON(ctx, "typeof axe === 'object' && axe.version === "+js(AxeVersion), &loaded); err != nil {
		p.fatalf(step, "%v", err)
	}
	if !loaded {
		// The source runs as a script of its own (not through eval, which the
		// CSP of the page forbids); the 0 keeps its value out of the answer.
		if err := p.evalJSON(ctx, axeSource+"\n;0", nil); err != nil {
			p.fatalf(step, "injecting axe-core: %v", err)
		}
	}
	var out []AxeViolation
	if err := p.evalJSON(ctx, axeRunExpr, &out); err != nil {
		p.fatalf(step, "running axe-core: %v", err)
	}
	return out
}

// CheckAccessibility runs axe-core on the current page (see
// [Page.AccessibilityViolations]) and fails the test, listing every
// violation of impact serious or critical with its rule, help and the
// selectors of the elements.
func (p *Page) CheckAccessibility() {
	p.t.Helper()
	vs := p.AccessibilityViolations()
	if len(vs) == 0 {
		return
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	p.fatalf("CheckAccessibility()", "axe-core %s finds %d serious or critical violation(s) of WCAG 2.1 AA:\n\t%s",
		AxeVersion, len(vs), strings.Join(lines, "\n\t"))
}
