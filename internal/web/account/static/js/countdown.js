// countdown.js — counts down the time left of a time-limited flow (历史单位用户升级:
// ten minutes). The element with data-countdown holds the seconds left as the
// server computed them; the script shows 分:秒 each second and, at zero, reloads
// the page, whose server answer is the flow's own timeout page. The server enforces
// the limit; this only shows it.
(function () {
  'use strict';

  var el = document.querySelector('[data-countdown]');
  if (!el) {
    return;
  }
  var end = Date.now() + 1000 * parseInt(el.getAttribute('data-countdown'), 10);

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = pad(Math.floor(left / 60)) + '分' + pad(left % 60) + '秒';
    if (left === 0) {
      window.setTimeout(function () { window.location.reload(); }, 1500);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());
