/* Coopé's few behaviours, in one file served by Coopé itself: the Content-Security-Policy
   runs no inline script and no inline handler (onclick=, onchange=...). Each behaviour is asked
   for by a data- attribute, and listens on the document, so content htmx swaps in works too.
   Without JavaScript every page still works (forms submit, the menu stays open). */
(function () {
  "use strict";

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  // On a phone the menu folds behind its button.
  ready(function () {
    var button = document.querySelector(".menu-toggle"), menu = document.getElementById("main-menu");
    if (!button || !menu) return;
    document.documentElement.classList.add("menu-folds");
    function show(open) { button.setAttribute("aria-expanded", String(open)); menu.classList.toggle("open", open); }
    button.addEventListener("click", function () { show(button.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") { show(false); button.focus(); }
    });
  });

  // <select data-submit-on-change>: choosing submits its form (a filter).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-submit-on-change]");
    if (select && select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
  });

  // <form data-confirm="Question ?">: asked before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // <a data-back href="...">: back to the page before (the form as filled), else the link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-back]");
    if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  // A volunteer found by the search joins the team (volunteer hours).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-add-to-team]");
    if (!button) return;
    var team = document.getElementById("team"), id = button.dataset.person;
    var existing = team.querySelector('input[value="' + CSS.escape(id) + '"]');
    if (existing) {
      existing.checked = true;
    } else {
      var item = document.createElement("li"), label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox"; box.name = "people"; box.value = id; box.checked = true;
      label.append(box, " " + button.dataset.name);
      item.append(label);
      team.append(item);
    }
    button.textContent = button.dataset.added;
    button.disabled = true;
  });

  // A person ticked among the search results joins the chosen ones, so that another search
  // keeps it (TIC-TAC exchanges).
  document.addEventListener("change", function (event) {
    var box = event.target.closest("input[data-pick-person]");
    if (!box) return;
    var chosen = document.getElementById("chosen-" + box.name), item = box.closest("li");
    if (!chosen || !item) return;
    if (box.type === "radio") {
      chosen.querySelectorAll("li").forEach(function (other) { if (other !== item) other.remove(); });
    }
    if (box.checked && item.parentElement !== chosen) {
      var existing = chosen.querySelector('input[value="' + CSS.escape(box.value) + '"]');
      if (existing) { existing.checked = true; item.remove(); } else { chosen.append(item); }
    }
  });

  // <span data-count="li.present" data-count-in=".ticks">: the number of matching rows, kept
  // exact whatever order the answers arrive in (the roll call's « Présents »).
  ready(function () {
    document.querySelectorAll("[data-count][data-count-in]").forEach(function (counter) {
      var list = document.querySelector(counter.dataset.countIn);
      if (!list) return;
      new MutationObserver(function () {
        counter.textContent = list.querySelectorAll(counter.dataset.count).length;
      }).observe(list, { childList: true, subtree: true, attributes: true });
    });
  });

  // The import page: the chosen kind's columns open below the form; a whole workbook shows
  // them all closed.
  ready(function () {
    var helps = document.querySelectorAll("details.kind-help[data-kind]");
    if (!helps.length) return;
    document.querySelectorAll('input[name="kind"]').forEach(function (radio) {
      function show() {
        if (!radio.checked) return;
        helps.forEach(function (details) { details.open = details.dataset.kind === radio.value; });
      }
      radio.addEventListener("change", show);
      show();
    });
  });
})();
