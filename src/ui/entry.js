// Keying screen: one keystroke per answer. The page works without this script (a plain form,
// checked by the server); with it, a valid code moves on by itself, an invalid one is refused
// on the spot, Backspace goes back, skipped questions are skipped, Enter on the last saves.
(function () {
  "use strict";
  var form = document.getElementById("keying");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(form.querySelectorAll(".keyrow"));
  function inputOf(row) { return row.querySelector("input"); }
  function keysOf(input) {
    var k = input.getAttribute("data-keys");
    return k ? k.split(" ") : null;
  }
  function byName(name) {
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-field") === name) { return rows[i]; }
    }
    return null;
  }
  // A row is asked unless its condition's field holds none of the condition's keys.
  function asked(row) {
    var name = row.getAttribute("data-show-if");
    if (!name) { return true; }
    var target = byName(name);
    if (!target || !asked(target)) { return false; }
    var value = inputOf(target).value.trim();
    return row.getAttribute("data-show-keys").split(" ").indexOf(value) >= 0;
  }
  function refresh() {
    rows.forEach(function (row) {
      var on = asked(row);
      row.classList.toggle("skipped", !on);
      inputOf(row).disabled = !on;
    });
  }
  function open() { return rows.filter(function (r) { return !r.classList.contains("skipped"); }); }
  function move(from, step) {
    var list = open();
    var i = list.indexOf(from) + step;
    if (i >= 0 && i < list.length) {
      var input = inputOf(list[i]);
      input.focus();
      input.select();
      return true;
    }
    return false;
  }
  function say(row, message) {
    var slot = row.querySelector(".fielderror.live");
    if (!slot) {
      slot = document.createElement("span");
      slot.className = "fielderror live";
      slot.setAttribute("role", "alert");
      row.appendChild(slot);
    }
    slot.textContent = message;
    inputOf(row).classList.toggle("bad", message !== "");
  }
  function isLast(row) { var list = open(); return list[list.length - 1] === row; }
  function save() {
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  rows.forEach(function (row) {
    var input = inputOf(row);
    var keys = keysOf(input);
    input.addEventListener("focus", function () { row.classList.add("current"); input.select(); });
    input.addEventListener("blur", function () { row.classList.remove("current"); });
    input.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.altKey || e.metaKey) { return; }
      if (e.key === "Enter") {
        e.preventDefault();
        if (isLast(row)) { save(); } else { move(row, 1); }
        return;
      }
      // The confirmation of a blank form: Space ticks it, Enter (above) saves.
      if (input.type === "checkbox") {
        if (e.key === " ") { e.preventDefault(); input.checked = !input.checked; }
        return;
      }
      if (e.key === "Backspace" && input.value === "") {
        e.preventDefault();
        move(row, -1);
        return;
      }
      if (!keys) { return; }
      if (e.key === "Backspace" || e.key === "Tab" || e.key.indexOf("Arrow") === 0) { return; }
      e.preventDefault();
      var typed = e.key === " " ? "0" : e.key;
      // A code of two digits (a list past 9) waits for its second digit.
      var sofar = (input.selectionStart !== input.selectionEnd ? "" : input.value) + typed;
      if (sofar === "0") {
        input.value = "";
        say(row, "");
        refresh();
        if (isLast(row)) { save(); } else { move(row, 1); }
        return;
      }
      var exact = keys.indexOf(sofar) >= 0;
      var longer = keys.some(function (k) { return k.length > sofar.length && k.indexOf(sofar) === 0; });
      if (!exact && !longer) {
        say(row, "“" + typed + "” không phải mã trên phiếu. Mã hợp lệ: " + keys.join(", ") + "; 0 = để trống.");
        return;
      }
      input.value = sofar;
      say(row, "");
      refresh();
      if (exact && !longer && !isLast(row)) { move(row, 1); }
    });
  });
  // The day answered is checked as it is left (Tab, Enter or a click elsewhere): a day that
  // exists, typed day/month/year (or its eight digits), within the days the period's forms
  // may be dated. The server checks again on save.
  var date = document.getElementById("date");
  function two(n) { return (n < 10 ? "0" : "") + n; }
  // A message beside a row, where there is one to give or one to take back.
  function tell(row, message) {
    if (message || row.querySelector(".fielderror.live")) { say(row, message); }
  }
  function checkDate() {
    var row = date.closest(".keyrow");
    var v = date.value.trim();
    if (v === "") { tell(row, ""); return; }
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v) || /^(\d{2})(\d{2})(\d{4})$/.exec(v);
    var d = m ? +m[1] : 0, mo = m ? +m[2] : 0, y = m ? +m[3] : 0;
    var t = new Date(Date.UTC(y, mo - 1, d));
    if (!m || t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
      tell(row, date.getAttribute("data-impossible"));
      return;
    }
    var iso = y + "-" + two(mo) + "-" + two(d);
    var first = date.getAttribute("data-first"), last = date.getAttribute("data-last");
    tell(row, (first && iso < first) || (last && iso > last) ? date.getAttribute("data-outside") : "");
  }
  if (date) { date.addEventListener("blur", checkDate); }
  // The serial is checked as it is left too: the server says whether a save would refuse it
  // (keyed twice already, keyed by you, in another batch) before the answers are keyed.
  var serial = document.getElementById("serial");
  var asking = 0;
  function checkSerial() {
    var row = serial.closest(".keyrow");
    var v = serial.value.trim();
    if (v === "" || !window.fetch) { tell(row, ""); return; }
    var mine = ++asking;
    var url = form.getAttribute("action").replace(/\/key$/, "/serial") + "?serial=" + encodeURIComponent(v);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { message: null }; })
      .then(function (said) { if (mine === asking) { tell(row, said.message || ""); } })
      .catch(function () { /* offline: the save checks */ });
  }
  if (serial && form.getAttribute("action").slice(-4) === "/key") { serial.addEventListener("blur", checkSerial); }
  refresh();
})();
