/* The post form never loses a word (issue 29): our own small script, loaded on every admin
 * page (templates/admin/base_site.html); CSP-safe, no inline code.
 *
 * - Autosave: every few seconds while the form changes, the whole form (every field) goes
 *   to the server (editorial/admin.py): a post's autosave, or for a post not saved yet the
 *   autosave of the form's draft key, so two "Add post" tabs keep two drafts.
 * - A copy in this browser (localStorage), written as the writer types, one per post or
 *   new-post draft key and writer; cleared when the page after a submit says it saved.
 *   It is offered when the form loads without it (a reload one second after typing; the
 *   session ended and the save went to the login page), and listed with the server's
 *   unsaved new posts above "Add post".
 * - The session: a signed-out autosave (redirect to the login page, or 401) or a heartbeat
 *   (every minute, and when the tab comes back into view) says the session has ended: the
 *   page says so and offers to sign in again in place (the admin's own login form, posted
 *   with fetch), then puts the new CSRF token in the page's forms, so "Save" works. A
 *   "Save" pressed meanwhile is held, not sent to the login page.
 * - "Log out" in this browser forgets its copies (a shared computer keeps no text).
 * Without JavaScript the offers still work (links and forms drawn by the server).
 */
(function () {
  "use strict";

  var AUTOSAVE_EVERY_MS = 5000;
  var LOCAL_WRITE_DELAY_MS = 250;
  var HEARTBEAT_EVERY_MS = 60000;
  var LOCAL_KEPT_DAYS = 30;
  var PREFIX = "broadsheet-edit:"; // + user id + ":post:" + post id, or ":new:" + draft key
  var SAVING = "broadsheet-saving"; // sessionStorage: the local copy a submit is saving
  var NOT_KEPT = {
    csrfmiddlewaretoken: true, _tz: true, _draft_key: true, _action: true,
    _save: true, _continue: true, _addanother: true,
  };
  var NOT_COMPARED = { version: true }; // restored (a conflict is then told), never compared
  var ENDED = "Your session has ended. Sign in again to save; your text is kept in this browser.";

  // --- the copy in this browser ----------------------------------------------------------

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function readCopy(key) {
    try {
      var copy = JSON.parse(store().getItem(key) || "null");
      return copy && copy.fields ? copy : null;
    } catch (e) { return null; }
  }

  var signingOut = false;

  function writeCopy(key, copy) {
    if (signingOut) return;
    try { store().setItem(key, JSON.stringify(copy)); } catch (e) { /* full or refused */ }
  }

  function dropCopy(key) {
    try { store().removeItem(key); } catch (e) { /* nothing kept */ }
  }

  function copyKeys(prefix) {
    var keys = [];
    var storage = store();
    if (!storage) return keys;
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(prefix) === 0) keys.push(key);
    }
    return keys;
  }

  /* The page after a submit: a success message means the copy it was saving is saved. */
  function clearSavedCopy() {
    var saving = null;
    try {
      saving = window.sessionStorage.getItem(SAVING);
      window.sessionStorage.removeItem(SAVING);
    } catch (e) { return; }
    if (saving && document.querySelector(".messagelist .success")) dropCopy(saving);
    var login = document.getElementById("login-form");
    if (saving && login && readCopy(saving)) { // the save went to the login page instead
      login.parentNode.insertBefore(make("p", { class: "errornote session-ended-note" },
        "Your session had ended, so nothing was saved. Your text is kept in this browser: " +
        "sign in, and the post's form offers it."), login);
    }
  }

  function skipped(element) {
    return !element.name || NOT_KEPT[element.name] || element.disabled ||
      /^(submit|button|reset|file|image)$/.test(element.type);
  }

  /* Every field of the form as {fields: {name: [values]}, labels: {name: {value: text}}}:
   * the labels name the chosen options of an autocomplete, which lists only those. */
  function snapshot(form) {
    var fields = {};
    var labels = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (skipped(element)) return;
      var name = element.name;
      var values = fields[name] || (fields[name] = []);
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) values.push(element.value);
      } else if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.options, function (option) {
          if (!option.selected) return;
          values.push(option.value);
          (labels[name] || (labels[name] = {}))[option.value] = option.text;
        });
      } else {
        values.push(element.value);
      }
    });
    return { fields: fields, labels: labels };
  }

  function first(copy, name) {
    var values = copy.fields[name];
    return values && values.length ? String(values[0]) : "";
  }

  function hasText(copy) {
    return ["title", "body", "excerpt"].some(function (name) { return first(copy, name).trim(); });
  }

  function normalised(values) {
    return (values || []).map(function (v) { return String(v).replace(/\r\n?/g, "\n"); }).sort();
  }

  /* Would restoring `copy` change what the form holds? (Fields of both only.) */
  function sameAsForm(copy, now) {
    return Object.keys(copy.fields).every(function (name) {
      if (NOT_COMPARED[name] || !(name in now.fields)) return true;
      return JSON.stringify(normalised(copy.fields[name])) ===
        JSON.stringify(normalised(now.fields[name]));
    });
  }

  function draftName(copy) {
    var title = first(copy, "title").trim();
    if (title) return title;
    var words = (first(copy, "body").trim() || first(copy, "excerpt").trim()).split(/\s+/);
    return words.slice(0, 12).join(" ") + (words.length > 12 ? "…" : "");
  }

  /* "2026-12-05 10:50:10 UTC": the form the server's own times take on the same page. */
  function moment(at) {
    var d = new Date(at);
    if (isNaN(d.getTime())) return "";
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    var zone = "";
    try {
      zone = new Intl.DateTimeFormat("en-GB", { timeZoneName: "short" }).formatToParts(d)
        .filter(function (part) { return part.type === "timeZoneName"; })[0].value;
    } catch (e) { zone = ""; }
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      (zone ? " " + zone : "");
  }

  /* Put `copy` into the form: the title first (Django's slug prepopulation follows its
   * "change"), the slug last; events as typing sends them (preview, counts, select2). */
  function fill(form, copy) {
    var rank = function (name) { return name === "title" ? 0 : name === "slug" ? 2 : 1; };
    Object.keys(copy.fields).sort(function (a, b) { return rank(a) - rank(b); })
      .forEach(function (name) {
        if (NOT_KEPT[name]) return;
        var values = copy.fields[name].map(String);
        var labels = (copy.labels || {})[name] || {};
        Array.prototype.forEach.call(form.elements, function (element) {
          if (element.name !== name || skipped(element)) return;
          if (element.type === "checkbox" || element.type === "radio") {
            element.checked = values.indexOf(element.value) >= 0;
          } else if (element.tagName === "SELECT") {
            values.forEach(function (value) {
              var known = Array.prototype.some.call(element.options, function (option) {
                return option.value === value;
              });
              if (!known && value !== "") element.add(new Option(labels[value] || value, value));
            });
            Array.prototype.forEach.call(element.options, function (option) {
              option.selected = values.indexOf(option.value) >= 0;
            });
          } else {
            element.value = values.length ? values[0] : "";
          }
          element.dispatchEvent(new Event("input", { bubbles: true }));
          element.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
  }

  function make(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      element.setAttribute(name, attributes[name]);
    });
    if (text) element.textContent = text;
    return element;
  }

  // --- the post form ---------------------------------------------------------------------

  function postForm() {
    var form = document.querySelector("#post_form, #page_form");
    var config = document.getElementById("autosave-config");
    var editorConfig = document.getElementById("editor-config");
    var body = document.getElementById("id_body");
    if (!form || !config || !editorConfig || !body || body.readOnly) return;
    var keyField = form.querySelector("input[name=_draft_key]");
    var dataScript = document.getElementById("autosave-data");
    var server = dataScript ? JSON.parse(dataScript.textContent) : {};
    var sessionUrl = config.dataset.sessionUrl;
    var userPrefix = PREFIX + config.dataset.user + ":";

    function localKey() {
      return userPrefix + (config.dataset.post
        ? "post:" + config.dataset.post
        : "new:" + (keyField ? keyField.value : ""));
    }

    function say(text) {
      var status = document.querySelector(".autosave-status");
      if (status) status.textContent = text;
    }

    // The copy in this browser, written as the writer types (not while an older copy of
    // the same form waits for "Restore" or "Discard": typing must not overwrite it).
    var writeTimer = null;
    var heldCopyKey = null;

    function keepLocally() {
      clearTimeout(writeTimer);
      writeTimer = null;
      var key = localKey();
      if (key === heldCopyKey) return;
      var copy = snapshot(form);
      if (!hasText(copy) && !readCopy(key)) return;
      copy.at = Date.now();
      writeCopy(key, copy);
    }

    var changedSinceAutosave = /[?&]restore_autosave=/.test(window.location.search);
    function typed() {
      changedSinceAutosave = true;
      clearTimeout(writeTimer);
      writeTimer = setTimeout(keepLocally, LOCAL_WRITE_DELAY_MS);
    }
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    window.addEventListener("pagehide", function () { if (writeTimer) keepLocally(); });

    // --- the session ---------------------------------------------------------------------

    var sessionEnded = false;
    var prompt = null;

    function setToken(token) {
      if (!token) return;
      document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
        input.value = token;
      });
    }

    function token() {
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    /* Resolves to the session endpoint's answer: {signed_in, csrf_token, username}. */
    function askSession() {
      return fetch(sessionUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
        .then(function (response) { return response.json(); });
    }

    /* true: signed in (as this page's writer; the page's token refreshed); false: ended. */
    function checkSession() {
      return askSession().then(function (data) {
        var same = data.signed_in && data.username === config.dataset.username;
        if (same) {
          setToken(data.csrf_token);
          if (sessionEnded) signedInAgain();
        } else {
          ended();
        }
        return same;
      });
    }

    function ended() {
      if (sessionEnded) return;
      sessionEnded = true;
      keepLocally();
      say(ENDED);
      showSignIn();
    }

    function showSignIn() {
      if (prompt) {
        prompt.hidden = false;
        return;
      }
      prompt = make("div", {
        class: "session-ended", role: "alertdialog", "aria-labelledby": "session-ended-message",
      });
      prompt.appendChild(make("p", { id: "session-ended-message" }, ENDED));
      var signIn = make("form", { class: "session-sign-in", method: "post", action: config.dataset.loginUrl });
      var user = make("input", {
        id: "session-username", name: "username", autocomplete: "username", required: "",
      });
      user.value = config.dataset.username || "";
      var password = make("input", {
        id: "session-password", name: "password", type: "password",
        autocomplete: "current-password", required: "",
      });
      var button = make("button", { type: "submit", class: "button default" }, "Sign in");
      var problem = make("p", { class: "errornote", role: "alert" });
      problem.hidden = true;
      signIn.appendChild(make("label", { for: "session-username" }, "Username"));
      signIn.appendChild(user);
      signIn.appendChild(make("label", { for: "session-password" }, "Password"));
      signIn.appendChild(password);
      signIn.appendChild(button);
      prompt.appendChild(signIn);
      prompt.appendChild(problem);
      document.body.appendChild(prompt);

      signIn.addEventListener("submit", function (event) {
        event.preventDefault();
        button.disabled = true;
        problem.hidden = true;
        askSession()
          .then(function (data) {
            var fields = new FormData();
            fields.append("username", user.value);
            fields.append("password", password.value);
            fields.append("csrfmiddlewaretoken", data.csrf_token);
            fields.append("next", sessionUrl);
            return fetch(config.dataset.loginUrl, {
              method: "POST", body: fields, credentials: "same-origin", redirect: "manual",
            });
          })
          .then(function (response) {
            if (response.type === "opaqueredirect") return checkSession(); // signed in
            return response.text().then(function (html) {
              var page = new DOMParser().parseFromString(html, "text/html");
              var note = page.querySelector(".errornote, .errorlist");
              throw new Error(note ? note.textContent.trim()
                : "Could not sign in (HTTP " + response.status + "). Try again.");
            });
          })
          .then(function (same) {
            if (!same) throw new Error("Sign in as " + config.dataset.username + " to save this post.");
            password.value = "";
          })
          .catch(function (error) {
            problem.textContent = error.message || "Could not sign in. Try again.";
            problem.hidden = false;
          })
          .then(function () { button.disabled = false; });
      });
    }

    function signedInAgain() {
      sessionEnded = false;
      changedSinceAutosave = true; // what was typed meanwhile goes to the server now
      if (prompt) prompt.hidden = true;
      say("Signed in again. Your text is here: press a button to save it.");
    }

    var lastCheck = 0;
    function heartbeat() {
      if (sessionEnded || Date.now() - lastCheck < 5000) return;
      lastCheck = Date.now();
      checkSession().catch(function () { /* offline: the next one tells */ });
    }
    setInterval(heartbeat, HEARTBEAT_EVERY_MS);
    window.addEventListener("focus", heartbeat);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") heartbeat();
    });

    // A submit while signed out would land on the login page: held, the sign-in shown.
    // (Capturing on the document: before the form's own listeners, which see it held.)
    document.addEventListener("submit", function (event) {
      if (event.target !== form) return;
      keepLocally();
      if (sessionEnded) {
        event.preventDefault();
        showSignIn();
        (document.getElementById("session-password") || form).focus();
        return;
      }
      submitting = true;
      try { window.sessionStorage.setItem(SAVING, localKey()); } catch (e) { /* no marker */ }
    }, true);

    // --- autosave to the server ----------------------------------------------------------

    var submitting = false;
    var inFlight = false;
    var refusedInARow = 0;
    var autosaveUrl = editorConfig.dataset.autosaveUrl;

    function autosave() {
      if (!autosaveUrl || !changedSinceAutosave || submitting || sessionEnded || inFlight) return;
      changedSinceAutosave = false;
      inFlight = true;
      fetch(autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": token() },
      })
        .then(function (response) {
          if (response.type === "opaqueredirect" || response.status === 401) {
            changedSinceAutosave = true;
            ended();
            return;
          }
          if (response.status === 403) { // a rotated CSRF token, signed out, or no longer ours
            changedSinceAutosave = true;
            refusedInARow += 1;
            return checkSession().then(function (same) {
              // Signed in with a fresh token and still refused: the post is no longer this
              // writer's to change (published or returned meanwhile). Say so; keep trying.
              if (same && refusedInARow > 1) {
                say("You have unsaved changes (autosave refused: you may no longer change " +
                    "this post; your text is kept in this browser)");
              }
            });
          }
          refusedInARow = 0;
          return response.json().then(function (data) {
            if (!response.ok) {
              say("You have unsaved changes (autosave refused: " + (data.error || response.status) + ")");
              return;
            }
            say("Autosaved at " + data.when + " (not yet saved)");
          });
        })
        .catch(function () {
          changedSinceAutosave = true;
          say("You have unsaved changes (autosave failed, retrying)");
        })
        .then(function () { inFlight = false; });
    }
    setInterval(autosave, AUTOSAVE_EVERY_MS);

    // --- the offers: restore in place --------------------------------------------------

    var now = snapshot(form);

    function offerBox(className, text) {
      var box = make("div", { class: "autosave-offer " + className, role: "alert" });
      box.appendChild(make("p", {}, text));
      config.parentNode.insertBefore(box, config.nextSibling);
      return box;
    }

    function button(text, className, label) {
      var attributes = { type: "button", class: "button " + className };
      if (label) attributes["aria-label"] = label;
      return make("button", attributes, text);
    }

    function restore(copy, key) {
      if (keyField && key) keyField.value = key;
      heldCopyKey = null;
      fill(form, copy);
      keepLocally();
    }

    /* The copy to restore: this browser's, unless the server's holds the same fields or is
     * newer (another browser's). */
    function newer(local, serverCopy) {
      if (!local) return serverCopy;
      if (!serverCopy) return local;
      if (sameAsForm(local, serverCopy)) return serverCopy;
      return local.at >= Date.parse(serverCopy.saved_at) ? local : serverCopy;
    }

    if (config.dataset.post) {
      // A post: the server's autosave, and this browser's copy if it differs from the form.
      var key = localKey();
      var local = readCopy(key);
      if (local && sameAsForm(local, now)) {
        dropCopy(key);
        local = null;
      }
      var serverOffer = form.querySelector(".autosave-offer.post-autosave");
      var serverCopy = server.post || null;
      if (serverOffer && serverCopy) {
        var chosen = newer(local, serverCopy);
        if (chosen === local) serverOffer.hidden = true; // the browser's copy is newer
        serverOffer.querySelector(".autosave-restore").addEventListener("click", function (event) {
          event.preventDefault();
          serverOffer.hidden = true;
          restore(serverCopy);
        });
        if (chosen !== local) local = null;
      }
      if (local) {
        heldCopyKey = key;
        var box = offerBox("local-copy", "This browser kept changes you typed at " + moment(local.at) +
          " that are not saved.");
        var restoreButton = button("Restore them", "autosave-restore");
        var discardButton = button("Discard them", "autosave-discard");
        box.appendChild(restoreButton);
        box.appendChild(discardButton);
        restoreButton.addEventListener("click", function () {
          box.hidden = true;
          restore(local);
        });
        discardButton.addEventListener("click", function () {
          box.hidden = true;
          heldCopyKey = null;
          dropCopy(key);
        });
      }
    } else if (keyField) {
      // "Add post": the unsaved new posts, on the server and in this browser.
      var drafts = server.drafts || {};
      var list = form.querySelector(".new-post-drafts .autosave-drafts");
      var listed = {};
      var own = localKey();
      var ownCopy = readCopy(own);
      if (ownCopy && sameAsForm(ownCopy, now)) dropCopy(own);

      var rowRestored = function (row, copy, draftKey) {
        restore(copy, draftKey);
        row.remove();
        if (list && !list.children.length) list.closest(".autosave-offer").hidden = true;
      };

      if (list) {
        list.querySelectorAll(".autosave-draft").forEach(function (row) {
          var draftKey = row.dataset.draftKey;
          var copyKey = userPrefix + "new:" + draftKey;
          listed[copyKey] = true;
          var local = readCopy(copyKey);
          if (local && !hasText(local)) local = null;
          var copy = drafts[draftKey]
            ? newer(local, drafts[draftKey])
            : local && local.at >= Date.parse(row.dataset.savedAt) ? local : null;
          row.querySelector(".autosave-restore").addEventListener("click", function (event) {
            if (!copy) return; // not in the page: the link draws the form on the server
            event.preventDefault();
            rowRestored(row, copy, draftKey);
          });
          row.querySelector(".autosave-discard").addEventListener("click", function () {
            dropCopy(copyKey); // the server's goes with the form this button posts
          });
        });
      }

      var cutoff = Date.now() - LOCAL_KEPT_DAYS * 86400000;
      copyKeys(userPrefix + "new:").forEach(function (copyKey) {
        if (listed[copyKey]) return;
        var copy = readCopy(copyKey);
        if (!copy || !hasText(copy) || !(copy.at > cutoff)) {
          if (copyKey !== own) dropCopy(copyKey);
          return;
        }
        if (copyKey === own && sameAsForm(copy, now)) return;
        if (copyKey === own) heldCopyKey = own;
        if (!list) {
          var box = offerBox("new-post-drafts", "You have unsaved new posts, kept in this browser:");
          list = make("ul", { class: "autosave-drafts" });
          box.appendChild(list);
        }
        var name = draftName(copy);
        var row = make("li", { class: "autosave-draft local-copy" });
        row.appendChild(make("span", { class: "draft-name" }, "“" + name + "”"));
        row.appendChild(document.createTextNode(", "));
        row.appendChild(make("span", { class: "draft-when" },
          "typed at " + moment(copy.at) + ", kept in this browser"));
        var restoreButton = button("Restore", "autosave-restore", "Restore “" + name + "”");
        var discardButton = button("Discard", "autosave-discard", "Discard “" + name + "”");
        row.appendChild(document.createTextNode(" "));
        row.appendChild(restoreButton);
        row.appendChild(document.createTextNode(" "));
        row.appendChild(discardButton);
        list.appendChild(row);
        restoreButton.addEventListener("click", function () {
          rowRestored(row, copy, copyKey.slice((userPrefix + "new:").length));
        });
        discardButton.addEventListener("click", function () {
          if (heldCopyKey === copyKey) heldCopyKey = null;
          dropCopy(copyKey);
          row.remove();
          if (!list.children.length) list.closest(".autosave-offer").hidden = true;
        });
      });
    }
  }

  /* Signing out on purpose (the admin's "Log out") leaves no text behind in this browser,
   * which others may use. An editor still open in another tab writes its copy again as
   * soon as it notices (typing, the heartbeat). */
  function forgetOnSignOut() {
    var logout = document.getElementById("logout-form");
    if (!logout) return;
    logout.addEventListener("submit", function () {
      signingOut = true; // and not written again as the page goes
      copyKeys(PREFIX).forEach(dropCopy);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    clearSavedCopy();
    forgetOnSignOut();
    postForm();
  });
})();
