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
  document.addEventListener("DOMContentLoaded", wrapTables);
  document.addEventListener("htmx:afterSettle", wrapTables);
  window.addEventListener("resize", markScrollable);
})();
