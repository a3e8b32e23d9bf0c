/*
 * Alerts of the agent console, loaded before agent.js: the tab title counts the waiting customers
 * ("(2) Wachtrij – …"), and, when the agent switches them on, a short tone and a browser
 * notification say that a customer started waiting or wrote in a conversation the agent has.
 *
 * The browser asks for permission once, when the agent ticks "Meldingen"; both switches are kept
 * per agent in localStorage. A notification names the reference and topic only, never what the
 * customer wrote (it may show on a locked screen).
 */
var ConsoleAlerts = (function () {
  "use strict";

  var root = document.getElementById("console");
  if (!root) {
    return null;
  }
  var say = ConsolePage.say;
  var baseTitle = document.title;
  var prefix = "konsole:" + root.getAttribute("data-username") + ":";
  var notifySwitch = document.getElementById("notify-switch");
  var soundSwitch = document.getElementById("sound-switch");
  var note = document.getElementById("alert-note");
  var supported = "Notification" in window;
  var audio = null;
  var waitingBefore = null;  // the ids waiting at the previous poll; null before the first poll
  var wroteBefore = {};      // per entry of this agent: when its customer last wrote, at the previous poll
  var self = { onPick: function () {} };

  function stored(name) {
    try {
      return window.localStorage.getItem(prefix + name);
    } catch (error) {
      return null;
    }
  }

  function store(name, value) {
    try {
      window.localStorage.setItem(prefix + name, value);
    } catch (error) {
      // private mode or full: the switch works until the page is closed
    }
  }

  function permission() {
    return supported ? window.Notification.permission : "denied";
  }

  notifySwitch.checked = stored("notify") === "on" && permission() === "granted";
  soundSwitch.checked = stored("sound") === "on";
  if (!supported) {
    notifySwitch.disabled = true;
    say(note, "Deze browser kan geen meldingen tonen.");
  }

  notifySwitch.addEventListener("change", function () {
    say(note, "");
    if (!notifySwitch.checked) {
      store("notify", "off");
      return;
    }
    if (permission() === "granted") {
      store("notify", "on");
      return;
    }
    if (permission() === "denied") {
      notifySwitch.checked = false;
      say(note, "Je browser blokkeert meldingen van deze pagina. Zet ze aan in de instellingen van je browser.");
      return;
    }
    Promise.resolve(window.Notification.requestPermission()).then(function (answer) {
      var granted = answer === "granted";
      notifySwitch.checked = granted;
      store("notify", granted ? "on" : "off");
      if (!granted) {
        say(note, "Zonder toestemming van je browser komen er geen meldingen.");
      }
    });
  });

  function tone() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    audio = audio || new Context();
    if (audio.state === "suspended") {
      audio.resume();
    }
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.12, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.35);
  }

  soundSwitch.addEventListener("change", function () {
    store("sound", soundSwitch.checked ? "on" : "off");
    if (soundSwitch.checked) {
      tone();  // a click may start audio: this one lets later tones play, and lets the agent hear it
    }
  });

  function notify(entry, title) {
    if (soundSwitch.checked) {
      tone();
    }
    if (!notifySwitch.checked || permission() !== "granted") {
      return;
    }
    try {
      var shown = new window.Notification(title, {
        body: entry.reference + " · " + entry.reason_label,
        tag: "konsole-" + entry.id + "-" + title,
        lang: "nl"
      });
      shown.onclick = function () {
        window.focus();
        self.onPick(entry.id);
        shown.close();
      };
    } catch (error) {
      // a browser that shows notifications only through a service worker: the title still counts
    }
  }

  // What changed since the previous poll: a customer who is waiting now and was not, and a newer
  // message from the customer in a conversation this agent has. The first poll only takes note.
  self.update = function (data) {
    var entries = data.entries || [];
    var waiting = entries.filter(function (entry) {
      return entry.status === "waiting" && !entry.gone;
    });
    document.title = waiting.length ? "(" + waiting.length + ") " + baseTitle : baseTitle;
    var first = waitingBefore === null;
    var waitingNow = {};
    waiting.forEach(function (entry) {
      waitingNow[entry.id] = true;
      if (!first && !waitingBefore[entry.id]) {
        notify(entry, "Nieuwe klant in de wachtrij");
      }
    });
    var wroteNow = {};
    entries.forEach(function (entry) {
      if (!entry.mine) {
        return;
      }
      var wrote = entry.customer_wrote_at || "";
      wroteNow[entry.id] = wrote;
      var before = wroteBefore[entry.id];
      var newer = before === undefined ? !first && wrote && wrote > (entry.claimed_at || "") : wrote !== before;
      if (wrote && newer) {
        notify(entry, "Nieuw bericht van de klant");
      }
    });
    waitingBefore = waitingNow;
    wroteBefore = wroteNow;
  };

  return self;
}());
