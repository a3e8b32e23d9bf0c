/*
 * The review inbox (/agent/review): misunderstood customer messages, newest first, each with one-click
 * decisions: the chosen intent, "buiten het onderwerp" or "ruis".
 *
 * Reads GET /agent/api/review (a page; "Oudere berichten laden" asks for the next) and sends each
 * decision as POST /agent/api/review/{id} with the session's CSRF token (from the page's
 * <meta name="csrf-token">) in the X-CSRF-Token header. A refusal (a duplicate or a conflict with
 * the training data) is shown at the message; a message that left the inbox disappears.
 * "Gesprek tonen" loads GET /agent/api/review/{id}/conversation: the masked texts that came before
 * the message in its conversation, the message itself and the answers to it.
 *
 * Everything customers wrote goes into the page as textContent, never as HTML.
 */
(function () {
  "use strict";

  var API = "/agent/api/review";
  var OUT_OF_SCOPE = "out_of_scope";
  var NOISE = "noise";

  var root = document.getElementById("review");
  if (!root) {
    return;
  }
  var el = ConsolePage.el, clear = ConsolePage.clear, say = ConsolePage.say;
  var api = ConsolePage.api, failure = ConsolePage.failure;

  function byId(id) {
    return document.getElementById(id);
  }

  var view = {
    list: byId("review-list"),
    empty: byId("review-empty"),
    more: byId("review-more"),
    refresh: byId("review-refresh"),
    status: byId("review-status"),
    notice: byId("review-notice"),
    error: byId("review-error")
  };

  var state = { intents: [], next: null, loading: false };

  // --- small helpers -------------------------------------------------------------------------------

  function formatTime(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) {
      return "";
    }
    return moment.toLocaleString("nl-NL", {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam"
    });
  }

  function percent(confidence) {
    return typeof confidence === "number" ? Math.round(confidence * 100) + "%" : "?";
  }

  // --- the conversation around a message ------------------------------------------------------------

  function showConversation(box, data) {
    clear(box);
    var turns = data.turns || [];
    if (!turns.length) {
      box.appendChild(el("li", "muted", "Geen teksten gevonden in dit gesprek."));
      return;
    }
    turns.forEach(function (turn) {
      var line = el("li", "turn turn-" + turn.speaker + (turn.current ? " turn-current" : ""));
      line.appendChild(el("span", "turn-who", turn.speaker_label));
      line.appendChild(el("span", "turn-time muted", formatTime(turn.time)));
      line.appendChild(el("span", "turn-text", turn.text));
      box.appendChild(line);
    });
  }

  function conversationToggle(message) {
    var toggle = el("button", "button review-toggle", "Gesprek tonen");
    toggle.type = "button";
    var box = el("ol", "review-conversation");
    box.id = "conversation-" + message.id;
    box.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", box.id);
    var loaded = false;
    toggle.addEventListener("click", function () {
      var open = box.hidden;
      box.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Gesprek verbergen" : "Gesprek tonen";
      if (!open || loaded) {
        return;
      }
      loaded = true;
      clear(box);
      box.appendChild(el("li", "muted", "Gesprek laden…"));
      api("GET", API + "/" + encodeURIComponent(message.id) + "/conversation").then(function (result) {
        if (result.ok) {
          showConversation(box, result.data);
        } else {
          loaded = false;
          clear(box);
          box.appendChild(el("li", "alert", failure(result, "Het gesprek kan nu niet worden geladen.")));
        }
      }).catch(function () {
        loaded = false;
        clear(box);
        box.appendChild(el("li", "alert", "De server is niet bereikbaar. Probeer het zo nog eens."));
      });
    });
    return { toggle: toggle, box: box };
  }

  // --- one message ---------------------------------------------------------------------------------

  function intentSelect(message) {
    var select = el("select", "review-intent");
    select.id = "intent-" + message.id;
    var placeholder = el("option", null, "Kies een intent…");
    placeholder.value = "";
    select.appendChild(placeholder);
    state.intents.forEach(function (intent) {
      var option = el("option", null, intent.label + " (" + intent.name + ")");
      option.value = intent.name;
      if (intent.name === message.intent) {
        option.selected = true;
      }
      select.appendChild(option);
    });
    return select;
  }

  function item(message) {
    var node = el("li", "review-item");
    node.setAttribute("data-id", String(message.id));

    var head = el("div", "review-meta");
    head.appendChild(el("span", "chip reason-" + message.reason, message.reason_label));
    head.appendChild(el("span", null, formatTime(message.time)));
    head.appendChild(el("span", "conversation", "gesprek " + message.conversation_id));
    var conversation = conversationToggle(message);
    head.appendChild(conversation.toggle);
    node.appendChild(head);
    node.appendChild(conversation.box);

    node.appendChild(el("p", "review-text", message.text));
    if (message.masked) {
      var masked = el("p", "review-masked");
      masked.appendChild(el("span", "muted", "Wordt opgeslagen als: "));
      masked.appendChild(el("span", null, message.masked_text));
      node.appendChild(masked);
    }
    node.appendChild(el("p", "review-prediction muted",
      "Voorspeld: " + message.intent_label + " (" + percent(message.confidence) + ")" +
      (message.answered_by ? " · antwoord: " + message.answered_by : "")));

    var actions = el("div", "review-actions");
    var label = el("label", "visually-hidden", "Intent voor dit bericht");
    var select = intentSelect(message);
    label.htmlFor = select.id;
    var assign = el("button", "button primary", "Toewijzen");
    var outOfScope = el("button", "button", "Buiten het onderwerp");
    var noise = el("button", "button", "Ruis");
    [assign, outOfScope, noise].forEach(function (button) {
      button.type = "button";
    });
    actions.appendChild(label);
    actions.appendChild(select);
    actions.appendChild(assign);
    actions.appendChild(outOfScope);
    actions.appendChild(noise);
    node.appendChild(actions);

    var problem = el("p", "alert review-problem");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    node.appendChild(problem);

    var controls = [select, assign, outOfScope, noise];
    assign.addEventListener("click", function () {
      if (!select.value) {
        say(problem, "Kies eerst een intent in de lijst.");
        select.focus();
        return;
      }
      decide(node, message, select.value, controls, problem);
    });
    outOfScope.addEventListener("click", function () {
      decide(node, message, OUT_OF_SCOPE, controls, problem);
    });
    noise.addEventListener("click", function () {
      decide(node, message, NOISE, controls, problem);
    });
    return node;
  }

  function setDisabled(controls, disabled) {
    controls.forEach(function (control) {
      control.disabled = disabled;
    });
  }

  function leave(node, text, isError) {
    if (node.parentNode) {
      node.parentNode.removeChild(node);
    }
    say(view.notice, isError ? "" : text);
    say(view.error, isError ? text : "");
    showCount();
  }

  function decide(node, message, decision, controls, problem) {
    setDisabled(controls, true);
    say(problem, "");
    api("POST", API + "/" + encodeURIComponent(message.id), { decision: decision }).then(function (result) {
      if (result.ok) {
        leave(node, result.data.note || "Opgeslagen.", false);
      } else if (result.data.reviewed) {
        leave(node, failure(result, "Dit bericht is al beoordeeld."), true);
      } else {
        say(problem, failure(result, "Dat lukte niet. Probeer het nog eens."));
        setDisabled(controls, false);
      }
    }).catch(function () {
      say(problem, "De server is niet bereikbaar. Probeer het zo nog eens.");
      setDisabled(controls, false);
    });
  }

  // --- the list ------------------------------------------------------------------------------------

  function showCount() {
    var count = view.list.children.length;
    view.empty.hidden = count > 0 || state.loading;
    view.status.textContent = state.loading ? "Inbox laden…" :
      count === 1 ? "1 bericht in beeld." : count + " berichten in beeld.";
    view.more.hidden = state.loading || state.next === null || state.next === undefined;
  }

  function load(fromStart) {
    if (state.loading) {
      return;
    }
    state.loading = true;
    showCount();
    var path = API + (fromStart || state.next === null ? "" : "?before=" + encodeURIComponent(state.next));
    api("GET", path).then(function (result) {
      state.loading = false;
      if (!result.ok) {
        say(view.error, failure(result, "De inbox kan nu niet worden geladen."));
        showCount();
        return;
      }
      if (fromStart) {
        clear(view.list);
        say(view.error, "");
      }
      state.intents = result.data.intents || [];
      state.next = result.data.next_before;
      (result.data.messages || []).forEach(function (message) {
        view.list.appendChild(item(message));
      });
      showCount();
    }).catch(function () {
      state.loading = false;
      say(view.error, "De server is niet bereikbaar. Probeer het zo nog eens.");
      showCount();
    });
  }

  view.refresh.addEventListener("click", function () {
    say(view.notice, "");
    state.next = null;
    load(true);
  });
  view.more.addEventListener("click", function () {
    load(false);
  });
  load(true);
})();
