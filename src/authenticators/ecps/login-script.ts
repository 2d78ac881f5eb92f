/**
 * The login page's script, served as a static file by the device API (`/ecps/assets/ecps-login.js`)
 * so pages keep a strict CSP without inline script. It polls the request's status and, once the
 * phone has answered (or the request has timed out), goes to the finish URL, which shows the
 * outcome or completes the login.
 */
export const LOGIN_SCRIPT_PATH = '/ecps/assets/ecps-login.js';

export const LOGIN_SCRIPT = `'use strict';
(function () {
  var box = document.querySelector('[data-ecps-wait]');
  if (!box) return;
  var statusUrl = box.getAttribute('data-status-url');
  var finishUrl = box.getAttribute('data-finish-url');
  var delay = 1000;
  function next() { setTimeout(poll, delay); }
  function poll() {
    fetch(statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : { status: 'error' }; })
      .then(function (body) {
        if (body.status === 'pending') { delay = 1000; return next(); }
        window.location.assign(finishUrl);
      })
      .catch(function () { delay = Math.min(delay * 2, 8000); next(); });
  }
  next();
})();
`;
