/*
 * Quick replies in the agent console, loaded before agent.js: the button "Snelle antwoorden", or
 * "/" typed at the start of a word in the reply box, opens the list of the team leads' replies for
 * the chosen conversation (GET /agent/api/entries/{id}/quick-replies, the case reference filled in);
 * typing after the "/" filters it, the arrow keys choose, Enter or Tab or a click inserts the reply
 * in place of the "/word" (or at the cursor), where the agent can still change it before sending.
 */
var QuickReplies = (function () {
  "use strict";

  var el = ConsolePage.el, clear = ConsolePage.clear, api = ConsolePage.api, failure = ConsolePage.failure;

  function attach(options) {
    var text = options.textarea, list = options.list, button = options.button;
    var state = { replies: [], loadedFor: null, open: false, slash: null, active: 0, shown: [] };

    function load() {
      var id = options.entryId();
      if (id === null) {
        return Promise.resolve(false);
      }
      return api("GET", "/agent/api/entries/" + id + "/quick-replies").then(function (result) {
        if (!result.ok) {
          options.onError(failure(result, "De snelle antwoorden kunnen nu niet worden geladen."));
          return false;
        }
        state.replies = result.data.replies || [];
        state.loadedFor = id;
        return id === options.entryId();
      }).catch(function () {
        options.onError("Geen verbinding met de server: de snelle antwoorden zijn er nu niet.");
        return false;
      });
    }

    // The "/word" just before the cursor, at the start of the text or after a space or line break.
    function slashToken() {
      var end = text.selectionStart;
      if (end !== text.selectionEnd) {
        return null;
      }
      var found = /(^|\s)\/([^\s\/]*)$/.exec(text.value.slice(0, end));
      return found ? { start: end - found[2].length - 1, end: end, query: found[2].toLowerCase() } : null;
    }

    function matching(query) {
      return state.replies.filter(function (reply) {
        return !query || reply.title.toLowerCase().indexOf(query) >= 0 ||
          reply.text.toLowerCase().indexOf(query) >= 0;
      });
    }

    function render() {
      clear(list);
      state.shown.forEach(function (reply, index) {
        var item = el("li", "quick-item" + (index === state.active ? " active" : ""));
        item.id = "quick-item-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === state.active ? "true" : "false");
        item.appendChild(el("strong", "quick-title", reply.title));
        item.appendChild(el("span", "quick-preview", reply.text));
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // the reply box keeps the focus and the cursor
          insert(reply);
        });
        list.appendChild(item);
      });
      if (!state.shown.length) {
        list.appendChild(el("li", "muted", state.replies.length ? "Geen snel antwoord gevonden." :
          "Er zijn nog geen snelle antwoorden."));
      }
      list.hidden = false;
      state.open = true;
      text.setAttribute("aria-expanded", "true");
      if (state.shown.length) {
        text.setAttribute("aria-activedescendant", "quick-item-" + state.active);
      }
    }

    function close() {
      list.hidden = true;
      state.open = false;
      state.slash = null;
      text.setAttribute("aria-expanded", "false");
      text.removeAttribute("aria-activedescendant");
    }

    function filter(token) {
      state.slash = token;
      state.shown = matching(token ? token.query : "");
      state.active = 0;
      render();
    }

    function open(token) {
      state.slash = token;
      load().then(function (current) {
        if (current && (token === null || state.slash !== null)) {
          filter(token === null ? null : slashToken() || token);
        }
      });
    }

    function insert(reply) {
      var start = state.slash ? state.slash.start : text.selectionStart;
      var end = state.slash ? text.selectionStart : text.selectionEnd;
      var before = text.value.slice(0, start);
      text.value = before + reply.text + text.value.slice(end);
      var caret = before.length + reply.text.length;
      close();
      text.focus();
      text.setSelectionRange(caret, caret);
      text.dispatchEvent(new Event("input", { bubbles: true }));  // the draft and the count follow
    }

    text.addEventListener("input", function () {
      var token = slashToken();
      if (!token) {
        if (state.open || state.slash) {
          close();
        }
        return;
      }
      if (state.open) {
        filter(token);
      } else if (!state.slash) {
        open(token);
      }
    });

    text.addEventListener("keydown", function (event) {
      if (!state.open || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      var count = state.shown.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (count) {
          state.active = (state.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
          render();
        }
      } else if ((event.key === "Enter" || event.key === "Tab") && count) {
        event.preventDefault();
        insert(state.shown[state.active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });

    text.addEventListener("blur", close);

    button.addEventListener("click", function () {
      if (state.open) {
        close();
        return;
      }
      text.focus();
      open(null);
    });

    return { close: close };
  }

  return { attach: attach };
}());
