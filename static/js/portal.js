// Progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Suggest an organization's name from its display name until the user edits it.
  function suggestName(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/-{2,}/g, "-")
      .replace(/^[-_]+|[-_]+$/g, "")
      .slice(0, 50)
      .replace(/[-_]+$/g, "");
  }
  document.querySelectorAll("[data-name-from]").forEach(function (nameInput) {
    var source = document.getElementById(nameInput.dataset.nameFrom);
    if (!source) return;
    var edited = nameInput.value !== "" && nameInput.value !== suggestName(source.value);
    nameInput.addEventListener("input", function () { edited = nameInput.value !== ""; });
    source.addEventListener("input", function () {
      if (!edited) nameInput.value = suggestName(source.value);
    });
  });

  // A colour picker beside each #RRGGBB text field, kept in step with it.
  document.querySelectorAll("input[data-color-picker]").forEach(function (text) {
    var picker = document.createElement("input");
    picker.type = "color";
    picker.className = "form-control form-control-color color-swatch mt-1";
    picker.setAttribute("aria-label", "Pick a colour");
    if (/^#[0-9a-fA-F]{6}$/.test(text.value)) picker.value = text.value;
    picker.addEventListener("input", function () { text.value = picker.value.toUpperCase(); });
    text.addEventListener("input", function () {
      if (/^#[0-9a-fA-F]{6}$/.test(text.value)) picker.value = text.value;
    });
    text.insertAdjacentElement("afterend", picker);
  });

  // "Invite members now" and the like: enabled only while a number field exceeds a bound.
  document.querySelectorAll("[data-enabled-when-above]").forEach(function (input) {
    var parts = input.dataset.enabledWhenAbove.split(":");
    var source = document.getElementById(parts[0]);
    var bound = parseInt(parts[1], 10);
    if (!source) return;
    function update() {
      var enabled = parseInt(source.value, 10) > bound;
      input.disabled = !enabled;
      if (!enabled) input.checked = false;
    }
    source.addEventListener("input", update);
    update();
  });

  // Metadata rows: add a row from the empty-form template, hide removed rows.
  var rows = document.getElementById("metadata-rows");
  var addButton = document.getElementById("metadata-add");
  var template = document.getElementById("metadata-empty-row");
  if (rows && addButton && template) {
    addButton.hidden = false;
    var prefix = rows.dataset.prefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      rows.lastElementChild.querySelector("input").focus();
    });
    rows.addEventListener("change", function (event) {
      if (event.target.classList.contains("metadata-delete")) {
        event.target.closest(".metadata-row").classList.toggle("opacity-50", event.target.checked);
      }
    });
  }
})();
