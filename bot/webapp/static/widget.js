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
 */
(function () {
  "use strict";

  var TEXTS = {
    title: "Klantenservice",
    subtitle: "Digitale assistent, dag en nacht",
    placeholder: "Typ je vraag…",
    connecting: "Even verbinden met de assistent…"
  };
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

  function mount(container) {
    var data = container.dataset;
    var embedded = data.embedded !== "false";
    var chat = { widget: null };
    container.textContent = "";
    guardLinks(container);
    window.WebChat.default({
      socketUrl: data.socketUrl,
      socketPath: data.socketPath || "/socket.io/",
      customData: { language: "nl" },
      initPayload: INIT_PAYLOAD,
      title: data.title || TEXTS.title,
      subtitle: data.subtitle || TEXTS.subtitle,
      inputTextFieldHint: data.placeholder || TEXTS.placeholder,
      connectingText: TEXTS.connecting,
      embedded: embedded,
      showCloseButton: !embedded,
      showFullScreenButton: false,
      customMessageDelay: messageDelay,
      hideWhenNotConnected: false,
      withRules: false,
      docViewer: false,
      params: { storage: "local" },
      mainColor: THEME.main,
      userBackgroundColor: THEME.user,
      userTextColor: THEME.userText,
      innerRef: function (widget) { chat.widget = widget; }
    }, container);
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
        containers[i].textContent = "De chat kan nu niet laden. Probeer het later nog eens.";
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
