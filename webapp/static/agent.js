/*
 * The agent console (/agent): the waiting list on the left, the chosen conversation on the right.
 *
 * Polls GET /agent/api/queue and GET /agent/api/entries/{id} every few seconds, and sends the
 * agent's actions (claim, message, close, taking a customer who went away off the queue) as POSTs with the session's CSRF token (from the page's
 * <meta name="csrf-token">) in the X-CSRF-Token header, through console.js.
 *
 * The open conversation and each unsent draft are kept in localStorage per agent (and conversation),
 * so a reload brings them back; logging out forgets them. Alerts: alerts.js; quick replies in the
 * reply box: quick_replies.js; internal notes are posted to /agent/api/entries/{id}/notes and come
 * back with the entry; transfer and release: transfer.js. The entry's earlier conversations (same
 * customer) link to their page in the history (/agent/geschiedenis/{id}).
 *
 * Typing: while the customer types, the entry says `customer_typing` and "De klant typt…" shows under
 * the conversation. While the agent types in their own live chat, POST .../typing goes at most every
 * TYPING_EVERY_MS; it is a signal that may be lost, so it shows no error and never holds up a message.
 *
 * Everything that customers or agents wrote goes into the page as textContent, never as HTML:
 * a customer who types <script> sees it shown as text. Sections are only redrawn when their
 * content changed, so that an agent can select and copy text (an order number) between polls.
 */
