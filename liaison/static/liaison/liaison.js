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
})();
