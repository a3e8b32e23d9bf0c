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
    cut: "Je tekst was te lang en is ingekort tot " + MAX_MESSAGE_CHARS.toLocaleString("nl-NL") + " tekens."
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
    enhance(container);
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
