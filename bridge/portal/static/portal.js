// The portal's little script: confirmation dialogs for decisions, and printing.
// Every page works without it; this only adds a confirmation in place and opens
// the print dialog on print pages.
(function () {
  "use strict";

  // A form with data-confirm="dialog-id" opens that <dialog> instead of submitting;
  // the dialog's confirm button then submits the form, marked as confirmed.
  function setUpConfirmations() {
    var forms = document.querySelectorAll("form[data-confirm]");
    Array.prototype.forEach.call(forms, function (form) {
      var dialog = document.getElementById(form.getAttribute("data-confirm"));
      if (!dialog || typeof dialog.showModal !== "function") {
        return;
      }
      var confirmed = form.querySelector("input[name=confirmed]");
      var opener = null;

      form.addEventListener("submit", function (event) {
        if (confirmed && confirmed.value === "1") {
          return;
        }
        event.preventDefault();
        opener = document.activeElement;
        var note = form.querySelector("textarea[name=note]");
        var echo = dialog.querySelector("[data-note-echo]");
        if (echo) {
          var text = note ? note.value.trim() : "";
          echo.textContent = text;
          echo.hidden = text === "";
        }
        dialog.showModal();
      });

      dialog.addEventListener("close", function () {
        if (dialog.returnValue === "confirm") {
          if (confirmed) {
            confirmed.value = "1";
          }
          var submit = form.querySelector("[type=submit]");
          if (submit) {
            submit.disabled = true;
          }
          form.submit();
        } else if (opener && typeof opener.focus === "function") {
          opener.focus();
        }
      });
    });
  }

  function setUpPrinting() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
    if (document.body.hasAttribute("data-autoprint")) {
      // Let fonts and the logo load first, so the preview is complete.
      window.addEventListener("load", function () {
        window.setTimeout(function () {
          window.print();
        }, 250);
      });
    }
  }

  setUpConfirmations();
  setUpPrinting();
})();
