// The demo site's script: conveniences the pages also work without.
// Loaded in the head, so that the "js" class is set before the page is
// drawn; the rest waits for the document.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // Choosing a language switches at once (without the script, the
    // form's button does it).
    var locale = document.getElementById("locale");
    if (locale) {
      locale.addEventListener("change", function () {
        locale.form.submit();
      });
    }

    // A form posts once: its button is disabled while the next page
    // loads, and enabled again if the browser comes back to this one.
    var buttons = document.querySelectorAll("form button[type=submit]");
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.disabled = true;
        });
      });
    });
    window.addEventListener("pageshow", function () {
      buttons.forEach(function (b) {
        b.disabled = false;
      });
    });

    // The cursor starts in the main form's first empty field.
    var fields = document.querySelectorAll("main form input:not([type=hidden]), main form textarea");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) {
        fields[i].focus();
        break;
      }
    }
  });
})();