(function () {
  "use strict";

  var POLL_MS = 2500;
  var TYPING_EVERY_MS = 2500;
  var OPEN_FOR_REPLY = { with_agent: true, answered: true };

  var root = document.getElementById("console");
  if (!root) {
    return;
  }
  var el = ConsolePage.el, clear = ConsolePage.clear, say = ConsolePage.say;
  var api = ConsolePage.api, failure = ConsolePage.failure;
  var maxLength = parseInt(root.getAttribute("data-max-length"), 10) || 4000;
  var storagePrefix = "konsole:" + root.getAttribute("data-username") + ":";

  function byId(id) {
    return document.getElementById(id);
  }

  var view = {
    queueRows: byId("queue-rows"),
    queueEmpty: byId("queue-empty"),
    queueCount: byId("queue-count"),
    queueStatus: byId("queue-status"),
    entryEmpty: byId("entry-empty"),
    entry: byId("entry"),
    title: byId("entry-title"),
    meta: byId("entry-meta"),
    error: byId("entry-error"),
    notice: byId("entry-notice"),
    details: byId("entry-details"),
    cases: byId("entry-cases"),
    transcriptNote: byId("transcript-note"),
    transcript: byId("transcript"),
    customerTyping: byId("customer-typing"),
    claim: byId("claim-button"),
    close: byId("close-button"),
    gone: byId("gone-button"),
    closeDialog: byId("close-dialog"),
    closeText: byId("close-dialog-text"),
    closeCases: byId("close-dialog-cases"),
    closeCaseList: byId("close-dialog-case-list"),
    form: byId("reply-form"),
    text: byId("reply-text"),
    hint: byId("reply-hint"),
    send: byId("reply-button"),
    quickButton: byId("quick-button"),
    quickList: byId("quick-list"),
    notes: byId("notes"),
    noteForm: byId("note-form"),
    noteText: byId("note-text"),
    noteButton: byId("note-button"),
    earlier: byId("earlier"),
    earlierList: byId("earlier-list")
  };

  var state = {
    selected: null,   // the id of the chosen entry
    entry: null,      // its latest JSON
    drafts: {},       // unsent text per entry, so a draft never goes to another customer
    keys: {},         // what each section shows now, to redraw only on change
    busy: false,
    cases: [],        // the chosen conversation's cases, for the close dialog
    pollFailed: false, // the error shown is the poll's own, cleared when polling works again
    typingSignal: { id: null, at: 0 }  // the latest "the agent types" sent, to send one every few seconds
  };

  // --- what survives a reload ---------------------------------------------------------------------

  var saved = {
    get: function (name) {
      try {
        return window.localStorage.getItem(storagePrefix + name);
      } catch (error) {
        return null;
      }
    },
    set: function (name, value) {
      try {
        if (value) {
          window.localStorage.setItem(storagePrefix + name, value);
        } else {
          window.localStorage.removeItem(storagePrefix + name);
        }
      } catch (error) {
        // private mode or full: the work stays until the page is closed
      }
    },
    forget: function () {
      try {
        Object.keys(window.localStorage).forEach(function (key) {
          if (key.indexOf(storagePrefix) === 0) {
            window.localStorage.removeItem(key);
          }
        });
      } catch (error) {
        // nothing was kept
      }
    }
  };

  function keepDraft(id, text) {
    if (text) {
      state.drafts[id] = text;
    } else {
      delete state.drafts[id];
    }
    saved.set("draft:" + id, text);
  }

  // --- small helpers -------------------------------------------------------------------------------

  function changed(section, value) {
    var key = JSON.stringify(value);
    if (state.keys[section] === key) {
      return false;
    }
    state.keys[section] = key;
    return true;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function formatWait(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) {
      return "< 1 min";
    }
    if (minutes < 60) {
      return minutes + " min";
    }
    var hours = Math.floor(minutes / 60);
    if (hours < 24) {
      return hours + " u " + (minutes % 60) + " min";
    }
    return Math.floor(hours / 24) + " d " + (hours % 24) + " u";
  }

  function formatTime(iso) {
    if (!iso) {
      return "";
    }
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) {
      return "";
    }
    var time = moment.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
    if (moment.toDateString() === new Date().toDateString()) {
      return time;
    }
    return moment.toLocaleDateString("nl-NL", { day: "numeric", month: "short" }) + " " + time;
  }

  // --- the waiting list ----------------------------------------------------------------------------

  function queueModel(entries) {
    return entries.map(function (entry) {
      return [entry.id, entry.reference, formatWait(entry.waiting_seconds), entry.reason_label,
        entry.language, entry.mode, entry.mode_label, entry.status, entry.status_label, entry.agent || "", entry.mine,
        entry.gone, entry.id === state.selected];
    });
  }

  function queueRow(entry) {
    var row = el("tr", "row status-" + entry.status + (entry.mine ? " mine" : "") + (entry.gone ? " gone" : "") +
      (entry.id === state.selected ? " selected" : ""));
    row.setAttribute("data-id", String(entry.id));
    var first = el("td");
    var pick = el("button", "row-button", entry.reference);
    pick.type = "button";
    pick.setAttribute("data-id", String(entry.id));
    pick.setAttribute("aria-pressed", entry.id === state.selected ? "true" : "false");
    first.appendChild(pick);
    row.appendChild(first);
    row.appendChild(el("td", "wait", formatWait(entry.waiting_seconds)));
    var topic = el("td", null, entry.reason_label + " ");
    topic.appendChild(el("span", "chip lang lang-" + entry.language, entry.language_label));
    row.appendChild(topic);
    var mode = el("td");
    mode.appendChild(el("span", "chip mode-" + entry.mode, entry.mode_label));
    row.appendChild(mode);
    var status = el("td");
    status.appendChild(el("span", "chip status-" + (entry.gone ? "gone" : entry.status), entry.status_label));
    row.appendChild(status);
    row.appendChild(el("td", null, entry.mine ? "jij" : (entry.agent || "–")));
    row.addEventListener("click", function () {
      select(entry.id);
    });
    return row;
  }

  function renderQueue(data) {
    if (window.ConsoleAlerts) {
      window.ConsoleAlerts.update(data);
    }
    var entries = data.entries || [];
    var waiting = entries.filter(function (entry) {
      return entry.status === "waiting" && !entry.gone;  // a customer who went away waits for nothing
    }).length;
    view.queueCount.textContent = waiting ? "(" + waiting + " wachtend)" : "";
    view.queueStatus.textContent = "Bijgewerkt om " + formatTime(data.now);
    show(view.queueEmpty, entries.length === 0);
    if (!changed("queue", queueModel(entries))) {
      return;
    }
    var focused = document.activeElement && document.activeElement.getAttribute("data-id");
    clear(view.queueRows);
    entries.forEach(function (entry) {
      view.queueRows.appendChild(queueRow(entry));
    });
    if (focused) {
      var again = view.queueRows.querySelector('button[data-id="' + focused + '"]');
      if (again) {
        again.focus();
      }
    }
  }

  function pollQueue() {
    return api("GET", "/agent/api/queue").then(function (result) {
      if (result.ok) {
        renderQueue(result.data);
      } else {
        view.queueStatus.textContent = failure(result, "De wachtrij kan nu niet worden geladen.");
      }
    }).catch(function () {
      view.queueStatus.textContent = "Geen verbinding met de server. Nieuwe poging over een paar seconden…";
    });
  }

  // --- the chosen conversation ---------------------------------------------------------------------

  function renderFields(list, fields) {
    clear(list);
    fields.forEach(function (field) {
      list.appendChild(el("dt", null, field.label));
      list.appendChild(el("dd", null, field.value));
    });
  }

  function renderDetails(entry) {
    if (!changed("details", entry.details)) {
      return;
    }
    renderFields(view.details, entry.details || []);
    if (!entry.details || !entry.details.length) {
      view.details.appendChild(el("dd", "muted", "Geen gegevens meegegeven."));
    }
  }

  function renderCases(cases) {
    state.cases = cases;
    if (!changed("cases", cases)) {
      return;
    }
    clear(view.cases);
    if (!cases.length) {
      view.cases.appendChild(el("p", "muted", "Geen zaken bij dit gesprek."));
      return;
    }
    cases.forEach(function (item) {
      var box = el("div", "case");
      box.appendChild(el("h4", null, item.reference + " · " + item.type_label +
        (item.status === "open" ? "" : " (" + item.status + ")")));
      var list = el("dl", "fields");
      renderFields(list, item.fields || []);
      box.appendChild(list);
      view.cases.appendChild(box);
    });
  }

  var WHO_LABELS = { klant: "Klant", assistent: "Assistent", medewerker: "Medewerker" };

  function transcriptLine(line) {
    var item = el("li", "line from-" + line.who);
    var head = el("div", "line-head");
    var name = WHO_LABELS[line.who] || line.who;
    if (line.who === "medewerker" && line.name) {
      name = line.name;
    }
    head.appendChild(el("span", "who", name));
    if (line.time) {
      head.appendChild(el("time", "time", formatTime(line.time)));
    }
    if (line.delivery) {
      head.appendChild(el("span", line.delivered ? "delivered" : "pending", line.delivery));
    }
    item.appendChild(head);
    item.appendChild(el("p", "text", line.text));
    return item;
  }

  // Each message sent to the customer (an agent's answer by its id, the assistant's words on the
  // console's behalf by their text) says "afgeleverd" or "wacht op de klant".
  function withDelivery(lines, messages) {
    var byId = {}, byText = {};
    messages.forEach(function (message) {
      byId[message.id] = message;
      if (message.author === "assistent") {
        byText[message.text] = message;
      }
    });
    return lines.map(function (line) {
      var message = line.message_id !== undefined ? byId[line.message_id]
        : (line.who === "assistent" ? byText[line.text] : undefined);
      if (!message) {
        return line;
      }
      return Object.assign({}, line, { delivery: message.delivery_label, delivered: message.delivered });
    });
  }

  function renderTranscript(data) {
    var messages = data.messages || [];
    var lines = data.transcript;
    if (lines === null || lines === undefined) {
      // Rasa is out of reach: the messages the queue holds are all we can show.
      lines = messages.map(function (message) {
        return { who: message.author === "assistent" ? "assistent" : "medewerker", name: message.author,
          text: message.text, time: message.time, message_id: message.id };
      });
    }
    lines = withDelivery(lines, messages);
    say(view.transcriptNote, data.transcript_error);
    if (!changed("transcript", lines)) {
      return;
    }
    var box = view.transcript;
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    clear(box);
    if (!lines.length) {
      box.appendChild(el("li", "muted", "Nog geen berichten."));
    }
    lines.forEach(function (line) {
      box.appendChild(transcriptLine(line));
    });
    if (atBottom || state.keys.scrolledFor !== state.selected) {
      box.scrollTop = box.scrollHeight;
      state.keys.scrolledFor = state.selected;
    }
  }

  function replyState(entry) {
    if (entry.status === "closed") {
      return "Dit gesprek is afgesloten.";
    }
    if (entry.status === "waiting") {
      return "Pak het gesprek eerst op om te antwoorden.";
    }
    if (!entry.mine) {
      return "Dit gesprek is opgepakt door " + entry.agent + ".";
    }
    return OPEN_FOR_REPLY[entry.status] ? "" : "Je kunt hier nu niet antwoorden.";
  }

  function renderEntry(data) {
    var entry = data.entry;
    state.entry = entry;
    show(view.entryEmpty, false);
    show(view.entry, true);
    view.title.textContent = entry.reference + " · " + entry.reason_label;
    var meta = [entry.language_label, entry.mode_label, entry.status_label,
      "in de wachtrij sinds " + formatTime(entry.queued_at) + " (" + formatWait(entry.waiting_seconds) + ")"];
    if (entry.agent) {
      meta.push(entry.mine ? "bij jou" : "bij " + entry.agent);
    }
    meta.push("kanaal: " + entry.channel);
    view.meta.textContent = meta.join(" · ");

    show(view.claim, entry.status === "waiting");
    show(view.close, entry.mine && entry.status !== "closed");
    show(view.gone, Boolean(entry.gone));
    view.claim.disabled = state.busy;
    view.close.disabled = state.busy;
    view.gone.disabled = state.busy;

    var blocked = replyState(entry);
    view.text.disabled = Boolean(blocked);
    view.quickButton.disabled = Boolean(blocked);
    view.send.disabled = Boolean(blocked) || state.busy;
    view.hint.textContent = blocked || countText();

    renderDetails(entry);
    renderCases(data.cases || []);
    renderTranscript(data);
    show(view.customerTyping, Boolean(entry.customer_typing));
    renderNotes(data.notes || []);
    renderEarlier(data.earlier || []);
    transfer.update(entry, state.busy);
  }

  function renderEarlier(earlier) {
    show(view.earlier, earlier.length > 0);
    if (!changed("earlier", earlier)) {
      return;
    }
    clear(view.earlierList);
    earlier.forEach(function (item) {
      var line = el("li");
      var link = el("a", null, item.reference);
      link.href = item.link;
      link.target = "_blank";  // the console, its conversation and draft stay as they are
      link.rel = "noopener";
      line.appendChild(link);
      line.appendChild(document.createTextNode(" · " + formatTime(item.queued_at) + " · " + item.reason_label +
        " · " + item.status_label + (item.agent ? " · " + item.agent : "")));
      view.earlierList.appendChild(line);
    });
  }

  function renderNotes(notes) {
    if (!changed("notes", notes)) {
      return;
    }
    clear(view.notes);
    if (!notes.length) {
      view.notes.appendChild(el("li", "muted", "Nog geen notities."));
    }
    notes.forEach(function (note) {
      var item = el("li", "note");
      var head = el("div", "line-head");
      head.appendChild(el("span", "who", note.author_name));
      head.appendChild(el("time", "time", formatTime(note.time)));
      item.appendChild(head);
      item.appendChild(el("p", "text", note.text));
      view.notes.appendChild(item);
    });
  }

  function pollEntry() {
    var id = state.selected;
    if (id === null) {
      return Promise.resolve();
    }
    return api("GET", "/agent/api/entries/" + id).then(function (result) {
      if (id !== state.selected) {
        return;  // another conversation was chosen meanwhile
      }
      if (result.ok) {
        if (state.pollFailed) {
          state.pollFailed = false;
          say(view.error, "");
        }
        renderEntry(result.data);
      } else {
        if (result.status === 404) {
          saved.set("open", "");  // gone: a reload starts without it
        }
        state.pollFailed = true;
        say(view.error, failure(result, "Dit gesprek kan nu niet worden geladen."));
      }
    }).catch(function () {
      if (id === state.selected) {
        state.pollFailed = true;
        say(view.error, "Geen verbinding met de server. Nieuwe poging over een paar seconden…");
      }
    });
  }

  function select(id) {
    if (id === state.selected) {
      return;
    }
    if (state.selected !== null) {
      keepDraft(state.selected, view.text.value);
    }
    quick.close();
    state.selected = id;
    state.entry = null;
    state.keys = { queue: state.keys.queue };
    saved.set("open", String(id));
    view.text.value = state.drafts[id] || saved.get("draft:" + id) || "";
    view.noteText.value = "";
    say(view.error, "");
    say(view.notice, "");
    clear(view.details);
    clear(view.cases);
    clear(view.transcript);
    view.title.textContent = "Laden…";
    view.meta.textContent = "";
    show(view.claim, false);
    show(view.close, false);
    show(view.gone, false);
    show(view.customerTyping, false);
    transfer.update(null, false);
    show(view.earlier, false);
    show(view.entryEmpty, false);
    show(view.entry, true);
    Array.prototype.forEach.call(view.queueRows.querySelectorAll("tr"), function (row) {
      var mine = row.getAttribute("data-id") === String(id);
      row.classList.toggle("selected", mine);
      var button = row.querySelector("button");
      if (button) {
        button.setAttribute("aria-pressed", mine ? "true" : "false");
      }
    });
    state.keys.queue = null;  // the highlight changed
    pollEntry();
  }

  // --- the agent's actions -------------------------------------------------------------------------

  function act(path, body, onDone) {
    var id = state.selected;
    if (id === null || state.busy) {
      return;
    }
    state.busy = true;
    state.pollFailed = false;
    view.claim.disabled = view.close.disabled = view.gone.disabled = view.send.disabled = true;
    say(view.error, "");
    say(view.notice, "");
    api("POST", "/agent/api/entries/" + id + path, body).then(function (result) {
      onDone(result);
    }).catch(function () {
      say(view.error, "Geen verbinding met de server. Probeer het zo nog eens.");
    }).then(function () {
      state.busy = false;
      return Promise.all([pollEntry(), pollQueue()]);
    });
  }

  view.claim.addEventListener("click", function () {
    act("/claim", undefined, function (result) {
      if (result.ok) {
        say(view.notice, "Je hebt het gesprek opgepakt. De klant ziet je antwoorden in de chat.");
        view.text.focus();
      } else {
        say(view.error, failure(result, "Het gesprek kan nu niet worden opgepakt."));
      }
    });
  });

  // The close dialog: the conversation's open cases as checkboxes, none ticked; only the ticked
  // ones (the cases the agent handled) are closed with the conversation.
  function openCloseDialog() {
    var open = state.cases.filter(function (item) { return item.status === "open"; });
    view.closeText.textContent = state.entry && state.entry.mode === "offline"
      ? "Vraag afsluiten? De klant krijgt hierover geen bericht."
      : "Gesprek afsluiten? De klant chat daarna weer met de digitale assistent.";
    clear(view.closeCaseList);
    open.forEach(function (item) {
      var label = el("label", "case-choice");
      var box = el("input");
      box.type = "checkbox";
      box.name = "case";
      box.value = item.reference;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + item.reference + " · " + item.type_label));
      view.closeCaseList.appendChild(label);
    });
    show(view.closeCases, open.length > 0);
    view.closeDialog.returnValue = "";
    view.closeDialog.showModal();
  }

  view.close.addEventListener("click", openCloseDialog);

  view.closeDialog.addEventListener("close", function () {
    if (view.closeDialog.returnValue !== "close") {
      return;
    }
    var handled = Array.prototype.map.call(
      view.closeCaseList.querySelectorAll("input[name=case]:checked"),
      function (box) { return box.value; });
    act("/close", { cases: handled }, function (result) {
      if (result.ok) {
        var closed = result.data.cases_closed || [];
        var note = result.data.note || "Het gesprek is afgesloten.";
        say(view.notice, note + (closed.length ? " Gesloten zaken: " + closed.join(", ") + "." : ""));
        keepDraft(state.selected, "");
        view.text.value = "";
      } else {
        say(view.error, failure(result, "Het gesprek kan nu niet worden afgesloten."));
      }
    });
  });

  view.gone.addEventListener("click", function () {
    if (!window.confirm("Van de wachtrij halen? De klant is weg en krijgt hierover geen bericht.")) {
      return;
    }
    act("/weg", undefined, function (result) {
      if (result.ok) {
        say(view.notice, result.data.note || "Van de wachtrij gehaald.");
      } else {
        say(view.error, failure(result, "Het gesprek kan nu niet van de wachtrij worden gehaald."));
      }
    });
  });

  function countText() {
    var length = view.text.value.trim().length;
    return length ? length + " / " + maxLength + " tekens" : "";
  }

  // Tells the customer's chat window that the agent types, in the agent's own live chat only.
  function signalTyping() {
    var entry = state.entry, now = Date.now(), last = state.typingSignal;
    if (!entry || entry.id !== state.selected || replyState(entry) || entry.status !== "with_agent" ||
        entry.mode !== "live" || !view.text.value.trim()) {
      return;
    }
    if (last.id === entry.id && now - last.at < TYPING_EVERY_MS) {
      return;
    }
    state.typingSignal = { id: entry.id, at: now };
    api("POST", "/agent/api/entries/" + entry.id + "/typing").catch(function () {
      // lost: the customer just sees no dots
    });
  }

  view.text.addEventListener("input", function () {
    if (state.selected !== null) {
      keepDraft(state.selected, view.text.value);
    }
    signalTyping();
    if (state.entry && !replyState(state.entry)) {
      view.hint.textContent = countText();
    }
  });

  view.text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      view.form.requestSubmit ? view.form.requestSubmit() : view.send.click();
    }
  });

  view.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = view.text.value.trim();
    if (!text) {
      say(view.error, "Typ eerst een bericht.");
      return;
    }
    if (text.length > maxLength) {
      say(view.error, "Een bericht mag hoogstens " + maxLength + " tekens hebben.");
      return;
    }
    var id = state.selected;
    act("/messages", { text: text }, function (result) {
      if (result.ok || (result.data && result.data.stored)) {
        if (id === state.selected) {
          view.text.value = "";
        }
        keepDraft(id, "");
        state.typingSignal = { id: null, at: 0 };  // the next answer is announced at once
      }
      if (result.ok) {
        say(view.notice, result.data.note || "Verstuurd.");
      } else {
        say(view.error, failure(result, "Je bericht kan nu niet worden verstuurd."));
      }
    });
  });

  view.queueRows.addEventListener("keydown", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-id]") : null;
    if (!button || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) {
      return;
    }
    var row = button.closest("tr");
    var next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
    if (next && next.querySelector("button")) {
      event.preventDefault();
      next.querySelector("button").focus();
    }
  });

  // Internal notes: stored with the entry for the agents, never sent to the customer.
  view.noteForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var id = state.selected;
    var text = view.noteText.value.trim();
    if (id === null) {
      return;
    }
    if (!text) {
      say(view.error, "Typ eerst een notitie.");
      return;
    }
    view.noteButton.disabled = true;
    api("POST", "/agent/api/entries/" + id + "/notes", { text: text }).then(function (result) {
      if (result.ok) {
        if (id === state.selected) {
          view.noteText.value = "";
        }
        say(view.notice, "Notitie opgeslagen. Alleen medewerkers zien die, de klant niet.");
        return pollEntry();
      }
      say(view.error, failure(result, "De notitie kan nu niet worden opgeslagen."));
    }).catch(function () {
      say(view.error, "Geen verbinding met de server: de notitie is niet opgeslagen.");
    }).then(function () {
      view.noteButton.disabled = false;
    });
  });

  var quick = QuickReplies.attach({
    textarea: view.text,
    list: view.quickList,
    button: view.quickButton,
    entryId: function () {
      return state.selected;
    },
    onError: function (message) {
      say(view.error, message);
    }
  });

  var transfer = TransferPanel.attach({
    act: act,
    onDone: function (message) {
      say(view.notice, message);
    },
    onError: function (message) {
      say(view.error, message);
    }
  });

  if (window.ConsoleAlerts) {
    window.ConsoleAlerts.onPick = function (id) {
      select(id);
    };
  }

  var logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", saved.forget);
  }

  // --- polling -------------------------------------------------------------------------------------

  function loop(poll) {
    poll().then(function () {
      window.setTimeout(function () {
        loop(poll);
      }, POLL_MS);
    });
  }

  var reopened = parseInt(saved.get("open"), 10);
  if (reopened > 0) {
    select(reopened);  // the conversation that was open before the reload, with its draft
  }
  loop(pollQueue);
  loop(pollEntry);
}());
