// The chat page's script: posts messages and long-polls for new ones.
// Plain JavaScript, no library.
"use strict";

(function () {
  var inbox = document.getElementById("inbox");
  var form = document.getElementById("messageform");
  var input = document.getElementById("message");
  var status = document.getElementById("status");

  // cursor is the id of the last message shown; empty until the first
  // poll, which then gets the room's history.
  var cursor = "";

  var minDelay = 500;
  var maxDelay = 30000;
  var delay = minDelay;

  // xsrf returns the token of the _xsrf cookie the page set.
  function xsrf() {
    var m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // post sends fields and the XSRF token as a form and resolves to the
  // JSON answer.
  function post(url, fields) {
    var params = new URLSearchParams(fields);
    params.set("_xsrf", xsrf());
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: params.toString()
    }).then(function (resp) {
      if (!resp.ok) {
        throw new Error(url + ": " + resp.status);
      }
      return resp.json();
    });
  }

  // show appends a message's HTML, which the server escaped, unless it
  // is shown already.
  function show(message) {
    if (document.getElementById("m" + message.id)) {
      return;
    }
    var t = document.createElement("template");
    t.innerHTML = message.html;
    inbox.appendChild(t.content);
    inbox.scrollTop = inbox.scrollHeight;
  }

  // poll asks for what came after the cursor and, once answered, at once
  // again; an empty list means the wait timed out. On an error it waits,
  // twice as long each time up to maxDelay.
  function poll() {
    var fields = {};
    if (cursor) {
      fields.cursor = cursor;
    }
    post("/a/message/updates", fields).then(function (data) {
      delay = minDelay;
      status.textContent = "";
      var messages = data.messages || [];
      // Messages no newer than the cursor are the history of a room that
      // no longer knows the cursor (the server restarted and counts ids
      // from 1 again): start the inbox over, or their ids would be taken
      // for messages already shown.
      if (cursor && messages.length && Number(messages[0].id) <= Number(cursor)) {
        inbox.textContent = "";
      }
      messages.forEach(function (m) {
        show(m);
        cursor = m.id;
      });
      poll();
    }, function (err) {
      status.textContent = "Connection lost; retrying in " + Math.round(delay / 1000 * 10) / 10 + " s.";
      console.error(err);
      setTimeout(poll, delay);
      delay = Math.min(delay * 2, maxDelay);
    });
  }

  // Posting: the message comes back through the poll, in order with the
  // others, so the answer only clears the input.
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = input.value;
    if (!body) {
      return;
    }
    var button = form.querySelector("button");
    button.disabled = true;
    post("/a/message/new", { body: body }).then(function () {
      input.value = "";
      status.textContent = "";
    }, function (err) {
      status.textContent = "Could not post: " + err.message;
    }).then(function () {
      button.disabled = false;
      input.focus();
    });
  });

  poll();
})();
