/* session-timeout.js — tells a signed-in person that the session is about to end.
 *
 * The layout renders, on every signed-in page,
 *   <div hidden data-acs-timeout data-idle-left="1795" data-absolute-left="43100"
 *        data-absolute-at="21:30" data-warn-idle="120" data-warn-absolute="600"
 *        data-keepalive="/session/keepalive" data-login="/login?tab=unit">
 * with the seconds left as the server counted them when it made the page. This
 * script counts them down with the browser's monotonic clock (so a wrong clock on the
 * computer does not matter) and shows a notice that does not block the page:
 *
 *   - data-warn-idle seconds before the idle end: "您已较长时间未操作，登录将于 X 分钟后
 *     失效" with 继续办理, which POSTs to data-keepalive and starts the idle time again;
 *   - data-warn-absolute seconds before the absolute end (which nothing moves):
 *     "为保障账户安全，登录将于 HH:MM 失效，请保存正在填写的内容", with 知道了;
 *   - once either end has passed: "登录已失效" with a link to sign in again.
 *
 * No inline styles (CSP): the notice's look is in hall.css ("session notice").
 */
(function () {
  'use strict';

  var root = document.querySelector('[data-acs-timeout]');
  if (!root) return;

  function num(name) {
    var v = parseInt(root.getAttribute(name) || '', 10);
    return isNaN(v) ? 0 : v;
  }

  var clock = (window.performance && performance.now) ? function () { return performance.now(); } : Date.now;
  var start = clock();
  var idleEnd = start + num('data-idle-left') * 1000;
  var absEnd = start + num('data-absolute-left') * 1000;
  var absAt = root.getAttribute('data-absolute-at') || '';
  var warnIdle = num('data-warn-idle') * 1000;
  var warnAbs = num('data-warn-absolute') * 1000;
  var keepURL = root.getAttribute('data-keepalive');
  var loginURL = root.getAttribute('data-login') || '/login';
  var absDismissed = false;
  var expired = false;
  var busy = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // The notice: a region at the bottom of the window, announced politely.
  var box = el('div', 'acs-notice');
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  box.hidden = true;

  var idlePart = el('div', 'acs-notice-part acs-notice-idle');
  var idleText = el('p', 'acs-notice-text');
  var keep = el('button', 'button button-primary acs-keepalive', '继续办理');
  keep.type = 'button';
  var idleError = el('p', 'acs-notice-error');
  idlePart.appendChild(idleText);
  idlePart.appendChild(keep);
  idlePart.appendChild(idleError);
  idlePart.hidden = true;

  var absPart = el('div', 'acs-notice-part acs-notice-absolute');
  var absText = el('p', 'acs-notice-text');
  var ok = el('button', 'button acs-dismiss', '知道了');
  ok.type = 'button';
  absPart.appendChild(absText);
  absPart.appendChild(ok);
  absPart.hidden = true;

  var endPart = el('div', 'acs-notice-part acs-notice-expired');
  endPart.appendChild(el('p', 'acs-notice-text', '登录已失效，请重新登录后继续办理。'));
  var again = el('a', 'button button-primary', '重新登录');
  endPart.appendChild(again);
  endPart.hidden = true;

  box.appendChild(idlePart);
  box.appendChild(absPart);
  box.appendChild(endPart);
  document.body.appendChild(box);

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function render() {
    var now = clock();
    if (expired || now >= Math.min(idleEnd, absEnd)) {
      expired = true;
      idlePart.hidden = true;
      absPart.hidden = true;
      var sep = loginURL.indexOf('?') < 0 ? '?' : '&';
      again.href = loginURL + sep + 'next=' + encodeURIComponent(location.pathname + location.search);
      endPart.hidden = false;
      box.hidden = false;
      return false;
    }
    var idleLeft = idleEnd - now;
    var showIdle = idleLeft <= warnIdle && idleEnd <= absEnd;
    if (showIdle) {
      var mins = Math.max(1, Math.ceil(idleLeft / 60000));
      setText(idleText, '您已较长时间未操作，登录将于 ' + mins + ' 分钟后失效。如需继续办理，请点击“继续办理”。');
    }
    idlePart.hidden = !showIdle;
    var showAbs = !absDismissed && absEnd - now <= warnAbs;
    if (showAbs) {
      setText(absText, '为保障账户安全，登录将于 ' + absAt + ' 失效，请保存正在填写的内容。');
    }
    absPart.hidden = !showAbs;
    box.hidden = !(showIdle || showAbs);
    return true;
  }

  var timer = window.setInterval(function () {
    if (!render()) window.clearInterval(timer);
  }, 1000);
  render();

  ok.addEventListener('click', function () {
    absDismissed = true;
    render();
  });

  keep.addEventListener('click', function () {
    if (busy || !keepURL || !window.fetch) return;
    busy = true;
    keep.disabled = true;
    idleError.textContent = '';
    window.fetch(keepURL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {Accept: 'application/json'}
    }).then(function (resp) {
      return resp.json().then(function (body) { return {status: resp.status, body: body}; });
    }).then(function (res) {
      if (res.status === 401) {
        expired = true;
      } else if (res.body && res.body.ok) {
        var now = clock();
        idleEnd = now + res.body.idle_left * 1000;
        absEnd = now + res.body.absolute_left * 1000;
        absAt = res.body.absolute_at || absAt;
      } else {
        idleError.textContent = '操作未成功，请稍后重试。';
      }
    }).catch(function () {
      idleError.textContent = '网络异常，请稍后重试。';
    }).then(function () {
      busy = false;
      keep.disabled = false;
      render();
    });
  });
})();
