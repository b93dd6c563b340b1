/* slider-captcha.js — the slider-puzzle captcha (拖动滑块完成拼图).
 *
 * For every element
 *   <div class="slider-captcha" data-captcha-new="/captcha/new?purpose=recover"
 *        data-captcha-verify="/captcha/verify" data-captcha-field="captcha_token">
 * it fetches a challenge (JSON: id, background and piece as data: URLs, pieceY,
 * width, height, pieceWidth, pieceHeight, maxX, keyStep, expiresIn), shows the
 * picture with the piece at the left, and lets the person move the piece with the
 * slider handle: drag it with a mouse, pen or finger, or focus it and use the
 * arrow keys (Shift or PageUp/PageDown for bigger steps) and Enter. On release it
 * POSTs {id, x, durationMs, track, keyboard} to data-captcha-verify; the answer
 * {ok, token, message} puts the pass token into the hidden input named by
 * data-captcha-field (in the enclosing form, or one added here) and fires
 * "captcha:passed" on the element. A refusal shows the message and loads a new
 * picture; 刷新 loads one at any time. The server decides: this script only
 * reports what the hand did (internal/captcha documents the format and checks).
 *
 * No inline styles: the CSS in hall.css ("slider captcha") positions the piece and
 * the handle from custom properties set here through the CSSOM, which the
 * Content-Security-Policy style-src 'self' allows.
 */
