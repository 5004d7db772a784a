/* Progressive enhancement of the pages (they work without it): a "Afficher" checkbox under each password field,
   so that a student typing on a phone can check what was typed. Self-hosted; the CSP allows scripts from our
   origin only, never inline. */
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[type=password]");
  Array.prototype.forEach.call(fields, function (field) {
    var group = document.createElement("div");
    group.className = "fr-checkbox-group fr-checkbox-group--sm ent-show-password";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = field.id + "-afficher";
    box.setAttribute("aria-controls", field.id);
    var label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = box.id;
    label.textContent = "Afficher le mot de passe";
    box.addEventListener("change", function () {
      field.type = box.checked ? "text" : "password";
    });
    // Sent hidden again: a form never posts or keeps the password in clear because of the checkbox.
    if (field.form) {
      field.form.addEventListener("submit", function () { field.type = "password"; });
    }
    group.appendChild(box);
    group.appendChild(label);
    var after = field.parentNode.querySelector(".fr-error-text") || field;
    after.insertAdjacentElement("afterend", group);
  });
})();
