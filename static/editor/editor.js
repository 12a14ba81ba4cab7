/* Broadsheet's admin, our own small script (CSP: loaded from static/, no inline code).
 *
 * Every admin page: remember the browser's time zone in a cookie, so the server shows
 * and reads times in it (blog/admin/zones.py). The post form (editorial/admin.py):
 * "Schedule…" asks for a time first; the body grows with its text; live word count,
 * reading time and a server-rendered preview (debounced); a warning before leaving with
 * unsaved changes. Autosave, the copy kept in the browser, the restore offers and signing
 * in again are autosave.js's. Without this script every form still works as a plain form.
 */
(function () {
  "use strict";

  var TZ_COOKIE = "broadsheet_tz";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? match[1] : "";
  }

  function rememberZone() {
    var zone = browserZone();
    if (!zone) return;
    var before = readCookie(TZ_COOKIE);
    // IANA names are cookie-safe (letters, "/", "_", "-", "+"): stored as they are.
    document.cookie = TZ_COOKIE + "=" + zone +
      "; path=/admin/; max-age=31536000; SameSite=Lax";
    // The form was drawn in another zone (first visit): draw it again in the writer's own,
    // unless they typed something already.
    var field = document.querySelector("input[name=_tz]");
    if (field && field.value !== zone && before !== zone && !window.broadsheetDirty) {
      window.location.reload();
    }
  }

  function scheduleAsksForATime() {
    var button = document.querySelector("button.action-schedule");
    var when = document.getElementById("id_published_at");
    if (!button || !when) return;
    button.addEventListener("click", function (event) {
      if (when.value) return;
      event.preventDefault();
      when.closest("fieldset").scrollIntoView({ block: "center" });
      when.focus();
      var row = when.closest(".form-row");
      if (row && !row.querySelector(".schedule-hint")) {
        var hint = document.createElement("p");
        hint.className = "schedule-hint errornote";
        hint.textContent = "Pick the date and time to publish, then press “Schedule…” again.";
        row.appendChild(hint);
      }
    });
  }

  var WORDS_PER_MINUTE = 200; // as blog/markdown.py
  var PREVIEW_DELAY_MS = 400;

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, form, fields) {
    var data = new FormData();
    Object.keys(fields).forEach(function (key) { data.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form) },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function growWithText(textarea) {
    function fit() {
      textarea.style.height = "auto";
      textarea.style.height = Math.max(textarea.scrollHeight + 4, 320) + "px";
    }
    textarea.addEventListener("input", fit);
    fit();
  }

  function countWords(text) {
    var words = text.trim().split(/\s+/).filter(Boolean).length;
    return { words: words, minutes: Math.max(1, Math.round(words / WORDS_PER_MINUTE)) };
  }

  function postEditor() {
    var form = document.querySelector("#post_form, #page_form");
    var body = document.getElementById("id_body");
    var config = document.getElementById("editor-config");
    if (!form || !body || !config || body.readOnly) return;
    var panel = document.querySelector(".editor-preview");
    var help = document.querySelector(".markdown-help");
    var bodyRow = body.closest(".form-row") || body.parentNode;

    // Title and Body first; the cheat sheet and the preview right under the body.
    bodyRow.classList.add("editor-body-row");
    bodyRow.parentNode.insertBefore(panel, bodyRow.nextSibling);
    if (help) bodyRow.parentNode.insertBefore(help, panel);
    panel.hidden = false;
    growWithText(body);

    var status = panel.querySelector(".autosave-status");
    var previewBox = panel.querySelector(".preview-body");
    var dirty = false;
    var submitting = false;
    var previewTimer = null;
    var previewSeq = 0;

    function showCounts() {
      var counts = countWords(body.value);
      panel.querySelector(".word-count").textContent =
        counts.words + (counts.words === 1 ? " word" : " words");
      panel.querySelector(".reading-time").textContent = counts.minutes + " min read";
    }

    function refreshPreview() {
      var seq = ++previewSeq;
      post(config.dataset.previewUrl, form, { body: body.value, post: config.dataset.post })
        .then(function (data) {
          if (seq !== previewSeq) return; // a newer request is on its way
          previewBox.innerHTML = data.html; // rendered and sanitised by blog/markdown.py
          panel.classList.remove("preview-failed");
        })
        .catch(function () { panel.classList.add("preview-failed"); });
    }

    function changed() {
      dirty = true;
      window.broadsheetDirty = true;
      status.textContent = "You have unsaved changes";
      showCounts();
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", function () { dirty = true; window.broadsheetDirty = true; });
    // A submit autosave.js holds (the session has ended) is no submit: still warn on leaving.
    form.addEventListener("submit", function (event) { submitting = !event.defaultPrevented; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty || submitting) return undefined;
      event.preventDefault();
      event.returnValue = "You have unsaved changes.";
      return event.returnValue;
    });

    if (/[?&]restore_autosave=/.test(window.location.search)) changed();

    // Narrow screens: Write and Preview as tabs.
    var write = panel.querySelector(".tab-write");
    var show = panel.querySelector(".tab-preview");
    function tab(previewing) {
      form.classList.toggle("previewing", previewing);
      write.setAttribute("aria-selected", String(!previewing));
      show.setAttribute("aria-selected", String(previewing));
    }
    write.addEventListener("click", function () { tab(false); });
    show.addEventListener("click", function () { tab(true); });

    showCounts();
    refreshPreview();
  }

  window.Broadsheet = window.Broadsheet || {};
  window.Broadsheet.readCookie = readCookie;

  document.addEventListener("DOMContentLoaded", function () {
    rememberZone();
    scheduleAsksForATime();
    postEditor();
  });
})();
