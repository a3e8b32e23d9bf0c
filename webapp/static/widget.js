/*
 * Mounts the chat widget (rasa-webchat 1.0.1, loaded before this file as window.WebChat) in every
 * element with the attribute data-klantenservice-chat, and wires the page's quick-question buttons
 * (button[data-chat-question]) to it.
 *
 * Settings come from the element's data attributes (no inline script, so the page's
 * Content-Security-Policy can forbid inline scripts):
 *   data-socket-url    the Rasa server, e.g. http://localhost:5005 (required)
 *   data-socket-path   socket.io's path, default /socket.io/
 *   data-embedded      "false" for a launcher button in the corner instead of an open chat
 *   data-title, data-subtitle, data-placeholder   Dutch texts of the widget
 *
 * The widget's own buttons get Dutch accessible names, and its text box the message limit of the
 * Rasa server's channels (a longer message over socket.io would be refused, or close the socket
 * unanswered when it exceeds the frame limit), with a Dutch notice when a pasted text is cut.
 *
 * Agents' messages arrive as the socket.io event "delivery" ({id, text, kind, name}), possibly more
 * than once (the Rasa server offers each until it is acknowledged, channels/socketio.py): each id is
 * shown once (the ids shown are kept in localStorage, so a reload does not repeat them) and every
 * offer is acknowledged with "delivery_ack". A message in an agent's name gets a name line and its
 * own look; while an agent has the chat the header says so, and a button lets the customer leave.
 *
 * Typing indicators, never with any text: while an agent has the chat and the customer types, the
 * socket sends "customer_typing" at most every CUSTOMER_TYPING_EVERY_MS (the agent's console says "De
 * klant typt…"); "agent_typing" ({name}) from the Rasa server shows rasa-webchat's typing dots with
 * "<name> typt…" at the end of the messages until the agent's message arrives or AGENT_TYPING_SHOWN_MS
 * pass.
 */
