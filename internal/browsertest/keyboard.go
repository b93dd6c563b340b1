package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
)

// Focus is the element that has the keyboard focus, as a person who uses the
// keyboard sees it and as assistive technology announces it.
type Focus struct {
	Role string // the accessible role in Chromium's accessibility tree: textbox, combobox, checkbox, button, link, slider…
	Name string // the accessible name (a field's label, a button's text), runs of whitespace as one space
	Desc string // the element, as the messages of the package show one: <input id="f-name" …>
	// Visible reports whether a sighted person sees where the focus is: the
	// element matches :focus-visible, draws an outline or a box-shadow, and
	// its box is on the screen.
	Visible bool
	Ring    string // the computed outline and box-shadow, for messages
	// Part is the piece of a composite control that has the focus, when that is
	// not the control itself: one field of a date input, or its button that
	// opens the calendar, which Chromium draws inside the input. The page's CSS
	// does not reach them, so Visible is about the control.
	Part *FocusPart
}

// FocusPart is a focusable piece inside a control (see [Focus.Part]).
type FocusPart struct {
	Role string  // spinbutton for a field of a date, button for the calendar button
	Name string  // in the language of the browser: "Year", "Show date picker"
	Max  float64 // the largest value of a spinbutton: 12 for a month, 31 for a day
}

func (f Focus) String() string {
	s := fmt.Sprintf("%s %q %s", f.Role, f.Name, f.Desc)
	if f.Part != nil {
		s += fmt.Sprintf(", on its part %s %q", f.Part.Role, f.Part.Name)
	}
	return s
}

// focusInfoFn describes the focused element (this) and how its focus shows.
var focusInfoFn = jsFunc("", `const s = getComputedStyle(this);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = !!s.boxShadow && s.boxShadow !== 'none';
  const r = this.getBoundingClientRect();
  const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
    r.top < window.innerHeight && r.left < window.innerWidth;
  const ring = (outline ? 'outline ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor : 'no outline') +
    (shadow ? ', box-shadow ' + s.boxShadow : ', no box-shadow') + (onScreen ? '' : ', off the screen');
  return {tag: this.tagName.toLowerCase(), desc: L.describe(this), visible: this.matches(':focus-visible') && (outline || shadow) && onScreen,
    ring: (this.matches(':focus-visible') ? '' : 'not :focus-visible, ') + ring};`)

// Focused returns the element that has the keyboard focus, with its accessible
// role and name from Chromium's accessibility tree. When nothing has the focus
// (the body has it) Role and Name are empty and Desc is "<body>".
func (p *Page) Focused() Focus {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	f, err := p.focused(ctx)
	if err != nil {
		p.fatalf("Focused()", "%v", err)
	}
	return f
}

func (p *Page) focused(ctx context.Context) (Focus, error) {
	el, err := p.locate(ctx, "document.activeElement || 'no document'")
	if err != nil {
		return Focus{}, err
	}
	var r struct {
		Tag     string `json:"tag"`
		Desc    string `json:"desc"`
		Visible bool   `json:"visible"`
		Ring    string `json:"ring"`
	}
	if err := p.callOn(ctx, el, focusInfoFn, &r); err != nil {
		return Focus{}, err
	}
	f := Focus{Desc: r.Desc, Visible: r.Visible, Ring: r.Ring}
	if r.Tag == "body" || r.Tag == "html" {
		f.Desc, f.Visible = "<body>", false
		return f, nil
	}
	res, err := chromedp.Call(ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{
		ObjectID: el.ObjectID, FetchRelatives: new(false),
	})
	if err != nil {
		return Focus{}, fmt.Errorf("the accessibility node of %s: %w", f.Desc, err)
	}
	for _, n := range res.Nodes {
		if n.Ignored {
			continue
		}
		f.Role, f.Name = axString(n.Role), axString(n.Name)
		if !axFocused(n) && len(n.ChildIDs) > 0 {
			f.Part, err = p.focusedPart(ctx, n)
			if err != nil {
				return Focus{}, fmt.Errorf("the focused part of %s: %w", f.Desc, err)
			}
		}
		break
	}
	return f, nil
}

// focusedPart looks for the focused node among the descendants of the
// accessibility node n in the page's accessibility tree, and returns nil when
// none has the focus.
func (p *Page) focusedPart(ctx context.Context, n *accessibility.Node) (*FocusPart, error) {
	res, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		return nil, err
	}
	parent := make(map[accessibility.NodeID]accessibility.NodeID, len(res.Nodes))
	for _, c := range res.Nodes {
		parent[c.NodeID] = c.ParentID
	}
	within := func(id accessibility.NodeID) bool {
		for range len(res.Nodes) { // a tree has no cycle; the bound makes sure
			id = parent[id]
			if id == n.NodeID {
				return true
			}
			if id == "" {
				return false
			}
		}
		return false
	}
	for _, c := range res.Nodes {
		if c.NodeID == n.NodeID || !axFocused(c) || !within(c.NodeID) {
			continue
		}
		part := &FocusPart{Role: axString(c.Role), Name: axString(c.Name)}
		for _, pr := range c.Properties {
			if pr.Name == accessibility.PropertyNameValuemax && pr.Value != nil {
				_ = json.Unmarshal(pr.Value.Value, &part.Max) // no number, no maximum
			}
		}
		return part, nil
	}
	return nil, nil
}

// axFocused reports whether the accessibility node has the focus.
func axFocused(n *accessibility.Node) bool {
	for _, pr := range n.Properties {
		if pr.Name == accessibility.PropertyNameFocused && pr.Value != nil {
			var b bool
			return json.Unmarshal(pr.Value.Value, &b) == nil && b
		}
	}
	return false
}

// axString is the text of an accessibility value, with runs of whitespace as one
// space.
func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v.Value, &s) != nil {
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

// PressShift types keys with the Shift key held, for example kb.Tab for
// Shift+Tab (the focus goes back) or kb.ArrowRight for Shift+→, and waits for
// a navigation that the keys start.
func (p *Page) PressShift(keys string) {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	seq0 := p.seq()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys, chromedp.KeyModifiers(chromedp.ModifierShift))); err != nil {
		p.fatalf(fmt.Sprintf("PressShift(%q)", keys), "%v", err)
	}
	p.settle(ctx, seq0)
}

// Type types text on the keyboard into the element that has the focus, as
// [Page.Fill] does after its click, but without moving the focus: ASCII key by
// key, other text as an input method commits it. It fails when the focused
// element takes no text.
func (p *Page) Type(text string) {
	p.t.Helper()
	step := fmt.Sprintf("Type(%q)", text)
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var editable struct {
		OK   bool   `json:"ok"`
		Desc string `json:"desc"`
	}
	if err := p.evalJSON(ctx, jsExpr(`const a = document.activeElement;
  const ok = !!a && (a.isContentEditable || a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' &&
    !['checkbox', 'radio', 'button', 'submit', 'reset', 'image', 'file', 'hidden', 'range', 'color'].includes(a.type)));
  return {ok: ok && !a.disabled && !a.readOnly, desc: a ? L.describe(a) : 'nothing'};`), &editable); err != nil {
		p.fatalf(step, "%v", err)
	}
	if !editable.OK {
		p.fatalf(step, "the focus is on %s, which takes no text", editable.Desc)
	}
	seq0 := p.seq()
	if err := p.typeText(ctx, text); err != nil {
		p.fatalf(step, "typing: %v", err)
	}
	if strings.ContainsAny(text, "\r\n") {
		p.settle(ctx, seq0)
	}
}
