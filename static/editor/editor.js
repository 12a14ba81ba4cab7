/* Broadsheet's admin, our own small script (CSP: loaded from static/, no inline code).
 *
 * Every admin page: remember the browser's time zone in a cookie, so the server shows
 * and reads times in it (blog/admin/zones.py). The post form: "Schedule…" asks for a
 * time first. Without this script every form still works as a plain form.
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

  window.Broadsheet = window.Broadsheet || {};
  window.Broadsheet.readCookie = readCookie;

  document.addEventListener("DOMContentLoaded", function () {
    rememberZone();
    scheduleAsksForATime();
  });
})();
