/*
 * Transfer and release in the agent console, loaded before agent.js: the button "Overdragen" opens
 * a dialog with the colleagues online now (GET /agent/api/colleagues) and "Terug in de wachtrij",
 * and a note for the colleague; it posts {"to", "note"} to /agent/api/entries/{id}/overdragen or
 * {"note"} to .../vrijgeven through console.js (with the CSRF token). Names go in as textContent.
 */
var TransferPanel = (function () {
  "use strict";

  var el = ConsolePage.el, clear = ConsolePage.clear, api = ConsolePage.api, failure = ConsolePage.failure;

  function attach(options) {
    var button = document.getElementById("transfer-button");
    var dialog = document.getElementById("transfer-dialog");
    var choice = document.getElementById("transfer-to");
    var note = document.getElementById("transfer-note");
    var text = document.getElementById("transfer-dialog-text");
    if (!button || !dialog) {
      return { update: function () {} };
    }

    function fillColleagues(colleagues) {
      clear(choice);
      var back = el("option", null, "Terug in de wachtrij");
      back.value = "";
      choice.appendChild(back);
      colleagues.forEach(function (colleague) {
        var option = el("option", null, colleague.display_name + " (" + colleague.username + ")");
        option.value = colleague.username;
        choice.appendChild(option);
      });
      if (colleagues.length) {
        choice.value = colleagues[0].username;
      }
      text.textContent = colleagues.length
        ? "Geef het gesprek aan een collega die online is, of zet het terug in de wachtrij."
        : "Er is nu geen collega online. Je kunt het gesprek terugzetten in de wachtrij.";
    }

    button.addEventListener("click", function () {
      api("GET", "/agent/api/colleagues").then(function (result) {
        if (!result.ok) {
          options.onError(failure(result, "De collega's kunnen nu niet worden geladen."));
          return;
        }
        fillColleagues(result.data.colleagues || []);
        note.value = "";
        dialog.returnValue = "";
        dialog.showModal();
      }).catch(function () {
        options.onError("Geen verbinding met de server. Probeer het zo nog eens.");
      });
    });

    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "transfer") {
        return;
      }
      var to = choice.value;
      var body = { note: note.value.trim() };
      if (to) {
        body.to = to;
      }
      options.act(to ? "/overdragen" : "/vrijgeven", body, function (result) {
        if (result.ok) {
          options.onDone(result.data.note || "Overgedragen.");
        } else {
          options.onError(failure(result, "Het gesprek kan nu niet worden overgedragen."));
        }
      });
    });

    return {
      update: function (entry, busy) {
        button.hidden = !(entry && entry.mine && entry.status !== "closed");
        button.disabled = Boolean(busy);
      }
    };
  }

  return { attach: attach };
}());
