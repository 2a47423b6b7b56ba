/* Kho: progressive enhancement only. Every page works without this file.
   - upload page: drag and drop, one XMLHttpRequest per file with a progress bar, and
     while files are sent the "done" link disabled and leaving the page asked first;
   - upload and product pages: poll the JSON status route while files are processed;
   - replace page: the button says the file is on its way once pressed. */
(function () {
  "use strict";
  var POLL_MS = 3000;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function setStatus(el, status, label) {
    if (!el) { return; }
    el.textContent = label;
    el.className = "status " + status;
  }

  function poll(url, onDone) {
    var timer = null;
    function tick() {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var data = JSON.parse(xhr.responseText);
        document.querySelectorAll('[data-role="product-status"]').forEach(function (el) {
          setStatus(el, data.status, data.status_label);
        });
        data.files.forEach(function (f) {
          document.querySelectorAll('[data-file-status="' + f.id + '"]').forEach(function (el) {
            setStatus(el, f.status, f.status_label + (f.error ? " — " + f.error : ""));
          });
          /* near-duplicates, found once the file is processed, under its (first) row */
          var row = document.querySelector('.upload-list [data-file-id="' + f.id + '"]');
          if (row) { showNotices(row, f.notices); }
        });
        if (data.done) {
          window.clearInterval(timer);
          timer = null;
          if (onDone) { onDone(data); }
        }
      };
      xhr.send();
    }
    timer = window.setInterval(tick, POLL_MS);
    tick();
    return function restart() { if (!timer) { timer = window.setInterval(tick, POLL_MS); } };
  }

  function addRow(list, file) {
    var tpl = document.getElementById("upload-row");
    var row = tpl.content.firstElementChild.cloneNode(true);
    row.querySelector(".name").textContent = file.name;
    list.appendChild(row);
    return row;
  }

  /* What the uploader sees of one file: "Uploading… 45 %", then "Received, being
     processed" (the poll then shows the processing outcome), with any notices. */
  function showState(status, text, state) {
    status.textContent = text;
    status.className = "status " + state;
  }

  function showNotices(row, notices) {
    var box = row.querySelector('[data-role="notices"]');
    if (!box) { return; }
    (notices || []).forEach(function (n) {
      var key = n.code + ":" + (n.file_id || "");
      if (n.file_id && box.querySelector('[data-notice="' + key + '"]')) { return; }
      var item = document.createElement("li");
      item.className = "notice " + n.code;
      item.setAttribute("data-notice", key);
      var at = n.link && n.url ? n.text.indexOf(n.link) : -1;
      if (at >= 0) {   /* "… product #2 …": the product's number is the link */
        var link = document.createElement("a");
        link.href = n.url;
        link.textContent = n.link;
        item.appendChild(document.createTextNode(n.text.slice(0, at)));
        item.appendChild(link);
        item.appendChild(document.createTextNode(n.text.slice(at + n.link.length)));
      } else {
        item.textContent = n.text;
      }
      if (n.answer_url) { item.appendChild(answerForm(n)); }
      box.appendChild(item);
    });
  }

  /* A near-duplicate's two answers ("Cùng một tác phẩm" / "Khác tác phẩm"), as the
     product page has them: a form that posts the answer and comes back here. */
  function answerForm(n) {
    var form = el("form", {method: "post", action: n.answer_url, "class": "near-answers"});
    form.appendChild(el("input", {type: "hidden", name: "csrf_token", value: csrfToken()}));
    form.appendChild(el("input", {type: "hidden", name: "back", value: "upload"}));
    if (n.answered) { form.appendChild(el("span", {"class": "near-answered"}, n.answered)); }
    (n.answers || []).forEach(function (a, i) {
      form.appendChild(el("button", {type: "submit", name: "answer", value: a.value,
                                     "class": i ? "secondary" : "primary"}, a.label));
    });
    return form;
  }

  function sendFile(form, file, row, done) {
    var bar = row.querySelector("progress");
    var status = row.querySelector(".status");
    var max = Number(form.getAttribute("data-max-bytes"));
    var sending = form.getAttribute("data-sending");
    var percent = form.getAttribute("data-percent");
    if (max && file.size > max) {
      showState(status, "✗ " + form.getAttribute("data-too-large").replace("{name}", file.name),
                "failed");
      bar.remove();
      done(false);
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    showState(status, sending + " " + percent.replace("{n}", "0"), "sending");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        showState(status, sending + " " + percent.replace("{n}", String(bar.value)), "sending");
      }
    };
    xhr.onload = function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
      bar.value = 100;
      if (xhr.status === 201) {
        status.setAttribute("data-file-status", data.file_id);
        showState(status, form.getAttribute("data-received"), "processing");
        row.setAttribute("data-file-id", data.file_id);
        showNotices(row, data.notices);
        done(true);
      } else {
        showState(status, "✗ " + (data.message || form.getAttribute("data-failed")), "failed");
        done(false);
      }
    };
    xhr.onerror = xhr.onabort = function () {
      showState(status, "✗ " + form.getAttribute("data-failed"), "failed");
      done(false);
    };
    xhr.send(file);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  /* After processing, offer the suggested themes/conventions for confirmation. */
  function showSuggestions(data) {
    var slot = document.querySelector('[data-role="suggestions-slot"]');
    if (!slot || !data.suggestions || !data.suggestions.length || slot.firstChild) { return; }
    var form = el("form", {method: "post", action: slot.getAttribute("data-action"),
                           "class": "suggestions", "data-role": "suggestions"});
    form.appendChild(el("input", {type: "hidden", name: "csrf_token", value: csrfToken()}));
    form.appendChild(el("input", {type: "hidden", name: "back", value: "upload"}));
    form.appendChild(el("h3", {}, slot.getAttribute("data-title")));
    form.appendChild(el("p", {"class": "hint"}, slot.getAttribute("data-hint")));
    /* "Bỏ qua" buttons post, like _suggestions.html, to a hidden form of their own
       (dismiss=kind:code, csrf_token, back=upload). */
    var dismissForm = el("form", {method: "post", id: "dismiss-suggestion-js", hidden: "",
                                  action: slot.getAttribute("data-dismiss-action")});
    dismissForm.appendChild(el("input", {type: "hidden", name: "csrf_token", value: csrfToken()}));
    dismissForm.appendChild(el("input", {type: "hidden", name: "back", value: "upload"}));
    var list = el("ul", {"class": "suggestion-list"});
    data.suggestions.forEach(function (s) {
      var value = s.kind + ":" + s.code;
      var item = el("li", {"class": "suggestion", "data-suggestion": value});
      var label = el("label", {"class": "check"});
      label.appendChild(el("input", {type: "checkbox", name: "confirm", value: value}));
      label.appendChild(document.createTextNode(" " + s.label + " "));
      /* a language says why it was suggested (s.reason); themes show what matched */
      label.appendChild(el("small", {}, "(" + s.kind_label + (s.reason ? ": " + s.reason :
                           (s.matched && s.matched.length ? ": " + s.matched.join(", ") : "")) + ")"));
      item.appendChild(label);
      item.appendChild(el("button", {type: "submit", "class": "secondary dismiss",
                                     form: "dismiss-suggestion-js", name: "dismiss", value: value,
                                     "aria-label": slot.getAttribute("data-dismiss-label")
                                       .replace("{label}", s.label)},
                          slot.getAttribute("data-dismiss")));
      list.appendChild(item);
    });
    form.appendChild(list);
    form.appendChild(el("button", {type: "submit"}, slot.getAttribute("data-confirm")));
    slot.appendChild(form);
    slot.appendChild(dismissForm);
  }

  function setupUpload(form) {
    var input = form.querySelector('[data-role="files"]');
    var zone = form.querySelector('[data-role="dropzone"]');
    var list = document.querySelector('[data-role="upload-list"]');
    var statusUrl = form.getAttribute("data-status-url");
    var restart = null;
    var doneLink = document.querySelector('[data-role="upload-done"]');
    var wait = document.querySelector('[data-role="upload-wait"]');
    var sending = 0;

    /* Leaving the page while files are sent loses them: meanwhile the "done" link is
       disabled (with a line saying why) and the browser asks before leaving. */
    function setSending(change) {
      sending += change;
      if (doneLink) {
        if (sending > 0) { doneLink.setAttribute("aria-disabled", "true"); }
        else { doneLink.removeAttribute("aria-disabled"); }
      }
      if (wait) { wait.hidden = sending <= 0; }
    }
    if (doneLink) {
      doneLink.addEventListener("click", function (e) { if (sending > 0) { e.preventDefault(); } });
    }
    window.addEventListener("beforeunload", function (e) {
      if (sending > 0) { e.preventDefault(); e.returnValue = ""; return ""; }
    });

    /* Caption files (.vtt, .srt) are sent once the other files have arrived: each is
       attached to the audio or video file it is named after, which may be among them. */
    function sendAll(files) {
      var all = Array.prototype.slice.call(files);
      var isCaption = function (f) { return /\.(vtt|srt)$/i.test(f.name); };
      var later = all.filter(isCaption);
      var first = all.filter(function (f) { return !isCaption(f); });
      var pending = all.length;
      var firstLeft = first.length;
      setSending(all.length);
      function sent() {
        setSending(-1);
        pending -= 1;
        if (pending === 0) {
          if (restart) { restart(); } else { restart = poll(statusUrl, showSuggestions); }
        }
      }
      function sendLater() {
        later.forEach(function (file) { sendFile(form, file, addRow(list, file), sent); });
      }
      first.forEach(function (file) {
        sendFile(form, file, addRow(list, file), function () {
          sent();
          firstLeft -= 1;
          if (firstLeft === 0) { sendLater(); }
        });
      });
      if (!first.length) { sendLater(); }
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (input.files.length) { sendAll(input.files); }
      input.value = "";
    });
    input.addEventListener("change", function () {
      if (input.files.length) { sendAll(input.files); input.value = ""; }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { sendAll(e.dataTransfer.files); }
    });
    if (document.querySelector('[data-role="product-status"].processing')) {
      restart = poll(statusUrl, showSuggestions);
    }
  }

  function setupProduct(article) {
    if (article.getAttribute("data-status") !== "processing") { return; }
    poll(article.getAttribute("data-status-url"), function () { window.location.reload(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.upload-form");
    if (form) { setupUpload(form); }
    var article = document.querySelector("article.product[data-status-url]");
    if (article) { setupProduct(article); }
    var replace = document.querySelector('form[data-role="replace-form"]');
    if (replace) {   /* one press: the button says the file is on its way */
      replace.addEventListener("submit", function () {
        var button = replace.querySelector('[data-role="replace-send"]');
        button.disabled = true;
        button.textContent = replace.getAttribute("data-sending");
      });
    }
  });
}());

