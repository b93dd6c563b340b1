// app-scan.js — 扫一扫 in the companion app: reads a QR code with the phone's camera
// where the browser has the BarcodeDetector API (Chrome on Android, Safari on iOS 17+
// behind a flag…), and opens it when it is a link into this app (/app/…, same
// origin) or a rights record's code (/verify/{id}, opened as /app/records/{id}).
// Elsewhere the page's 二维码链接 form, which works without JavaScript, is the way
// in; this script then only says that the camera is not available.
//
// Markup: [data-app-scan] holds [data-scan-view] (with a <video data-scan-video>),
// [data-scan-status], and the buttons [data-scan-start] and [data-scan-stop].
(function () {
  'use strict';

  var root = document.querySelector('[data-app-scan]');
  if (!root) {
    return;
  }
  var view = root.querySelector('[data-scan-view]');
  var video = root.querySelector('[data-scan-video]');
  var status = root.querySelector('[data-scan-status]');
  var startButton = root.querySelector('[data-scan-start]');
  var stopButton = root.querySelector('[data-scan-stop]');
  var stream = null;
  var detector = null;
  var timer = null;

  function say(text) {
    status.textContent = text;
  }

  // target returns the local path of a scanned text when it links into the app, or
  // the app's verification screen when it is a rights record's code (/verify/{id}).
  function target(text) {
    var u;
    try {
      u = new URL(text, window.location.href);
    } catch (e) {
      return null;
    }
    if (u.origin !== window.location.origin) {
      return null;
    }
    var record = /^\/verify\/([A-Za-z0-9_-]{43})$/.exec(u.pathname);
    if (record && !u.search) {
      return '/app/records/' + record[1];
    }
    if (u.pathname.indexOf('/app/') !== 0) {
      return null;
    }
    return u.pathname + u.search;
  }

  function stop() {
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.srcObject = null;
    view.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function scan() {
    timer = null;
    if (!stream) {
      return;
    }
    detector.detect(video).then(function (codes) {
      for (var i = 0; i < codes.length; i++) {
        var path = target(codes[i].rawValue || '');
        if (path) {
          say('已识别二维码，正在打开…');
          stop();
          window.location.assign(path);
          return;
        }
        if (codes[i].rawValue) {
          say('这不是本系统的二维码，请扫描网上办事服务大厅页面上的二维码。');
        }
      }
      timer = window.setTimeout(scan, 250);
    }, function () {
      timer = window.setTimeout(scan, 500);
    });
  }

  function start() {
    say('正在打开相机…');
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        view.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(function () {
        say('将二维码放入框内，即可自动识别。');
        scan();
      })
      .catch(function () {
        stop();
        say('无法打开相机（未授权或设备不支持）。请在下方粘贴二维码链接。');
      });
  }

  var supported = 'BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (!supported) {
    say('当前浏览器不支持相机扫码，请在下方粘贴二维码链接。');
    return;
  }
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf('qr_code') < 0) {
      say('当前浏览器不支持识别二维码，请在下方粘贴二维码链接。');
      return;
    }
    detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    startButton.hidden = false;
    startButton.addEventListener('click', start);
    stopButton.addEventListener('click', function () {
      stop();
      say('相机已关闭。');
    });
  }, function () {
    say('当前浏览器不支持相机扫码，请在下方粘贴二维码链接。');
  });
})();