(function () {
  'use strict';

  var SMALL_STEP = 1;     // px per arrow key: a keyboard answer must be exact (±2 px)
  var TRACK_LIMIT = 480;  // points; the server takes at most 500
  var MAX_Y = 100;        // px the pointer may wander up or down in the report
  var uid = 0;

  var TEXT = {
    hint: '向右拖动滑块完成拼图',
    label: '拖动滑块完成拼图',
    help: '也可使用左右方向键移动滑块（按住 Shift 键每次移动更多），对准后按回车键确认。',
    loading: '正在加载验证图片…',
    checking: '正在验证…',
    passed: '验证通过',
    failed: '验证失败，请重试',
    expired: '验证已过期，请刷新',
    loadFailed: '验证图片加载失败，请点击“刷新”重试',
    network: '网络异常，请重试',
    tooLong: '移动次数过多，请重新开始',
    refresh: '刷新'
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function round1(v) { return Math.round(v * 10) / 10; }

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function init(root) {
    if (root.getAttribute('data-captcha-ready')) return;
    root.setAttribute('data-captcha-ready', '1');
    var newURL = root.getAttribute('data-captcha-new');
    var verifyURL = root.getAttribute('data-captcha-verify');
    var fieldName = root.getAttribute('data-captcha-field') || 'captcha_token';
    var helpID = 'slider-captcha-help-' + (++uid);

    // The picture is visual only: the slider carries the state for assistive
    // technology.
    var stage = el('div', 'slider-captcha-stage');
    stage.setAttribute('aria-hidden', 'true');
    var bg = el('img', 'slider-captcha-bg');
    var piece = el('img', 'slider-captcha-piece');
    bg.alt = '';
    piece.alt = '';
    bg.draggable = false;
    piece.draggable = false;
    stage.appendChild(bg);
    stage.appendChild(piece);

    var bar = el('div', 'slider-captcha-bar');
    var fill = el('div', 'slider-captcha-fill');
    var hint = el('span', 'slider-captcha-hint', TEXT.hint);
    hint.setAttribute('aria-hidden', 'true');
    var handle = el('div', 'slider-captcha-handle');
    handle.setAttribute('role', 'slider');
    handle.setAttribute('tabindex', '0');
    handle.setAttribute('aria-label', TEXT.label);
    handle.setAttribute('aria-valuemin', '0');
    handle.setAttribute('aria-valuemax', '0');
    handle.setAttribute('aria-valuenow', '0');
    handle.setAttribute('aria-describedby', helpID);
    // The message of a refused answer, which the server renders beside the
    // captcha as e-<field>, belongs to the handle, as a field's error to its input.
    var refused = document.getElementById('e-' + fieldName);
    if (refused) {
      handle.setAttribute('aria-describedby', helpID + ' ' + refused.id);
      handle.setAttribute('aria-invalid', 'true');
    }
    bar.appendChild(fill);
    bar.appendChild(hint);
    bar.appendChild(handle);

    var help = el('p', 'slider-captcha-help', TEXT.help);
    help.id = helpID;
    var footer = el('div', 'slider-captcha-footer');
    var status = el('p', 'slider-captcha-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    var refresh = el('button', 'button button-link slider-captcha-refresh', TEXT.refresh);
    refresh.type = 'button';
    footer.appendChild(status);
    footer.appendChild(refresh);

    root.appendChild(stage);
    root.appendChild(bar);
    root.appendChild(help);
    root.appendChild(footer);

    var form = root.closest('form');
    var field = form && form.elements.namedItem(fieldName);
    if (!field || field.tagName !== 'INPUT') {
      field = el('input');
      field.type = 'hidden';
      field.name = fieldName;
      root.appendChild(field);
    }
    field.value = '';

    var ch = null;         // the challenge shown
    var state = '';        // loading, ready, dragging, keys, busy, passed, failed, expired, error
    var x = 0;             // the piece's x in picture pixels
    var track = [];
    var t0 = 0;
    var drag = null;       // the pointer being followed
    var expiryTimer = 0;
    var retryTimer = 0;

    function setState(s) {
      state = s;
      root.setAttribute('data-state', s);
      var active = s === 'ready' || s === 'dragging' || s === 'keys' || s === 'expired';
      handle.setAttribute('aria-disabled', active ? 'false' : 'true');
      refresh.disabled = s === 'busy' || s === 'loading';
    }

    // say shows text below the slider; kind "error" or "ok" colours it.
    function say(text, kind) {
      status.textContent = text || '';
      status.className = 'slider-captcha-status' + (kind ? ' is-' + kind : '');
    }

    function moveTo(nx) {
      x = nx;
      var w = ch ? ch.width : 1;
      root.style.setProperty('--captcha-x', (nx / w * 100) + '%');
      handle.setAttribute('aria-valuenow', String(Math.round(nx)));
    }

    function clearToken() {
      if (field.value) {
        field.value = '';
        root.dispatchEvent(new CustomEvent('captcha:reset', { bubbles: true }));
      }
    }

    function load(keepStatus) {
      clearTimeout(expiryTimer);
      clearTimeout(retryTimer);
      clearToken();
      drag = null;
      setState('loading');
      moveTo(0);
      if (!keepStatus) say(TEXT.loading);
      fetch(newURL, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) {
            if (!res.ok || !body || !body.id) {
              setState('error');
              say(body && body.message ? body.message : TEXT.loadFailed, 'error');
              return;
            }
            show(body, keepStatus);
          });
        })
        .catch(function () {
          setState('error');
          say(TEXT.loadFailed, 'error');
        });
    }

    function show(c, keepStatus) {
      ch = c;
      bg.src = c.background;
      piece.src = c.piece;
      root.style.setProperty('--captcha-aspect', c.width + ' / ' + c.height);
      root.style.setProperty('--captcha-piece-w', (c.pieceWidth / c.width * 100) + '%');
      root.style.setProperty('--captcha-piece-h', (c.pieceHeight / c.height * 100) + '%');
      root.style.setProperty('--captcha-piece-y', (c.pieceY / c.height * 100) + '%');
      handle.setAttribute('aria-valuemax', String(c.maxX));
      moveTo(0);
      setState('ready');
      if (!keepStatus) say('');
      // A second early, so that a release at the last moment is not refused.
      expiryTimer = setTimeout(function () {
        if (state === 'ready' || state === 'keys') {
          moveTo(0);
          setState('expired');
          say(TEXT.expired, 'error');
        }
      }, Math.max(c.expiresIn - 1, 1) * 1000);
    }

    function begin(ts) {
      t0 = ts;
      moveTo(0);
      track = [{ x: 0, y: 0, t: 0 }];
      say('');
    }

    // record adds a point, halving the track when it is full so that a slow drag
    // keeps its shape within the server's limit.
    function record(px, py, ts) {
      if (track.length >= TRACK_LIMIT) {
        var thin = [track[0]];
        for (var i = 2; i < track.length; i += 2) thin.push(track[i]);
        track = thin;
      }
      track.push({ x: round1(px), y: round1(clamp(py, -MAX_Y, MAX_Y)), t: round1(Math.max(ts - t0, 0)) });
    }

    function submit(durationMs, keyboard) {
      setState('busy');
      say(TEXT.checking);
      var body = JSON.stringify({ id: ch.id, x: round1(x), durationMs: durationMs, track: track, keyboard: keyboard });
      fetch(verifyURL, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: body
      })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          return res.json();
        })
        .then(function (r) {
          if (r && r.ok && r.token) {
            passed(r);
          } else {
            failed(r && r.message);
          }
        })
        .catch(function () { failed(TEXT.network); });
    }

    function passed(r) {
      clearTimeout(expiryTimer);
      field.value = r.token;
      setState('passed');
      say(r.message || TEXT.passed, 'ok');
      root.dispatchEvent(new CustomEvent('captcha:passed', { bubbles: true, detail: { token: r.token } }));
    }

    function failed(message) {
      setState('failed');
      say(message || TEXT.failed, 'error');
      // Show the refusal for a moment, then a new picture (keeping the message).
      retryTimer = setTimeout(function () { load(true); }, 1000);
    }

    // Mouse, pen and touch.
    handle.addEventListener('pointerdown', function (e) {
      if (e.pointerType === 'mouse' && e.button !== 0) return;
      if (state === 'expired') { load(); return; }
      if (state !== 'ready' && state !== 'keys') return;
      e.preventDefault();
      handle.focus();
      var scale = stage.getBoundingClientRect().width / ch.width;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY, scale: scale > 0 ? scale : 1 };
      try { handle.setPointerCapture(e.pointerId); } catch (err) { /* still works without capture */ }
      begin(e.timeStamp);
      setState('dragging');
    });

    // follow records the movement up to e and moves the piece there. The browser
    // may merge the moves of one frame into one event; the merged ones, where
    // available, tell the movement as the hand made it.
    function follow(e) {
      var evs = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      if (!evs || !evs.length) evs = [e];
      var nx = x;
      for (var i = 0; i < evs.length; i++) {
        nx = clamp((evs[i].clientX - drag.x) / drag.scale, 0, ch.maxX);
        record(nx, (evs[i].clientY - drag.y) / drag.scale, evs[i].timeStamp);
      }
      moveTo(nx);
    }

    handle.addEventListener('pointermove', function (e) {
      if (!drag || e.pointerId !== drag.id || state !== 'dragging') return;
      follow(e);
    });

    handle.addEventListener('pointerup', function (e) {
      if (!drag || e.pointerId !== drag.id || state !== 'dragging') return;
      follow(e);
      drag = null;
      if (x < 1) { // a click, not a drag
        setState('ready');
        return;
      }
      var d = Math.round(e.timeStamp - t0);
      track[track.length - 1].t = Math.min(track[track.length - 1].t, d);
      submit(d, false);
    });

    function cancel(e) {
      if (!drag || e.pointerId !== drag.id || state !== 'dragging') return;
      drag = null;
      moveTo(0);
      setState('ready');
    }
    handle.addEventListener('pointercancel', cancel);
    handle.addEventListener('lostpointercapture', cancel);

    // Keyboard: the arrow keys move the piece step by step, Enter (or Space)
    // submits.
    handle.addEventListener('keydown', function (e) {
      var big = ch ? ch.keyStep : 10;
      var step = 0;
      switch (e.key) {
        case 'ArrowRight': case 'ArrowUp': step = e.shiftKey ? big : SMALL_STEP; break;
        case 'ArrowLeft': case 'ArrowDown': step = -(e.shiftKey ? big : SMALL_STEP); break;
        case 'PageUp': step = big; break;
        case 'PageDown': step = -big; break;
        case 'Enter': case ' ':
          if (state === 'keys' && x >= 1) {
            e.preventDefault();
            submit(Math.round(e.timeStamp - t0), true);
          } else if (state === 'expired') {
            e.preventDefault();
            load();
          }
          return;
        default:
          return;
      }
      e.preventDefault();
      if (state === 'expired') { load(); return; }
      if (state === 'ready') {
        begin(e.timeStamp);
        setState('keys');
      }
      if (state !== 'keys') return;
      if (track.length >= TRACK_LIMIT) { // key steps cannot be thinned
        moveTo(0);
        setState('ready');
        say(TEXT.tooLong, 'error');
        return;
      }
      var nx = clamp(Math.round(x) + step, 0, ch.maxX);
      if (nx === x) return;
      record(nx, 0, e.timeStamp);
      moveTo(nx);
    });

    refresh.addEventListener('click', function () {
      if (state !== 'busy' && state !== 'loading') load();
    });

    load();
  }

  function start() {
    var all = document.querySelectorAll('.slider-captcha');
    for (var i = 0; i < all.length; i++) init(all[i]);
  }

  // For pages that add a captcha later.
  window.hallSliderCaptcha = { init: init };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
