// History page: filters apply on change; deleting asks first.
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { filters.submit(); });
    });
  }
  document.querySelectorAll("form.delete-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm("Delete this session and its files? This cannot be undone.")) e.preventDefault();
    });
  });
})();
