// melian web app: poll a background job's progress and open its run when it is saved.
// No network other than this server; no inline script (the pages' CSP forbids it).
"use strict";
(function () {
  var box = document.getElementById("job");
  if (!box) { return; }
  var id = box.getAttribute("data-job");
  var bar = document.getElementById("job-progress");
  var pct = document.getElementById("job-percent");
  var msg = document.getElementById("job-message");
  var err = document.getElementById("job-error");
  var delay = 250;
  function show(job) {
    bar.value = job.progress;
    pct.textContent = Math.round(job.progress * 100) + "%";
    msg.textContent = job.message;
    box.setAttribute("data-status", job.status);
    if (job.status === "done" && job.run_id) {
      window.location.assign("/runs/" + encodeURIComponent(job.run_id));
      return true;
    }
    if (job.status === "failed") {
      err.textContent = job.error || "failed";
      if (job.run_id) {
        var a = document.createElement("a");
        a.href = "/runs/" + encodeURIComponent(job.run_id);
        a.textContent = "the failed run";
        document.getElementById("job-run").appendChild(a);
      }
      return true;
    }
    return false;
  }
  function poll() {
    fetch("/api/jobs/" + encodeURIComponent(id), { headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (job) {
        if (!show(job)) {
          delay = Math.min(delay * 1.5, 2000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function (e) { err.textContent = "lost contact with the server: " + e.message; });
  }
  poll();
})();