(function () {
  "use strict";

  // MAX_MESSAGE_CHARS of channels/rest.py, which the socket.io channel applies too.
  var MAX_MESSAGE_CHARS = 5000;
  var TEXTS = {
    title: "Klantenservice",
    subtitle: "Digitale assistent, dag en nacht",
    placeholder: "Typ je vraag…",
    connecting: "Even verbinden met de assistent…",
    send: "Verstuur",
    open: "Open de chat",
    close: "Sluit de chat",
    unavailable: "De chat kan nu niet worden geladen. Probeer het later nog eens.",
    cut: "Je tekst was te lang en is ingekort tot " + MAX_MESSAGE_CHARS.toLocaleString("nl-NL") + " tekens.",
    withAgent: function (name) { return "Je chat met " + name + " van de klantenservice"; },
    agentRole: "medewerker",
    agentTyping: function (name) { return name + " typt…"; },
    leave: "Gesprek beëindigen"
  };
  var LEAVE_PAYLOAD = "/gesprek_beeindigen";
  // Message kinds of bot/delivery.py: an agent's answer, "an agent joined", the goodbye.
  var ENDED = "afgelopen";
  var SHOWN_KEY = "klantenservice_shown_messages";
  var AGENT_KEY = "klantenservice_agent";
  var MAX_SHOWN = 500;
  var CUSTOMER_TYPING_EVERY_MS = 2500;
  var AGENT_TYPING_SHOWN_MS = 5000;
  // A typing signal that arrives just after the message it announced is late, not a new one.
  var LATE_TYPING_MS = 1500;
  var TYPING_CLASS = "kl-agent-typing";
  var AGENT_CLASS = "kl-agent-message";
  var STYLE = [
    ".rw-response." + AGENT_CLASS + " { background: #ffffff !important; color: #17120f !important;",
    "  border: 2px solid #ff8fb0; border-left-width: 6px; margin-top: 22px; position: relative;",
    "  overflow: visible; }",
    "." + AGENT_CLASS + " .rw-markdown > p:first-child { position: absolute; top: -20px; left: 0;",
    "  margin: 0; font-size: 12px; font-weight: 600; color: #5b4a42; white-space: nowrap; }",
    ".kl-leave { display: block; width: 100%; margin: 0; padding: 8px 15px; border: 0;",
    "  border-bottom: 1px solid #e8e1dc; background: #fff4f7; color: #17120f; font: inherit;",
    "  font-size: 14px; cursor: pointer; text-align: left; }",
    ".kl-leave:hover, .kl-leave:focus { background: #ffe3ec; }",
    // rasa-webchat's own typing indication (.rw-typing-indication, its "wave" dots), with a name.
    "." + TYPING_CLASS + " { align-items: center; }",
    "." + TYPING_CLASS + " .kl-wave { position: relative; width: 25px; height: 13px; margin: 0 auto; }",
    "." + TYPING_CLASS + " .kl-wave .rw-dot { opacity: .4; display: inline-block; width: 5px; height: 5px;",
    "  border-radius: 50%; margin-right: 3px; background: #000; animation: wave 1.6s linear infinite; }",
    "." + TYPING_CLASS + " .kl-wave .rw-dot:nth-child(2) { animation-delay: -1.4s; }",
    "." + TYPING_CLASS + " .kl-wave .rw-dot:nth-child(3) { animation-delay: -1.2s; }",
    "." + TYPING_CLASS + " .kl-typing-name { margin-left: 8px; font-size: 12px; color: #5b4a42; }"
  ].join("\n");
  var THEME = { main: "#17120f", user: "#ffb3c7", userText: "#17120f" };
  var INIT_PAYLOAD = "/begroeten";

  // How long the typing dots show before a bot message: a little longer for longer messages.
  function messageDelay(message) {
    return Math.min(1500, Math.max(400, (message || "").length * 8));
  }
  // Links in chat messages may only lead to web pages, e-mail or phone numbers.
  var SAFE_HREF = /^(https?:|mailto:|tel:)/i;

  function isSafeHref(href) {
    return SAFE_HREF.test((href || "").trim());
  }

  // rasa-webchat renders bot messages as markdown without filtering link targets, so a
  // [link](javascript:...) would become a live javascript: link. The CSP already blocks it from
  // running; this also takes the href off, so such a link is shown as plain, inert text.
  function disarmLinks(root) {
    var links = root.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      if (!isSafeHref(links[i].getAttribute("href"))) {
        links[i].removeAttribute("href");
        links[i].classList.add("blocked-link");
      }
    }
  }

  function guardLinks(container) {
    disarmLinks(container);
    new MutationObserver(function () { disarmLinks(container); })
      .observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ["href"] });
    container.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a") : null;
      if (link && link.hasAttribute("href") && !isSafeHref(link.getAttribute("href"))) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);
  }

  function setAttributes(element, attributes) {
    for (var name in attributes) {
      if (element.getAttribute(name) !== attributes[name]) {
        element.setAttribute(name, attributes[name]);
      }
    }
  }

  function label(element, text) {
    setAttributes(element, { "aria-label": text, title: text });
  }

  // rasa-webchat names its buttons in English (alt="close") or not at all (the send button is a
  // bare icon, the launcher's image has alt=""): give them Dutch names, and the text box its limit.
  // Runs again whenever the widget re-renders (opening and closing the launcher replaces them).
  function labelControls(container) {
    var i;
    var send = container.querySelectorAll(".rw-send");
    for (i = 0; i < send.length; i++) { label(send[i], TEXTS.send); }
    var close = container.querySelectorAll(".rw-close-button");
    for (i = 0; i < close.length; i++) { label(close[i], TEXTS.close); }
    var images = container.querySelectorAll(".rw-close-button img, .rw-launcher img");
    for (i = 0; i < images.length; i++) { setAttributes(images[i], { alt: "" }); }
    var launchers = container.querySelectorAll(".rw-launcher");
    for (i = 0; i < launchers.length; i++) {
      var isOpen = launchers[i].querySelector(".rw-close-launcher") !== null;
      label(launchers[i], isOpen ? TEXTS.close : TEXTS.open);
      setAttributes(launchers[i], { "aria-expanded": isOpen ? "true" : "false" });
    }
    var boxes = container.querySelectorAll(".rw-new-message");
    for (i = 0; i < boxes.length; i++) {
      setAttributes(boxes[i], { maxlength: String(MAX_MESSAGE_CHARS) });
    }
  }

  // The notice sits above the text box, inside the widget's form, styled here so that it also
  // shows on other sites that embed the widget without page.css.
  function showCutNotice(form) {
    var notice = form.querySelector(".chat-notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "chat-notice";
      notice.setAttribute("role", "status");
      var style = notice.style;
      style.position = "absolute";
      style.left = "0";
      style.right = "0";
      style.bottom = "100%";
      style.margin = "0";
      style.padding = "6px 15px";
      style.fontSize = "13px";
      style.background = "#fff4d6";
      style.color = "#17120f";
      form.style.position = "relative";
      form.appendChild(notice);
    }
    notice.textContent = TEXTS.cut;
    notice.hidden = false;
  }

  function hideCutNotice(container) {
    var notices = container.querySelectorAll(".chat-notice");
    for (var i = 0; i < notices.length; i++) { notices[i].hidden = true; }
  }

  // The browser cuts inserted text at maxlength without a word; beforeinput still carries the
  // whole text, so a cut can be told from a text that fits.
  function watchLength(container) {
    container.addEventListener("beforeinput", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("rw-new-message") || !box.form) {
        return;
      }
      var text = event.data || (event.dataTransfer ? event.dataTransfer.getData("text/plain") : "");
      if (!text) {
        return;
      }
      var kept = box.value.length - (box.selectionEnd - box.selectionStart);
      if (kept + text.length > MAX_MESSAGE_CHARS) {
        showCutNotice(box.form);
      } else {
        hideCutNotice(container);
      }
    }, true);
    // Capture: rasa-webchat submits with a non-bubbling event.
    container.addEventListener("submit", function () { hideCutNotice(container); }, true);
  }

  function enhance(container) {
    labelControls(container);
    new MutationObserver(function () { labelControls(container); })
      .observe(container, { childList: true, subtree: true });
    watchLength(container);
  }

  function readStored(key, fallback) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return value === null || value === undefined ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) { /* private mode: the page still works, a reload may show a message again */ }
  }

  function escapeMarkdown(text) {
    return String(text).replace(/[\\`*_{}\[\]()#+\-.!<>|~]/g, "\\$&");
  }

  function addStyle() {
    if (document.getElementById("kl-widget-style")) {
      return;
    }
    var style = document.createElement("style");
    style.id = "kl-widget-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  // The header says who the customer is chatting with, and while an agent has the chat a button
  // lets the customer leave. Runs again whenever the widget re-renders.
  function showWhoIsThere(chat) {
    var agent = readStored(AGENT_KEY, "");
    var subtitle = agent ? TEXTS.withAgent(agent) : chat.subtitle;
    var spans = chat.container.querySelectorAll(".rw-header > span");
    for (var i = 0; i < spans.length; i++) {
      if (spans[i].textContent !== subtitle) { spans[i].textContent = subtitle; }
    }
    var headers = chat.container.querySelectorAll(".rw-header-and-loading");
    for (var j = 0; j < headers.length; j++) {
      var button = headers[j].querySelector(".kl-leave");
      if (agent && !button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "kl-leave";
        button.textContent = TEXTS.leave;
        button.addEventListener("click", function () {
          if (chat.widget && chat.widget.sendMessage) {
            chat.widget.sendMessage(LEAVE_PAYLOAD, TEXTS.leave);
          }
        });
        headers[j].appendChild(button);
      } else if (!agent && button) {
        button.parentNode.removeChild(button);
      }
    }
  }

  function setAgent(chat, name) {
    if (readStored(AGENT_KEY, "") !== name) {
      store(AGENT_KEY, name);
    }
    if (!name) {
      chat.typing.until = 0;
    }
    showWhoIsThere(chat);
    showAgentTyping(chat);
  }

  function typingIndicator() {
    var indicator = document.createElement("div");
    indicator.className = "rw-message rw-typing-indication " + TYPING_CLASS;
    indicator.setAttribute("role", "status");
    var bubble = document.createElement("div");
    bubble.className = "rw-response";
    var wave = document.createElement("div");
    wave.className = "kl-wave";
    wave.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) {
      var dot = document.createElement("span");
      dot.className = "rw-dot";
      wave.appendChild(dot);
    }
    bubble.appendChild(wave);
    indicator.appendChild(bubble);
    var name = document.createElement("span");
    name.className = "kl-typing-name";
    indicator.appendChild(name);
    return indicator;
  }

  // The agent's typing dots, last in the messages while the agent's latest signal is fresh. Runs
  // again whenever the widget re-renders; changes the page only when something differs.
  function showAgentTyping(chat) {
    var visible = Date.now() < chat.typing.until && readStored(AGENT_KEY, "") !== "";
    var lists = chat.container.querySelectorAll(".rw-messages-container");
    for (var i = 0; i < lists.length; i++) {
      var indicator = lists[i].querySelector("." + TYPING_CLASS);
      if (!visible) {
        if (indicator) { indicator.parentNode.removeChild(indicator); }
        continue;
      }
      if (!indicator) {
        indicator = typingIndicator();
      }
      if (lists[i].lastChild !== indicator) {
        lists[i].appendChild(indicator);
        lists[i].scrollTop = lists[i].scrollHeight;
      }
      var label = indicator.querySelector(".kl-typing-name");
      var text = TEXTS.agentTyping(chat.typing.name);
      if (label.textContent !== text) { label.textContent = text; }
    }
  }

  function agentTyping(chat, state) {
    var now = Date.now();
    if (now - chat.typing.lastMessage < LATE_TYPING_MS || !readStored(AGENT_KEY, "")) {
      return;
    }
    var name = state && typeof state.name === "string" && state.name ? state.name : readStored(AGENT_KEY, "");
    chat.typing.name = String(name);
    chat.typing.until = now + AGENT_TYPING_SHOWN_MS;
    window.clearTimeout(chat.typing.timer);
    chat.typing.timer = window.setTimeout(function () { showAgentTyping(chat); }, AGENT_TYPING_SHOWN_MS + 50);
    showAgentTyping(chat);
  }

  // A message arrived: the dots go.
  function messageArrived(chat) {
    chat.typing.until = 0;
    chat.typing.lastMessage = Date.now();
    showAgentTyping(chat);
  }

  // While an agent has the chat: "customer_typing" on the widget's own socket, at most every
  // CUSTOMER_TYPING_EVERY_MS, only for a text box with text in it; the text itself never goes.
  function watchTyping(chat) {
    chat.container.addEventListener("input", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("rw-new-message") || !box.value.trim()) {
        return;
      }
      var socket = chat.socket, now = Date.now();
      if (!readStored(AGENT_KEY, "") || !socket || !socket.connected ||
          now - chat.typing.lastSent < CUSTOMER_TYPING_EVERY_MS) {
        return;
      }
      chat.typing.lastSent = now;
      socket.emit("customer_typing");
    }, true);
    // Sent: the next text is announced at once. Capture: rasa-webchat submits with a non-bubbling event.
    chat.container.addEventListener("submit", function () { chat.typing.lastSent = 0; }, true);
  }

  // Hands a delivered message to rasa-webchat as if it were a bot message: its own bot_uttered
  // listeners on the same socket render it (an agent's with a name line and the agent's look).
  function show(chat, socket, message) {
    var text = String(message.text || "");
    var shown = { text: text };
    if (message.kind !== ENDED && message.name) {
      shown = {
        text: "**" + escapeMarkdown(message.name) + "** · " + TEXTS.agentRole + "\n\n" + text,
        metadata: { customCss: { style: "class", css: AGENT_CLASS } }
      };
    }
    chat.undelayed[shown.text] = true;
    var listeners = socket.listeners ? socket.listeners("bot_uttered") : [];
    for (var i = 0; i < listeners.length; i++) {
      listeners[i].call(socket, shown);
    }
  }

  function deliveryEvents(chat) {
    return {
      // `this` is the socket: socket.io-client calls its handlers so. Each connection confirms its
      // session first: the socket that typing signals go out on.
      session_confirm: function () {
        chat.socket = this;
      },
      delivery: function (message) {
        chat.socket = this;
        if (!message || typeof message.id !== "number") {
          return;
        }
        var shownIds = readStored(SHOWN_KEY, []);
        if (shownIds.indexOf(message.id) === -1) {
          messageArrived(chat);
          show(chat, this, message);
          shownIds.push(message.id);
          store(SHOWN_KEY, shownIds.slice(-MAX_SHOWN));
          if (message.kind === ENDED) {
            setAgent(chat, "");
          } else if (message.name) {
            setAgent(chat, String(message.name));
          }
        }
        this.emit("delivery_ack", { ids: [message.id] });
      },
      handoff_state: function (state) {
        chat.socket = this;
        setAgent(chat, state && typeof state.agent === "string" ? state.agent : "");
      },
      agent_typing: function (state) {
        agentTyping(chat, state);
      },
      bot_uttered: function () {
        messageArrived(chat);
      }
    };
  }

  function mount(container) {
    var data = container.dataset;
    var embedded = data.embedded !== "false";
    var chat = {
      widget: null,
      socket: null,
      container: container,
      subtitle: data.subtitle || TEXTS.subtitle,
      undelayed: {},
      typing: { name: "", until: 0, timer: null, lastSent: 0, lastMessage: 0 }
    };
    container.textContent = "";
    guardLinks(container);
    window.WebChat.default({
      socketUrl: data.socketUrl,
      socketPath: data.socketPath || "/socket.io/",
      customData: { language: "nl" },
      initPayload: INIT_PAYLOAD,
      title: data.title || TEXTS.title,
      subtitle: chat.subtitle,
      inputTextFieldHint: data.placeholder || TEXTS.placeholder,
      connectingText: TEXTS.connecting,
      embedded: embedded,
      showCloseButton: !embedded,
      showFullScreenButton: false,
      // A delivered message is shown at once: its id is recorded as shown when it is handed over.
      customMessageDelay: function (text) {
        if (chat.undelayed[text]) {
          delete chat.undelayed[text];
          return 0;
        }
        return messageDelay(text);
      },
      onSocketEvent: deliveryEvents(chat),
      hideWhenNotConnected: false,
      withRules: false,
      docViewer: false,
      params: { storage: "local" },
      mainColor: THEME.main,
      userBackgroundColor: THEME.user,
      userTextColor: THEME.userText,
      innerRef: function (widget) { chat.widget = widget; }
    }, container);
    addStyle();
    enhance(container);
    watchTyping(chat);
    showWhoIsThere(chat);
    new MutationObserver(function () {
      showWhoIsThere(chat);
      showAgentTyping(chat);
    }).observe(container, { childList: true, subtree: true });
    return chat;
  }

  function wireQuickQuestions(chat) {
    var buttons = document.querySelectorAll("button[data-chat-question]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        var button = event.currentTarget;
        if (chat.widget && chat.widget.sendMessage) {
          chat.widget.sendMessage(button.getAttribute("data-chat-question"), button.textContent.trim());
        }
      });
    }
  }

  function start() {
    var containers = document.querySelectorAll("[data-klantenservice-chat]");
    if (!window.WebChat || !window.WebChat.default) {
      for (var i = 0; i < containers.length; i++) {
        containers[i].textContent = TEXTS.unavailable;
      }
      return;
    }
    var chats = [];
    for (var j = 0; j < containers.length; j++) {
      chats.push(mount(containers[j]));
    }
    if (chats.length) {
      wireQuickQuestions(chats[0]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
