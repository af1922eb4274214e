// A form whose kind select carries data-fields-by-kind (a JSON object: kind → the names of
// the fields that apply to it) shows only the chosen kind's fields. Without script every
// field shows, and the server checks the fields by kind either way. A field with an error
// is never hidden.
(function () {
  "use strict";
  function wrapper(name) {
    return document.getElementById("div_id_" + name);
  }
  function apply(select, byKind, all) {
    var shown = byKind[select.value] || all;
    all.forEach(function (name) {
      var box = wrapper(name);
      if (!box) return;
      var hasError = box.querySelector(".is-invalid, .invalid-feedback") !== null;
      box.hidden = shown.indexOf(name) === -1 && !hasError;
    });
  }
  document.querySelectorAll("select[data-fields-by-kind]").forEach(function (select) {
    var byKind = JSON.parse(select.getAttribute("data-fields-by-kind"));
    var all = [];
    Object.keys(byKind).forEach(function (kind) {
      byKind[kind].forEach(function (name) {
        if (all.indexOf(name) === -1) all.push(name);
      });
    });
    select.addEventListener("change", function () { apply(select, byKind, all); });
    apply(select, byKind, all);
  });
})();
