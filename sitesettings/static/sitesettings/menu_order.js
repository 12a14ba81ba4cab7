// Up and down buttons beside each menu item's position (admin: site settings).
// Moving a row swaps it with its neighbour and numbers the positions of the rows that
// have a target in their new order (10, 20, …); rows still empty keep theirs, so they
// stay unchanged forms. Without JavaScript the position fields do the same job.
(function () {
  "use strict";
  const TARGETS = ["page", "category", "tag", "author", "url"];

  function rows(table) {
    return Array.from(table.querySelectorAll("tr.form-row")).filter(
      (row) => !row.classList.contains("empty-form") && row.querySelector("input[name$='-position']")
    );
  }

  function hasTarget(row) {
    return TARGETS.some((name) => {
      const field = row.querySelector(`[name$='-${name}']`);
      return field && field.value.trim() !== "";
    });
  }

  function renumber(table) {
    let position = 10;
    for (const row of rows(table)) {
      if (hasTarget(row)) {
        row.querySelector("input[name$='-position']").value = String(position);
        position += 10;
      }
    }
  }

  function move(row, step) {
    const table = row.closest("table");
    const all = rows(table);
    const index = all.indexOf(row);
    const other = all[index + step];
    if (!other) return;
    if (step < 0) other.before(row);
    else other.after(row);
    renumber(table);
    row.querySelector(`button[data-move='${step}']`).focus();
  }

  function button(label, step, row) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "menu-move";
    element.dataset.move = String(step);
    element.textContent = step < 0 ? "↑" : "↓";
    element.setAttribute("aria-label", label);
    element.title = label;
    element.addEventListener("click", () => move(row, step));
    return element;
  }

  function decorate(row) {
    const input = row.querySelector("input[name$='-position']");
    if (!input || row.querySelector(".menu-move")) return;
    input.after(button("Move up", -1, row), button("Move down", 1, row));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const group = document.getElementById("menu_items-group");
    if (!group) return;
    group.querySelectorAll("tr.form-row:not(.empty-form)").forEach(decorate);
    document.addEventListener("formset:added", (event) => decorate(event.target));
  });
})();
