// qr-login.js — the login page's 扫码登录 tab follows its ticket and signs in by
// itself once the person confirmed in the app.
//
// It counts down the seconds in [data-qr-countdown], and long-polls the URL in
// data-qr-wait (GET, JSON {"state", "label"}) with the last state seen; the server
// holds each request until the state changes or ~25 s have passed, so a waiting
// page costs one request every 25 s and nothing in between. Each answer's label
// goes into [data-qr-status]. On "confirmed" it submits the form whose id is in
// data-qr-form (the same form as the 我已确认，登录 button). Cancelled, expired and
// used tickets stop the poll: the person presses 刷新. A 503 (too many waiting
// pages) or a network error is retried after a growing pause, drawn at random
// between half and one and a half times its length: when the hall restarts, every
// waiting page fails in the same instant, and without the spread they would all
// come back in the same instant too, at every retry.
(function () {
  'use strict';

  var box = document.querySelector('[data-qr-wait]');
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute('data-qr-wait');
  var form = document.getElementById(box.getAttribute('data-qr-form') || '');
  var status = box.querySelector('[data-qr-status]');
  var countdown = box.querySelector('[data-qr-countdown]');
  var seen = box.getAttribute('data-qr-state') || '';
  var left = parseInt(box.getAttribute('data-qr-remaining') || '0', 10);
  var failures = 0;
  var leaving = false;
  var timer = null;

  function say(text) {
    if (status && text) {
      status.textContent = text;
    }
  }

  function tick() {
    if (left > 0) {
      left -= 1;
    }
    if (countdown) {
      countdown.textContent = String(left);
    }
    if (left <= 0 && timer) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  // pause is how long to wait before retrying: base (at most 30 s) spread at random
  // over half to one and a half times it.
  function pause(base) {
    return Math.round(Math.min(30000, base) * (0.5 + Math.random()));
  }

  function finished(state) {
    return state === 'cancelled' || state === 'expired' || state === 'consumed' || state === 'unknown';
  }

  function poll() {
    fetch(url + '&seen=' + encodeURIComponent(seen), {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
    })
      .then(function (resp) {
        if (resp.status === 404 || resp.status === 503) {
          return resp.json();
        }
        if (!resp.ok) {
          throw new Error('HTTP ' + resp.status);
        }
        return resp.json();
      })
      .then(function (answer) {
        if (answer.state === 'busy') {
          say(answer.message);
          failures += 1;
          window.setTimeout(poll, pause(2000 * failures));
          return;
        }
        failures = 0;
        seen = answer.state;
        say(answer.label || answer.message);
        if (answer.state === 'confirmed' && form) {
          leaving = true;
          form.submit();
          return;
        }
        if (finished(answer.state)) {
          left = 0;
          tick();
          return;
        }
        poll();
      })
      .catch(function () {
        if (leaving) {
          return;
        }
        failures += 1;
        if (failures > 6) {
          say('暂时无法获取扫码状态。在手机上确认后，请点击“我已确认，登录”。');
          return;
        }
        window.setTimeout(poll, pause(1000 * Math.pow(2, failures)));
      });
  }

  window.addEventListener('pagehide', function () {
    leaving = true;
  });
  timer = window.setInterval(tick, 1000);
  poll();
})();
