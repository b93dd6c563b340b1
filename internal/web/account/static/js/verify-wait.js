// verify-wait.js — the page that shows a verification QR code learns the result
// without reloading.
//
// It long-polls the URL in data-verify-wait (GET, JSON {"status": …}); the server
// holds each request until the status leaves "pending" or ~25 s have passed, so a
// waiting page costs one request every 25 s and nothing in between. Then:
//
//   passed             submit the form whose id is in data-verify-form (the same form
//                      as the 我已完成认证 button, which does this without JavaScript)
//   failed, expired,   reload the page: the server shows what happened and offers a
//   done, unknown      new code
//
// Network errors are retried with a growing pause; after several the page says so
// and leaves the button to the person.
(function () {
  'use strict';

  var box = document.querySelector('[data-verify-wait]');
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute('data-verify-wait');
  var form = document.getElementById(box.getAttribute('data-verify-form') || '');
  var status = box.querySelector('[data-verify-status]');
  var failures = 0;
  var leaving = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function done(answer) {
    leaving = true;
    if (answer === 'passed' && form) {
      say('认证已通过，正在进入下一步…');
      form.submit();
      return;
    }
    window.location.reload();
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (resp) {
        if (resp.status === 404) {
          return { status: 'unknown' };
        }
        if (!resp.ok) {
          throw new Error('HTTP ' + resp.status);
        }
        return resp.json();
      })
      .then(function (answer) {
        failures = 0;
        if (answer.status === 'pending') {
          poll();
          return;
        }
        done(answer.status);
      })
      .catch(function () {
        if (leaving) {
          return;
        }
        failures += 1;
        if (failures > 6) {
          say('暂时无法获取认证结果。完成认证后，请点击“我已完成认证”。');
          return;
        }
        window.setTimeout(poll, Math.min(30000, 1000 * Math.pow(2, failures)));
      });
  }

  window.addEventListener('pagehide', function () {
    leaving = true;
  });
  poll();
})();
