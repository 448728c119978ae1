// Upload page: drag-and-drop or picker, XHR upload with progress, then polls the job.
(function () {
  "use strict";
  function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("file-input");
  var zone = document.getElementById("drop-zone");
  var nameEl = document.getElementById("file-name");
  var submit = document.getElementById("submit");
  var statusBox = document.getElementById("upload-status");
  var errorEl = document.getElementById("upload-error");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var chosen = null;

  function el(id) { return document.getElementById(id); }
  function pct(x) { return Math.round(x * 100) + "%"; }
  function resetStatus() {
    // A finished or failed attempt must not leave "Uploading... 100%" on screen.
    statusBox.hidden = true;
    el("upload-progress").value = 0;
    el("upload-pct").textContent = "";
    el("upload-label").textContent = "Uploading…";
    el("process-progress").value = 0;
    el("process-pct").textContent = "";
    el("process-label").textContent = "Waiting for the upload…";
  }
  function showError(message) {
    resetStatus();
    errorEl.textContent = message;
    errorEl.hidden = false;
    submit.disabled = false;
  }
  function choose(file) {
    chosen = file || null;
    nameEl.textContent = chosen ? chosen.name + " (" + (chosen.size / 1048576).toFixed(1) + " MB)" : "";
    errorEl.hidden = true;
  }

  input.addEventListener("change", function () { choose(input.files[0]); });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) { choose(e.dataTransfer.files[0]); }
  });

  function errorText(xhr) {
    // The error, then the hint as its own sentence: hints may hold parentheses themselves.
    try {
      var body = JSON.parse(xhr.responseText);
      var text = String(body.error || "The server refused the clip").replace(/\.$/, "") + ".";
      return body.hint ? text + " " + cap(String(body.hint)).replace(/\.$/, "") + "." : text;
    }
    catch (err) { return "the server answered " + xhr.status; }
  }

  function poll(url) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.onload = function () {
      if (xhr.status !== 200) { showError(errorText(xhr)); return; }
      var job = JSON.parse(xhr.responseText);
      el("process-progress").value = job.progress;
      el("process-pct").textContent = pct(job.progress);
      el("process-label").textContent = job.status === "queued" ? "Waiting for a free worker…"
        : cap(job.stage || "analysing") + "…";
      if (job.status === "done") { window.location.assign(job.result_url); return; }
      if (job.status === "failed") { showError("Analysis failed: " + job.error); return; }
      window.setTimeout(function () { poll(url); }, 700);
    };
    xhr.onerror = function () { window.setTimeout(function () { poll(url); }, 2000); };
    xhr.send();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var file = chosen || input.files[0];
    if (!file) { showError("Choose a video or photo first."); return; }
    if (file.size > maxBytes) {
      showError("The file is larger than the limit of " + (maxBytes / 1048576) + " MB.");
      return;
    }
    var data = new FormData();
    data.append("exercise", el("exercise").value);
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) return;
      el("upload-progress").value = ev.loaded / ev.total;
      el("upload-pct").textContent = pct(ev.loaded / ev.total);
    };
    xhr.onload = function () {
      if (xhr.status !== 202) { showError(errorText(xhr)); return; }
      el("upload-progress").value = 1;
      el("upload-pct").textContent = "100%";
      el("upload-label").textContent = "Uploaded";
      el("process-label").textContent = "Queued…";
      poll(JSON.parse(xhr.responseText).url);
    };
    xhr.onerror = function () { showError("The upload did not reach the server (too large, or the connection dropped)."); };
    submit.disabled = true;
    errorEl.hidden = true;
    statusBox.hidden = false;
    xhr.send(data);
  });
})();
