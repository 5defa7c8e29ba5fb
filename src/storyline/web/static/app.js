// storyline pages: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box, as on many sites (unless the reader is typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    var box = document.getElementById("site-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // On a phone the story filters start folded (unless some are in use): the stories come first.
  var panel = document.getElementById("filter-panel");
  if (panel && !panel.hasAttribute("data-active") && window.matchMedia("(max-width: 600px)").matches) {
    panel.open = false;
  }

  // Timeline dots and article rows light each other up on hover and keyboard focus.
  function link(id, on) {
    var row = document.getElementById("a-" + id);
    if (row) row.classList.toggle("is-linked", on);
    document.querySelectorAll('.dot-link[data-article="' + CSS.escape(id) + '"]').forEach(function (dot) {
      dot.classList.toggle("is-linked", on);
    });
  }
  document.querySelectorAll(".dot-link[data-article]").forEach(function (dot) {
    var id = dot.getAttribute("data-article");
    ["mouseenter", "focus"].forEach(function (name) { dot.addEventListener(name, function () { link(id, true); }); });
    ["mouseleave", "blur"].forEach(function (name) { dot.addEventListener(name, function () { link(id, false); }); });
  });
  document.querySelectorAll(".article-row[id^='a-']").forEach(function (row) {
    var id = row.id.slice(2);
    row.addEventListener("mouseenter", function () { link(id, true); });
    row.addEventListener("mouseleave", function () { link(id, false); });
  });
})();
