// sms-code.js — the 获取验证码 button of any form that has one.
//
// The button is a plain submit button (name="action" value="send-code"), so sending a
// code works without JavaScript: the server shows the form again with a notice and
// the wait before the next code, but, as it never echoes passwords, the person has to
// type them again. With JavaScript, this script posts the same request in the
// background and swaps in only the mobile and code fields of the answer, so nothing
// typed is lost, and it shows the wait as a countdown. It reads:
//
//   data-sms-send            marks the button (inside the form it submits)
//   data-sms-target="<id>"   the mobile input the code is sent to
//   data-sms-code="<id>"     the code input, focused after a code was sent
//   data-sms-wait="<s>"      seconds until another code may be asked for (optional)
//   data-sms-sent            present when the page says a code was just sent
//
// The resend window is per mobile, so changing the number ends the countdown at once.
(function () {
  'use strict';

  // fieldOf is the .field block around the element with the given id.
  function fieldOf(root, id) {
    var el = id ? root.getElementById(id) : null;
    return el ? el.closest('.field') : null;
  }

  // swapFields replaces the mobile and code blocks of the page with those of the
  // answer and returns the new button, or null when the answer has none (an error
  // page), in which case nothing was changed.
  function swapFields(button, html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var target = button.getAttribute('data-sms-target');
    var oldCode = button.closest('.field');
    // A form may have several code fields (old and new number): take the
    // answer's button of the same code field.
    var fresh = doc.querySelector('[data-sms-send][data-sms-code="' + button.getAttribute('data-sms-code') + '"]');
    if (!fresh || !oldCode) {
      return null;
    }
    var oldMobile = fieldOf(document, target);
    var newMobile = fieldOf(doc, target);
    if (oldMobile && newMobile) {
      oldMobile.replaceWith(document.importNode(newMobile, true));
    }
    var newCode = document.importNode(fresh.closest('.field'), true);
    oldCode.replaceWith(newCode);
    return newCode.querySelector('[data-sms-send]');
  }

  // sendInBackground posts the form as the button would and updates the page.
  function sendInBackground(button) {
    var form = button.form;
    var data = new FormData(form);
    data.set(button.name, button.value);
    button.disabled = true;
    // form.action would be the inputs named "action", not the attribute.
    window.fetch(form.getAttribute('action') || window.location.pathname, {
      method: 'POST',
      body: new URLSearchParams(data),
      credentials: 'same-origin',
      headers: {Accept: 'text/html'}
    }).then(function (resp) {
      return resp.text();
    }).then(function (html) {
      var next = swapFields(button, html);
      if (!next) {
        throw new Error('no SMS field in the answer');
      }
      setup(next);
    }).catch(function () {
      // Let the server answer with a whole page, as without JavaScript.
      button.disabled = false;
      var flag = document.createElement('input');
      flag.type = 'hidden';
      flag.name = button.name;
      flag.value = button.value;
      form.appendChild(flag);
      form.submit();
    });
  }

  function setup(button) {
    var label = '获取验证码';
    var mobile = document.getElementById(button.getAttribute('data-sms-target') || '');
    var code = document.getElementById(button.getAttribute('data-sms-code') || '');
    var wait = parseInt(button.getAttribute('data-sms-wait') || '0', 10);
    var sentTo = mobile ? mobile.value.trim() : '';
    var timer = null;

    function stop(text) {
      if (timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
      button.disabled = false;
      button.textContent = text;
    }

    if (window.fetch && window.DOMParser && button.form) {
      button.addEventListener('click', function (ev) {
        ev.preventDefault();
        sendInBackground(button);
      });
    }
    if (code && button.hasAttribute('data-sms-sent') && !code.value) {
      code.focus();
    }
    if (!(wait > 0)) {
      return;
    }
    button.disabled = true;
    button.textContent = wait + '秒后重新获取';
    timer = window.setInterval(function () {
      wait -= 1;
      if (wait <= 0) {
        stop('重新获取');
        return;
      }
      button.textContent = wait + '秒后重新获取';
    }, 1000);
    if (mobile) {
      mobile.addEventListener('input', function () {
        if (timer !== null && mobile.value.trim() !== sentTo) {
          stop(label);
        }
      });
    }
  }

  var buttons = document.querySelectorAll('[data-sms-send]');
  for (var i = 0; i < buttons.length; i++) {
    setup(buttons[i]);
  }
})();
