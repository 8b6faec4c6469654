// melian web app: poll a background job's progress and open its run when it is saved
// (or, for an analysis that wrote files such as the brief, link them).
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
  var initial = box.getAttribute("data-status");
  function show(job) {
    bar.value = job.progress;
    pct.textContent = Math.round(job.progress * 100) + "%";
    msg.textContent = job.message;
    box.setAttribute("data-status", job.status);
    if (job.status === "done" && job.run_id && job.outputs && job.outputs.length) {
      // an analysis that wrote files (the brief): link them here, and the run
      var list = document.getElementById("job-outputs");
      list.textContent = "";
      job.outputs.forEach(function (name) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/briefs/" + encodeURIComponent(name);
        a.textContent = name;
        li.appendChild(a);
        list.appendChild(li);
      });
      var run = document.getElementById("job-run");
      run.textContent = "";
      var r = document.createElement("a");
      r.href = "/runs/" + encodeURIComponent(job.run_id);
      r.textContent = "run " + job.run_id;
      run.appendChild(r);
      return true;
    }
    if (job.status === "done" && job.run_id) {
      window.location.assign("/runs/" + encodeURIComponent(job.run_id));
      return true;
    }
    if (job.status === "failed") {
      if (job.problems && job.problems.length && initial !== "failed") {
        window.location.reload();  // the server lists the problems, grouped, with links
        return true;
      }
      if (err) { err.textContent = job.error || "failed"; }
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
      .catch(function (e) { if (err) { err.textContent = "lost contact with the server: " + e.message; } });
  }
  poll();
})();
