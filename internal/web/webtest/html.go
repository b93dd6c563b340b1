package webtest

// A small HTML parser and CSS selector engine for tests, so that pages are checked by
// selector (as pkgsite does) without a dependency. It is strict on purpose: every
// element but the void ones must be closed in order, so a template that leaves a tag
// open fails its test.

import (
	"fmt"
	"html"
	"strings"
	"testing"
)

// HTMLNode is an element, a text node (Tag "") or the document (Tag "#document").
type HTMLNode struct {
	Tag      string
	Attrs    []HTMLAttr
	Text     string // text nodes only, entities decoded
	Parent   *HTMLNode
	Children []*HTMLNode
	Line     int // where the element starts
}

type HTMLAttr struct{ Name, Value string }

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

var rawTextElements = map[string]bool{"script": true, "style": true, "textarea": true, "title": true}

// ParseHTML parses a page, failing the test on unbalanced tags.
func ParseHTML(t testing.TB, src string) *HTMLNode {
	t.Helper()
	doc, err := ParseHTMLString(src)
	if err != nil {
		t.Fatalf("parse HTML: %v\n%s", err, ShortBody(src))
	}
	return doc
}

func ParseHTMLString(src string) (*HTMLNode, error) {
	doc := &HTMLNode{Tag: "#document"}
	cur := doc
	line := func(pos int) int { return strings.Count(src[:pos], "\n") + 1 }
	i := 0
	for i < len(src) {
		if src[i] != '<' {
			j := strings.IndexByte(src[i:], '<')
			if j < 0 {
				j = len(src) - i
			}
			cur.Children = append(cur.Children, &HTMLNode{Text: html.UnescapeString(src[i : i+j]), Parent: cur})
			i += j
			continue
		}
		switch {
		case strings.HasPrefix(src[i:], "<!--"):
			j := strings.Index(src[i:], "-->")
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line(i))
			}
			i += j + 3
		case strings.HasPrefix(src[i:], "<!"), strings.HasPrefix(src[i:], "<?"):
			j := strings.IndexByte(src[i:], '>')
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated declaration", line(i))
			}
			i += j + 1
		case strings.HasPrefix(src[i:], "</"):
			j := strings.IndexByte(src[i:], '>')
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated end tag", line(i))
			}
			name := strings.ToLower(strings.TrimSpace(src[i+2 : i+j]))
			if cur.Tag != name {
				return nil, fmt.Errorf("line %d: </%s> closes <%s> opened on line %d", line(i), name, cur.Tag, cur.Line)
			}
			cur = cur.Parent
			i += j + 1
		case i+1 < len(src) && isASCIILetter(src[i+1]):
			n, end, selfClose, err := parseStartTag(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line(i), err)
			}
			n.Parent, n.Line = cur, line(i)
			cur.Children = append(cur.Children, n)
			i = end
			switch {
			case voidElements[n.Tag] || selfClose:
			case rawTextElements[n.Tag]:
				k := strings.Index(strings.ToLower(src[i:]), "</"+n.Tag)
				if k < 0 {
					return nil, fmt.Errorf("line %d: <%s> is not closed", n.Line, n.Tag)
				}
				n.Children = append(n.Children, &HTMLNode{Text: html.UnescapeString(src[i : i+k]), Parent: n})
				i += k
				gt := strings.IndexByte(src[i:], '>')
				if gt < 0 {
					return nil, fmt.Errorf("line %d: unterminated </%s>", line(i), n.Tag)
				}
				i += gt + 1
			default:
				cur = n
			}
		default:
			cur.Children = append(cur.Children, &HTMLNode{Text: "<", Parent: cur})
			i++
		}
	}
	if cur != doc {
		return nil, fmt.Errorf("<%s> opened on line %d is never closed", cur.Tag, cur.Line)
	}
	return doc, nil
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func parseStartTag(src string, i int) (n *HTMLNode, end int, selfClose bool, err error) {
	j := i + 1
	for j < len(src) && (isASCIILetter(src[j]) || (src[j] >= '0' && src[j] <= '9') || src[j] == '-') {
		j++
	}
	n = &HTMLNode{Tag: strings.ToLower(src[i+1 : j])}
	for {
		for j < len(src) && strings.IndexByte(" \t\r\n\f", src[j]) >= 0 {
			j++
		}
		if j >= len(src) {
			return nil, 0, false, fmt.Errorf("unterminated <%s>", n.Tag)
		}
		if src[j] == '>' {
			return n, j + 1, false, nil
		}
		if strings.HasPrefix(src[j:], "/>") {
			return n, j + 2, true, nil
		}
		k := j
		for k < len(src) && strings.IndexByte(" \t\r\n\f=>", src[k]) < 0 && !strings.HasPrefix(src[k:], "/>") {
			k++
		}
		name := strings.ToLower(src[j:k])
		if name == "" {
			return nil, 0, false, fmt.Errorf("bad attribute in <%s>", n.Tag)
		}
		j = k
		val := ""
		if j < len(src) && src[j] == '=' {
			j++
			if j < len(src) && (src[j] == '"' || src[j] == '\'') {
				q := src[j]
				e := strings.IndexByte(src[j+1:], q)
				if e < 0 {
					return nil, 0, false, fmt.Errorf("unterminated attribute %s in <%s>", name, n.Tag)
				}
				val = src[j+1 : j+1+e]
				j += e + 2
			} else {
				e := j
				for e < len(src) && strings.IndexByte(" \t\r\n\f>", src[e]) < 0 {
					e++
				}
				val = src[j:e]
				j = e
			}
		}
		for _, a := range n.Attrs {
			if a.Name == name {
				return nil, 0, false, fmt.Errorf("attribute %s twice in <%s>", name, n.Tag)
			}
		}
		n.Attrs = append(n.Attrs, HTMLAttr{name, html.UnescapeString(val)})
	}
}

