/* Kho: progressive enhancement only. Every page works without this file.
   - upload page: drag and drop, one XMLHttpRequest per file with a progress bar;
   - upload and product pages: poll the JSON status route while files are processed. */
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
    (notices || []).forEach(function (n) {
      var item = document.createElement("li");
      item.className = "notice " + n.code;
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
      box.appendChild(item);
    });
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
    xhr.onerror = function () {
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
      label.appendChild(el("small", {}, "(" + s.kind_label +
                           (s.matched && s.matched.length ? ": " + s.matched.join(", ") : "") + ")"));
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

    function sendAll(files) {
      var pending = files.length;
      Array.prototype.forEach.call(files, function (file) {
        sendFile(form, file, addRow(list, file), function () {
          pending -= 1;
          if (pending === 0) {
            if (restart) { restart(); } else { restart = poll(statusUrl, showSuggestions); }
          }
        });
      });
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
  });
}());
