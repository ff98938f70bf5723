// Long lists (units, surveys) get a search box above them: type part of a name, with or
// without diacritics, and the list keeps only what matches; a single match is chosen. The
// list works as a plain list without this script.
(function () {
  "use strict";
  function plain(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-search]"), function (select) {
    var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value !== ""; });
    var words = options.map(function (o) { return plain(o.textContent + " " + o.value); });
    var wrap = document.createElement("label");
    wrap.className = "picksearch";
    wrap.appendChild(document.createTextNode(select.getAttribute("data-search") + " "));
    var box = document.createElement("input");
    box.type = "search";
    box.autocomplete = "off";
    wrap.appendChild(box);
    var anchor = select.closest("label") || select;
    anchor.parentNode.insertBefore(wrap, anchor);
    box.addEventListener("input", function () {
      var want = plain(box.value.trim());
      var shown = [];
      options.forEach(function (o, i) {
        var on = want === "" || words[i].indexOf(want) >= 0;
        o.hidden = !on;
        o.disabled = !on;
        if (on) { shown.push(o); }
      });
      if (shown.length === 1) {
        select.value = shown[0].value;
      } else if (select.selectedOptions.length && select.selectedOptions[0].hidden) {
        select.value = "";
      }
    });
    // Enter picks from the narrowed list instead of sending the form half filled.
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); select.focus(); }
    });
  });
})();
