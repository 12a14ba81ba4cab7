/*
 * The post editor on a wide screen (static/editor/editor.css, `min-width: 1100px`): the
 * body and its preview side by side, the preview sticky and kept on the paragraph the
 * caret is in, the body a box of fixed height with its own scroll bar. Narrower screens
 * keep the layout of editor.js: preview under the body, Write / Preview tabs on phones.
 *
 * editor.js fills `.preview-body` and moves the preview panel under the body's row; this
 * script only puts the body's row, the cheat sheet and the panel in one grid
 * (`.editor-split`) and scrolls the preview. How the caret finds its block: the body is
 * cut into top-level blocks as Markdown does (runs of non-blank lines; a heading is a
 * block of its own; a fenced code block is one block, blank lines included), and the
 * caret's block is mapped to the preview's top-level element of the same rank, or in
 * proportion when the counts differ (a loose list is one element, several runs).
 */
(function () {
  "use strict";

  var WIDE = "(min-width: 1100px)"; // as in editor.css

  /* How many top-level blocks start before `end` in `text` (the caret's block, 1-based). */
  function blocksBefore(text, end) {
    var lines = text.slice(0, end).split("\n");
    var count = 0;
    var inBlock = false;
    var fence = null;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (fence) {
        if (line.trim().indexOf(fence) === 0) fence = null;
        continue;
      }
      var opens = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (opens) {
        count++;
        inBlock = false;
        fence = opens[1];
        continue;
      }
      if (!line.trim()) {
        inBlock = false;
      } else if (/^ {0,3}#{1,6}(\s|$)/.test(line)) {
        count++;
        inBlock = false; // a heading ends where its line does
      } else if (!inBlock) {
        count++;
        inBlock = true;
      }
    }
    return count;
  }

  function sidePreview() {
    var form = document.querySelector("#post_form, #page_form");
    var body = document.getElementById("id_body");
    var panel = document.querySelector(".editor-preview");
    if (!form || !body || !panel || body.readOnly) return;
    if (panel.hidden) {
      // Not shown yet (editor.js shows it once it has set the editor up): wait for it.
      var shown = new MutationObserver(function () {
        if (panel.hidden) return;
        shown.disconnect();
        arrange(body, panel);
      });
      shown.observe(panel, { attributes: true, attributeFilter: ["hidden"] });
      return;
    }
    arrange(body, panel);
  }

  function arrange(body, panel) {
    var previewBox = panel.querySelector(".preview-body");
    var bodyRow = body.closest(".form-row") || body.parentNode;
    var help = document.querySelector(".markdown-help");

    var split = document.createElement("div");
    split.className = "editor-split";
    bodyRow.parentNode.insertBefore(split, bodyRow);
    split.appendChild(bodyRow);
    if (help) split.appendChild(help);
    split.appendChild(panel);

    var wide = window.matchMedia(WIDE);
    var pending = false;
    var current = null;

    function follow() {
      pending = false;
      if (!wide.matches) return;
      var blocks = previewBox.children;
      if (!blocks.length) return;
      var text = body.value;
      var total = Math.max(1, blocksBefore(text, text.length));
      var at = Math.max(1, blocksBefore(text, body.selectionStart)) - 1;
      var index = total === blocks.length
        ? at
        : Math.round((at * (blocks.length - 1)) / Math.max(1, total - 1));
      var block = blocks[Math.min(blocks.length - 1, Math.max(0, index))];
      if (current && current !== block) current.classList.remove("preview-current");
      block.classList.add("preview-current");
      current = block;
      // Scroll the preview's own box (not the page): the block a third of the way down.
      var boxTop = previewBox.getBoundingClientRect().top - previewBox.scrollTop;
      var blockTop = block.getBoundingClientRect().top - boxTop;
      var wanted = blockTop - previewBox.clientHeight / 3;
      previewBox.scrollTop = Math.max(0, wanted);
    }

    function soon() {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(follow);
    }

    ["keyup", "click", "input", "focus", "select"].forEach(function (name) {
      body.addEventListener(name, soon);
    });
    document.addEventListener("selectionchange", function () {
      if (document.activeElement === body) soon();
    });
    // The preview is redrawn a moment after typing (editor.js): follow it again then.
    new MutationObserver(soon).observe(previewBox, { childList: true });
    if (wide.addEventListener) wide.addEventListener("change", soon);
  }

  window.Broadsheet = window.Broadsheet || {};
  window.Broadsheet.blocksBefore = blocksBefore;

  // After editor.js's own DOMContentLoaded handler (its script comes first in the page).
  document.addEventListener("DOMContentLoaded", sidePreview);
})();
