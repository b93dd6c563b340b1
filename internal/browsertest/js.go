package browsertest

import (
	"encoding/json"
	"strings"
)

// jsLib is an expression that gives the helpers the page code of the package
// uses. It runs through the DevTools protocol (Runtime.evaluate and
// Runtime.callFunctionOn), so a Content-Security-Policy of the page does not
// block it, and it leaves no global behind.
const jsLib = `(() => {
  const norm = (s) => String(s ?? '').replace(/[\s\u00a0\u3000]+/g, ' ').trim();
  const normLabel = (s) => {
    let t = norm(s), prev;
    do {
      prev = t;
      t = t.replace(/^[*＊]+\s*/, '').replace(/\s*[*＊]+$/, '').replace(/\s*[:：]$/, '').trim();
    } while (t !== prev);
    return t;
  };
  const visible = (el) => {
    if (!el || !el.isConnected || el.nodeType !== 1) return false;
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const short = (s, n) => {
    s = norm(s);
    n = n || 60;
    return s.length > n ? s.slice(0, n) + '…' : s;
  };
  const describe = (el) => {
    if (!el || el.nodeType !== 1) return String(el);
    let d = '<' + el.tagName.toLowerCase();
    for (const a of ['id', 'name', 'type', 'class', 'href', 'for', 'role']) {
      const v = el.getAttribute(a);
      if (v) d += ' ' + a + '="' + short(v, 40) + '"';
    }
    d += '>';
    const txt = short(el.innerText || el.value || '', 40);
    if (txt) d += txt;
    return d;
  };
  const labelText = (l) => {
    const c = l.cloneNode(true);
    c.querySelectorAll('input, select, textarea, button, datalist').forEach((e) => e.remove());
    return normLabel(c.textContent);
  };
  const controlOf = (l) => {
    if (l.control) return l.control;
    if (l.htmlFor) return document.getElementById(l.htmlFor);
    return l.querySelector('input, select, textarea');
  };
  const checkable = (el) => !!el && el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio');
  const byLabel = (text) => {
    const want = normLabel(text);
    const labels = [...document.querySelectorAll('label')];
    const matched = labels.filter((l) => labelText(l) === want);
    if (matched.length === 0) {
      const seen = labels.filter(visible).map(labelText).filter(Boolean);
      return 'no <label> with the text "' + want + '"; the visible labels are ' + JSON.stringify(seen.slice(0, 40));
    }
    const controls = [];
    for (const l of matched) {
      const c = controlOf(l);
      if (c && !controls.includes(c)) controls.push(c);
    }
    if (controls.length === 0) {
      return 'the label "' + want + '" belongs to no control (no for= that names an existing id, and no control inside it)';
    }
    const usable = controls.filter((c) => visible(c) || (checkable(c) && [...(c.labels || [])].some(visible)));
    if (usable.length === 0) {
      return 'the control of the label "' + want + '" is not visible: ' + controls.map(describe).join(', ');
    }
    if (usable.length > 1) {
      return 'the label "' + want + '" is ambiguous, it names ' + usable.length + ' visible controls: ' + usable.map(describe).join(', ');
    }
    return usable[0];
  };
  const textOf = (el) => {
    if (el.tagName === 'INPUT') return norm(el.value || el.getAttribute('aria-label') || el.alt || '');
    return norm(el.innerText) || norm(el.getAttribute('aria-label')) || norm(el.title);
  };
  const BUTTONS = 'button, input[type=submit], input[type=button], input[type=reset], input[type=image], [role=button]';
  const LINKS = 'a[href], [role=link]';
  const clickable = (text, linksOnly) => {
    const want = norm(text);
    const buttons = linksOnly ? [] : [...document.querySelectorAll(BUTTONS)].filter(visible);
    const links = [...document.querySelectorAll(LINKS)].filter(visible);
    const mb = buttons.filter((b) => textOf(b) === want);
    if (mb.length > 1) {
      return 'ambiguous: ' + mb.length + ' visible buttons have the text "' + want + '": ' + mb.map(describe).join(', ');
    }
    if (mb.length === 1) {
      if (mb[0].disabled || mb[0].getAttribute('aria-disabled') === 'true') return 'the button "' + want + '" is disabled';
      return mb[0];
    }
    const ml = links.filter((a) => textOf(a) === want);
    if (ml.length > 1 && new Set(ml.map((a) => a.href)).size > 1) {
      return 'ambiguous: ' + ml.length + ' visible links have the text "' + want + '" and different targets: ' + ml.map(describe).join(', ');
    }
    if (ml.length >= 1) return ml[0];
    const seen = [...buttons, ...links].map(textOf).filter(Boolean);
    return 'no visible ' + (linksOnly ? 'link' : 'button or link') + ' with the text "' + want + '"; the visible ones are ' + JSON.stringify(seen.slice(0, 50));
  };
  const query = (css) => {
    const el = document.querySelector(css);
    return el || 'no element matches the CSS selector ' + JSON.stringify(css);
  };
  const bodyText = () => norm(document.body ? document.body.innerText : '');
  return { norm, normLabel, visible, describe, byLabel, clickable, query, bodyText, checkable, short, textOf, LINKS };
})()`

// jsExpr wraps body, the statements of an arrow function that can use L, the
// library, into an expression.
func jsExpr(body string) string {
	return "(() => {\nconst L = " + jsLib + ";\n" + body + "\n})()"
}

// jsFunc makes a function declaration for Runtime.callFunctionOn, with the
// library in L. this is the element.
func jsFunc(params, body string) string {
	return "function(" + params + ") {\nconst L = " + jsLib + ";\n" + body + "\n}"
}

// js quotes a Go value as a JavaScript literal.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	// U+2028 and U+2029 are valid in JSON and in modern JavaScript strings,
	// json.Marshal escapes <, > and & already.
	return strings.ReplaceAll(string(b), "\u2028", `\u2028`)
}