/* After a server-side form error the focus goes to the error summary (or the refused
   row's message): the keyboard and the screen reader start where the problem is told.
   The summary's autofocus does it without this file, except when the address has a
   #fragment (the browser skips autofocus, and moves the focus to the fragment once the
   page has loaded): then this does it, unless the person has chosen a control. */
(function () {
  "use strict";
  var summary = document.querySelector('[data-role="error-summary"]');
  if (!summary) { return; }
  function focusSummary() {
    var active = document.activeElement;
    if (!active || active === document.body || active === document.documentElement) {
      summary.focus();
    }
  }
  focusSummary();
  window.addEventListener("load", function () { window.setTimeout(focusSummary, 0); });
}());

/* Caption and transcript tracks on the product page. A transcript line seeks its player
   in place (without script it is a link to the page at that moment, whose media
   fragment #t= seeks); the line being said is marked while the player plays; a link
   with a moment (?t=135&file=12, as a search hit gives) seeks the player once it can. */
(function () {
  "use strict";
  function playerOf(fileId) {
    return document.querySelector('audio[data-file="' + fileId + '"], video[data-file="' +
                                  fileId + '"]');
  }
  function seek(player, seconds, play) {
    function go() {
      player.currentTime = seconds;
      if (play) {
        var started = player.play();
        if (started && started.catch) { started.catch(function () {}); }
      }
    }
    if (player.readyState >= 1) { go(); } else {
      player.addEventListener("loadedmetadata", go, {once: true});
      if (player.readyState === 0 && player.networkState === 0) { player.load(); }
    }
  }
  document.querySelectorAll('[data-role="transcript"]').forEach(function (panel) {
    var player = playerOf(panel.getAttribute("data-file"));
    if (!player) { return; }
    var lines = Array.prototype.slice.call(panel.querySelectorAll("a[data-seek]"));
    var current = null;
    panel.addEventListener("click", function (e) {
      var line = e.target.closest("a[data-seek]");
      if (!line) { return; }
      e.preventDefault();
      seek(player, Number(line.getAttribute("data-seek")), true);
    });
    player.addEventListener("timeupdate", function () {
      var now = player.currentTime, found = null;
      lines.forEach(function (line) {
        if (Number(line.getAttribute("data-seek")) <= now + 0.05 &&
            now < Number(line.getAttribute("data-end"))) { found = line; }
      });
      if (found === current) { return; }
      if (current) { current.removeAttribute("aria-current"); }
      if (found) { found.setAttribute("aria-current", "true"); }
      current = found;
    });
  });
  var asked = new URLSearchParams(window.location.search);
  var at = Number(asked.get("t"));
  var target = asked.get("file") ? playerOf(asked.get("file")) : null;
  if (target && asked.get("t") !== null && isFinite(at) && at >= 0) { seek(target, at, false); }
}());
