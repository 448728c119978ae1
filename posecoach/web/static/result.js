// Result page: follows a running job, and seeks the video from the fault timeline.
(function () {
  "use strict";
  function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }
  var root = document.getElementById("result");
  if (!root) return;
  var status = root.dataset.status;
  if (status === "queued" || status === "running") {
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/api/analyses/" + root.dataset.id);
      xhr.onload = function () {
        if (xhr.status !== 200) return;
        var job = JSON.parse(xhr.responseText);
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        document.getElementById("process-progress").value = job.progress;
        document.getElementById("process-pct").textContent = Math.round(job.progress * 100) + "%";
        document.getElementById("process-label").textContent = job.status === "queued"
          ? "Waiting for a free worker" : cap(job.stage || "analysing");
        window.setTimeout(poll, 800);
      };
      xhr.onerror = function () { window.setTimeout(poll, 2000); };
      xhr.send();
    };
    window.setTimeout(poll, 500);
    return;
  }
  var video = document.getElementById("annotated-video");
  if (!video) return;
  document.querySelectorAll("[data-start]").forEach(function (item) {
    item.addEventListener("click", function () {
      video.currentTime = parseFloat(item.dataset.start) || 0;
      video.scrollIntoView({ behavior: "smooth", block: "center" });
      video.play().catch(function () {});
    });
  });
})();
