package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync/atomic"
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
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	vs, err := p.axeRun(ctx)
	if err != nil {
		p.fatalf("AccessibilityViolations()", "%v", err)
	}
	return vs
}

// axeRun injects axe-core when the page lacks it and runs it.
func (p *Page) axeRun(ctx context.Context) ([]AxeViolation, error) {
	var loaded bool
	if err := p.evalJSON(ctx, "typeof axe === 'object' && axe.version === "+js(AxeVersion), &loaded); err != nil {
		return nil, err
	}
	if !loaded {
		// The source runs as a script of its own (not through eval, which the
		// CSP of the page forbids); the 0 keeps its value out of the answer.
		if err := p.evalJSON(ctx, axeSource+"\n;0", nil); err != nil {
			return nil, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	var out []AxeViolation
	if err := p.evalJSON(ctx, axeRunExpr, &out); err != nil {
		return nil, fmt.Errorf("running axe-core: %w", err)
	}
	return out, nil
}

func violationLines(vs []AxeViolation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n\t")
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
	p.fatalf("CheckAccessibility()", "axe-core %s finds %d serious or critical violation(s) of WCAG 2.1 AA:\n\t%s",
		AxeVersion, len(vs), violationLines(vs))
}

// auditEveryPage is set by [CheckEveryPage].
var auditEveryPage atomic.Bool

// CheckEveryPage makes every [Page] of the test binary check every HTML
// document that it loads with axe-core, as [Page.CheckAccessibility] does,
// once the document has loaded and before the next step acts on it: a
// violation of impact serious or critical fails the test (without stopping
// it) with the URL of the page. Call it from TestMain before [Main], so that
// every page of every flow is checked without a call in each test:
//
//	func TestMain(m *testing.M) { browsertest.CheckEveryPage(); browsertest.Main(m) }
func CheckEveryPage() { auditEveryPage.Store(true) }

// CheckEachDocument makes one page check every HTML document that it loads,
// as [CheckEveryPage] does for all pages.
func CheckEachDocument() Option { return func(c *pageConfig) { c.audit = true } }

// auditIfNew checks the current document when CheckEveryPage is on and this
// document was not checked yet. A document that goes away during the check is
// left to the check of the next one; a document that is no HTML (JSON, an
// image, a plain-text error) is not checked.
func (p *Page) auditIfNew() {
	if !p.cfg.audit && !auditEveryPage.Load() {
		return
	}
	p.mu.Lock()
	seq := p.navSeq
	if p.auditing || p.closed || seq == p.audited {
		p.mu.Unlock()
		return
	}
	p.auditing = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.auditing = false
		p.mu.Unlock()
	}()

	ctx, cancel := p.stepCtx()
	defer cancel()
	var html bool
	err := p.evalJSON(ctx, "document.contentType === 'text/html' && document.readyState !== 'loading'", &html)
	var vs []AxeViolation
	if err == nil && html {
		vs, err = p.axeRun(ctx)
	}
	p.mu.Lock()
	stale := p.navSeq != seq
	if !stale && err == nil && html {
		p.audited = seq
	}
	p.mu.Unlock()
	if stale || !html {
		return
	}
	if err != nil {
		p.t.Errorf("browsertest: checking the accessibility of the page: %v\n\tpage: %s", err, p.currentURL())
		return
	}
	if len(vs) > 0 {
		p.t.Errorf("browsertest: axe-core %s finds %d serious or critical violation(s) of WCAG 2.1 AA:\n\t%s\n\tpage: %s",
			AxeVersion, len(vs), violationLines(vs), p.currentURL())
	}
}
