/* The CSRF token for script requests (internal/web/csrf.go). Forms carry the token
 * as a hidden field; requests made by scripts get it here: every same-origin fetch
 * that is not GET or HEAD is sent with the X-CSRF-Token header, read from the
 * layout's <meta name="csrf-token">. Browsers that send Origin or Sec-Fetch-Site
 * pass without it; the header is for those that send neither. Loaded (deferred) in
 * the head, so it runs before every page script. */
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta && meta.getAttribute('content');
  if (!token || !window.fetch || !window.Headers || !window.URL) return;
  var send = window.fetch;
  window.fetch = function (input, init) {
    var request = (window.Request && input instanceof window.Request) ? input : null;
    var method = ((init && init.method) || (request && request.method) || 'GET').toUpperCase();
    var url = new URL(request ? request.url : String(input), window.location.href);
    if (method !== 'GET' && method !== 'HEAD' && url.origin === window.location.origin) {
      var headers = new Headers((init && init.headers) || (request && request.headers) || undefined);
      if (!headers.has('X-CSRF-Token')) headers.set('X-CSRF-Token', token);
      init = Object.assign({}, init, { headers: headers });
    }
    return send.call(window, input, init);
  };
})();
