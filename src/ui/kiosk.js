// Kiosk form. The page works without this script: every screen is a form post carrying the
// answers so far, checked by the server. With it, screens switch in place (no round trip),
// a question left out is marked beside itself before moving on, and a form left untouched
// for two minutes returns to the start (every touch or key restarts the two minutes).
//
// Between two forms (thank you, out of date) the script returns to a fresh form after the
// screen's few seconds. Everywhere, it installs the kiosk's service worker, which keeps the
// form and any answer the network drops and sends them when it returns; staff see how many
// answers wait ("N phiếu chờ gửi").
(function () {
  "use strict";
  var here = document.querySelector("[data-home]");
  if (!here) { return; }
  var home = here.getAttribute("data-home");
  var back = parseInt(here.getAttribute("data-return"), 10);
  if (back > 0) { setTimeout(function () { location.href = home; }, back * 1000); }

  var sw = navigator.serviceWorker;
  var marker = document.getElementById("kept");
  if (!sw) { return; }
  sw.addEventListener("message", function (e) {
    if (!marker || !e.data || typeof e.data.kept !== "number") { return; }
    marker.hidden = e.data.kept === 0;
    marker.querySelector(".n").textContent = String(e.data.kept);
  });
  function ping() {
    sw.ready.then(function (r) {
      if (r.active) { r.active.postMessage({ kiosk: home.replace(/^\/k\//, "") }); }
    });
  }
  sw.register("/static/kiosk-sw.js", { scope: "/k/" }).then(ping, function () {});
  window.addEventListener("online", ping);
  setInterval(ping, 30000);
})();

(function () {
  "use strict";
  var form = document.getElementById("kiosk");
  if (!form) { return; }

  var home = form.getAttribute("data-home");
  var idle = parseInt(form.getAttribute("data-idle"), 10) || 120000;
  var timer = null;
  function touched() {
    clearTimeout(timer);
    timer = setTimeout(function () { location.href = home; }, idle);
  }
  ["pointerdown", "touchstart", "keydown", "input", "click", "scroll"].forEach(function (e) {
    document.addEventListener(e, touched, { capture: true, passive: true });
  });
  touched();

  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var stepField = form.querySelector("input[name=step]");
  if (!steps.length || !stepField) { return; }
  var progress = document.querySelector(".kprogress progress");
  var stepNo = document.querySelector(".kprogress .stepno");

  function current() {
    var n = parseInt(stepField.value, 10) || 0;
    return Math.max(0, Math.min(n, steps.length - 1));
  }
  function show(n) {
    steps.forEach(function (s, i) { s.hidden = i !== n; });
    stepField.value = String(n);
    if (progress) { progress.value = n + 1; }
    if (stepNo) { stepNo.textContent = String(n + 1); }
    window.scrollTo(0, 0);
  }
  function mark(fieldset, bad) {
    fieldset.classList.toggle("bad", bad);
    var msg = fieldset.querySelector(".fielderror");
    if (msg) { msg.hidden = !bad; }
  }
  // Marks every required question of screen n left out; true when there is none.
  function complete(n) {
    var missing = 0;
    var first = null;
    steps[n].querySelectorAll("fieldset[data-required]").forEach(function (f) {
      var bad = !f.querySelector("input:checked");
      mark(f, bad);
      if (bad) { missing += 1; first = first || f; }
    });
    var summary = steps[n].querySelector(".summary");
    if (summary) {
      summary.hidden = missing === 0;
      var count = summary.querySelector(".count");
      if (count) { count.textContent = String(missing); }
    }
    if (first) { first.scrollIntoView({ block: "center" }); }
    return missing === 0;
  }

  form.addEventListener("change", function (e) {
    var f = e.target.closest && e.target.closest("fieldset");
    if (f && f.classList.contains("bad")) { mark(f, false); }
  });
  form.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[name=go]");
    if (!b) { return; }
    var n = current();
    var last = steps.length - 1;
    if (b.value === "back") {
      e.preventDefault();
      show(Math.max(0, n - 1));
    } else if (b.value === "next" && n < last) {
      e.preventDefault();
      if (complete(n)) { show(n + 1); }
    } else if (!complete(n)) {
      e.preventDefault();
    }
  });
})();
