// Liaison's only script (CSP allows no inline code). Formset rows are added with htmx:
// a button with data-formset-prefix asks the server for one more row, and the formset's
// TOTAL_FORMS counter tells the server which index the new row takes.
(function () {
  "use strict";
  function totalForms(element) {
    const prefix = element.dataset.formsetPrefix;
    return prefix ? document.getElementById("id_" + prefix + "-TOTAL_FORMS") : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    const total = totalForms(event.detail.elt);
    if (total) event.detail.parameters.index = total.value;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const total = totalForms(event.detail.elt);
    if (total && event.detail.successful) total.value = String(Number(total.value) + 1);
  });
  // A button with data-print prints the page (the subject access report).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // The navigation menu folds behind a button on narrow screens (Bootstrap's CSS, our
  // toggle: no Bootstrap script is loaded). Escape closes it and returns to the button.
  function setMenu(toggle, open) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("show", open);
  }
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-menu-toggle][aria-expanded=true]").forEach(function (toggle) {
      const menu = document.getElementById(toggle.getAttribute("aria-controls"));
      if (menu && menu.contains(document.activeElement)) toggle.focus();
      setMenu(toggle, false);
    });
  });

  // Tables scroll sideways inside a labelled region instead of widening the page. A region
  // that really scrolls takes keyboard focus (so it can be scrolled without a mouse).
  function regionLabel(table) {
    const caption = table.querySelector("caption");
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    if (caption) return caption.textContent.trim();
    let node = table.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) node = node.previousElementSibling;
    return node ? node.textContent.trim() : document.title;
  }
  function wrapTables() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-responsive")) return;
      const region = document.createElement("div");
      region.className = "table-responsive";
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    });
    document.querySelectorAll("main .table-responsive").forEach(function (region) {
      const table = region.querySelector("table");
      region.setAttribute("role", "region");
      if (table && !region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
        region.setAttribute("aria-label", regionLabel(table));
      }
    });
    markScrollable();
  }
  function markScrollable() {
    document.querySelectorAll("main .table-responsive").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth) region.setAttribute("tabindex", "0");
      else region.removeAttribute("tabindex");
    });
  }
  document.addEventListener("htmx:afterSettle", wrapTables);
  window.addEventListener("resize", markScrollable);

  // Removable rows. Without this script each row has a "Remove" checkbox (the formset's
  // DELETE field), which works as is. With it, the checkbox becomes a button that ticks
  // it and hides the row; the server then leaves the row out.
  function enhanceRows(root) {
    root.querySelectorAll("input[data-remove-row]").forEach(function (box) {
      if (box.dataset.enhanced) return;
      box.dataset.enhanced = "1";
      const row = box.closest(".formset-row");
      const wrapper = box.closest(".form-check");
      const label = wrapper ? wrapper.querySelector("label") : null;
      if (!row || !wrapper || !label) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-danger btn-sm mb-3";
      button.textContent = label.textContent;
      button.dataset.removeButton = "";
      wrapper.hidden = true;
      wrapper.after(button);
      if (box.checked) row.hidden = true;
      button.addEventListener("click", function () {
        box.checked = true;
        row.hidden = true;
        // Focus goes where the user can carry on: the next visible row, or the add button.
        const fieldset = row.closest("fieldset");
        let next = row.nextElementSibling;
        while (next && next.hidden) next = next.nextElementSibling;
        const target = next
          ? next.querySelector("input:not([type=hidden]), select, textarea")
          : fieldset && fieldset.querySelector("[data-formset-prefix]");
        if (target) target.focus();
      });
    });
  }

  // The error summary takes focus when the page opens, so that a screen reader reads it
  // and a keyboard user starts from it; its links move focus to the field concerned.
  function focusSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    const row = field.closest(".formset-row");
    if (row) row.hidden = false;
    field.focus();
    field.scrollIntoView({ block: "center" });
  });

  // A form with data-submit-once is sent once per page view: a second click while the
  // first request runs is ignored (the server's one-time token covers back-then-save).
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-submit-once]");
    if (!form) return;
    if (form.dataset.submitted) event.preventDefault();
    else form.dataset.submitted = "1";
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
    });
  });

  document.addEventListener("htmx:load", function (event) {
    enhanceRows(event.detail.elt);
  });
  function start() {
    enhanceRows(document);
    focusSummary();
    wrapTables();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