// Attr returns the value of an attribute and whether the element has it.
func (n *HTMLNode) Attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// AttrOr returns the value of an attribute, or "" when it is missing.
func (n *HTMLNode) AttrOr(name string) string { v, _ := n.Attr(name); return v }

func (n *HTMLNode) HasClass(c string) bool {
	for _, f := range strings.Fields(n.AttrOr("class")) {
		if f == c {
			return true
		}
	}
	return false
}

// Walk calls fn for n and every node below it, in document order.
func (n *HTMLNode) Walk(fn func(*HTMLNode)) {
	fn(n)
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// TextContent is the text below n with runs of white space as one space.
func (n *HTMLNode) TextContent() string {
	var b strings.Builder
	n.Walk(func(x *HTMLNode) {
		if x.Tag == "" {
			b.WriteString(x.Text)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// All returns the elements below n that match the selector, in document order.
// Supported: type, #id, .class, [attr], [attr=v], [attr^=v], [attr*=v], [attr$=v],
// the descendant (space) and child (>) combinators, and groups (a, b).
func (n *HTMLNode) All(selector string) []*HTMLNode {
	groups := parseSelector(selector)
	var out []*HTMLNode
	n.Walk(func(x *HTMLNode) {
		if x == n || x.Tag == "" {
			return
		}
		for _, g := range groups {
			if g.match(x) {
				out = append(out, x)
				return
			}
		}
	})
	return out
}

// First returns the first element that matches, or nil.
func (n *HTMLNode) First(selector string) *HTMLNode {
	if all := n.All(selector); len(all) > 0 {
		return all[0]
	}
	return nil
}

// Must returns the first element that matches, failing the test when there is none.
func (n *HTMLNode) Must(t testing.TB, selector string) *HTMLNode {
	t.Helper()
	x := n.First(selector)
	if x == nil {
		t.Fatalf("no element matches %q", selector)
	}
	return x
}

// Texts returns the TextContent of every match.
func (n *HTMLNode) Texts(selector string) []string {
	var out []string
	for _, x := range n.All(selector) {
		out = append(out, x.TextContent())
	}
	return out
}

type attrCond struct{ name, op, val string }

type compound struct {
	tag     string
	id      string
	classes []string
	attrs   []attrCond
	// comb is how this compound relates to the previous one (to its left): ' ' or '>'.
	comb byte
}

type complexSel []compound

func parseSelector(s string) []complexSel {
	var out []complexSel
	for _, part := range strings.Split(s, ",") {
		out = append(out, parseComplex(strings.TrimSpace(part)))
	}
	return out
}

func parseComplex(s string) complexSel {
	var sel complexSel
	comb := byte(' ')
	i := 0
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n':
			i++
			continue
		case '>':
			comb = '>'
			i++
			continue
		}
		c := compound{comb: comb}
		comb = ' '
		for i < len(s) && s[i] != ' ' && s[i] != '>' {
			switch s[i] {
			case '#', '.':
				k := i + 1
				for k < len(s) && strings.IndexByte(" >#.[", s[k]) < 0 {
					k++
				}
				if s[i] == '#' {
					c.id = s[i+1 : k]
				} else {
					c.classes = append(c.classes, s[i+1:k])
				}
				i = k
			case '[':
				k := strings.IndexByte(s[i:], ']')
				if k < 0 {
					panic("bad selector " + s)
				}
				body := s[i+1 : i+k]
				i += k + 1
				cond := attrCond{name: body}
				for _, op := range []string{"^=", "*=", "$=", "="} {
					if a, v, ok := strings.Cut(body, op); ok {
						cond = attrCond{name: strings.TrimSpace(a), op: op, val: strings.Trim(strings.TrimSpace(v), `"'`)}
						break
					}
				}
				c.attrs = append(c.attrs, cond)
			default:
				k := i
				for k < len(s) && strings.IndexByte(" >#.[", s[k]) < 0 {
					k++
				}
				c.tag = strings.ToLower(s[i:k])
				i = k
			}
		}
		sel = append(sel, c)
	}
	return sel
}

func (c compound) match(n *HTMLNode) bool {
	if n.Tag == "" || n.Tag == "#document" {
		return false
	}
	if c.tag != "" && c.tag != "*" && c.tag != n.Tag {
		return false
	}
	if c.id != "" && n.AttrOr("id") != c.id {
		return false
	}
	for _, cl := range c.classes {
		if !n.HasClass(cl) {
			return false
		}
	}
	for _, a := range c.attrs {
		v, ok := n.Attr(a.name)
		if !ok {
			return false
		}
		switch a.op {
		case "=":
			ok = v == a.val
		case "^=":
			ok = strings.HasPrefix(v, a.val)
		case "*=":
			ok = strings.Contains(v, a.val)
		case "$=":
			ok = strings.HasSuffix(v, a.val)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s complexSel) match(n *HTMLNode) bool { return s.matchAt(len(s)-1, n) }

func (s complexSel) matchAt(i int, n *HTMLNode) bool {
	if !s[i].match(n) {
		return false
	}
	if i == 0 {
		return true
	}
	if s[i].comb == '>' {
		return n.Parent != nil && s.matchAt(i-1, n.Parent)
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if s.matchAt(i-1, p) {
			return true
		}
	}
	return false
}
