/*
 * Shared by the console's pages (agent.js, review.js), loaded before them: DOM helpers that put
 * text into the page as textContent only, and the JSON API with the session's CSRF token (from the
 * page's <meta name="csrf-token">) in the X-CSRF-Token header. A 401 goes back to the login page.
 */
var ConsolePage = (function () {
  "use strict";

  var LOGIN_URL = "/agent/login";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function say(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    var options = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET") {
      headers["X-CSRF-Token"] = csrf;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      if (response.status === 401) {
        window.location.assign(LOGIN_URL);
        return new Promise(function () {});  // the page is going away
      }
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data || {} };
      });
    });
  }

  function failure(result, fallback) {
    return (result && result.data && result.data.error) || fallback;
  }

  return { el: el, clear: clear, say: say, api: api, failure: failure };
}());
