// melian authoring page: check the whole form on the server a moment after each change and
// show every problem beside its field (the same check as the Check button, without a reload).
// No network other than this server; no inline script (the pages' CSP forbids it).
"use strict";
(function () {
  var form = document.getElementById("author-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("status");
  var timer = null;
  var seq = 0;

  function clear() {
    form.querySelectorAll("span.msg, span.warn").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".error, .warning").forEach(function (e) {
      e.classList.remove("error");
      e.classList.remove("warning");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) {
      e.removeAttribute("aria-invalid");
      e.removeAttribute("aria-describedby");
    });
  }

  function place(fid, messages, cls) {
    var el = document.getElementById(fid);
    if (!el) { return; }
    var box = el.closest(".field, td") || el.parentNode;
    box.classList.add(cls === "msg" ? "error" : "warning");
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    messages.forEach(function (m, k) {
      var span = document.createElement("span");
      span.className = cls;
      span.id = fid + "-" + cls + "-live" + k;
      span.textContent = m;
      box.appendChild(span);
      ids.push(span.id);
    });
    el.setAttribute("aria-describedby", ids.join(" "));
    if (cls === "msg") { el.setAttribute("aria-invalid", "true"); }
  }

  function show(result) {
    clear();
    Object.keys(result.errors).forEach(function (fid) { place(fid, result.errors[fid], "msg"); });
    Object.keys(result.warnings).forEach(function (fid) { place(fid, result.warnings[fid], "warn"); });
    if (status) {
      status.className = "status " + (result.valid ? "ok" : "bad");
      status.textContent = result.valid ? status.getAttribute("data-valid")
        : status.getAttribute("data-problems").replace("N", String(result.count));
    }
  }

  function check() {
    var data = new FormData(form);
    data.delete("sheet");
    data.delete("action");
    var mine = ++seq;
    fetch(form.getAttribute("action") + "/check", { method: "POST", body: data,
                                                   headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result && mine === seq) { show(result); } })
      .catch(function () { /* the Check button still works */ });
  }

  form.addEventListener("change", function (ev) {
    if (ev.target && ev.target.type === "file") { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  });
})();
