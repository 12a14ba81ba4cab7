/*
 * Pictures in the post editor (images/editor.py serves the endpoints, the dialogs are
 * images/templates/images/admin/chooser.html):
 *
 * - drop or paste an image file into the body: the writer is asked for its alt text
 *   (or marks it decorative), it is uploaded with a progress bar, and
 *   `![alt](image:N)` is inserted at the cursor as a paragraph of its own (which the
 *   site shows as a figure with the caption);
 * - "Insert image…" under the body and "Choose…" by the cover field open a chooser of
 *   the library with thumbnails, search, pages and an upload of its own.
 *
 * The body's `input` event is fired after each insertion, so the preview, the counts and
 * the autosave (static/editor/editor.js) follow. Without this script the form is the
 * admin's own: the cover field as it is, `![alt](image:N)` typed by hand.
 */
(function () {
  "use strict";

  function megabytes(size) {
    var mb = size / 1048576;
    return (size % 1048576 === 0 ? mb.toFixed(0) : mb.toFixed(1)) + " MB";
  }

  function csrfToken() {
    var input = document.querySelector(":is(#post_form, #page_form) input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (!response.ok || !json) throw new Error(failure(response.status, json));
        return response.json();
      });
  }

  function failure(status, json) {
    if (!json || status === 401) {
      return "Your session has ended: sign in again in another tab, then try again.";
    }
    if (status === 403) return "You may not use the image library.";
    if (status === 413) return "The file is too big to upload.";
    return "The server could not do it (HTTP " + status + "). Try again.";
  }

  function setup() {
    var config = document.getElementById("image-chooser-config");
    var form = document.querySelector("#post_form, #page_form");
    if (!config || !form) return;
    var body = document.getElementById("id_body");
    var cover = document.getElementById("id_cover_image");
    var accepted = config.dataset.accept.split(",");
    var maxBytes = parseInt(config.dataset.maxBytes, 10);
    var uploadDialog = document.getElementById("image-upload-dialog");
    var chooserDialog = document.getElementById("image-chooser-dialog");
    if (body && body.readOnly) body = null;

    // --- where a chosen picture goes --------------------------------------------------

    var bodySelection = null; // the caret when the dialog opened: focus moves to it

    function rememberCaret() {
      if (body) bodySelection = { start: body.selectionStart, end: body.selectionEnd };
    }

    function insertIntoBody(markdown) {
      var at = bodySelection || { start: body.value.length, end: body.value.length };
      var before = body.value.slice(0, at.start);
      var after = body.value.slice(at.end);
      // A paragraph of its own: the site shows it as a figure with its caption.
      var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
      var trail = /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
      var text = lead + markdown + trail;
      body.focus();
      body.setSelectionRange(at.start, at.end);
      // execCommand keeps the browser's undo (Ctrl+Z takes the picture out again) and
      // fires `input` itself; where it is gone, the value is set and `input` fired.
      var done = false;
      try {
        done = document.execCommand("insertText", false, text);
      } catch (e) {
        done = false;
      }
      if (!done || body.value.slice(at.start, at.start + text.length) !== text) {
        body.setRangeText(text, at.start, at.end, "end");
        body.dispatchEvent(new Event("input", { bubbles: true }));
      }
      // The caret goes past the blank line after the picture, ready for the next paragraph.
      var caret = at.start + text.length + (/^\n\n/.test(after) ? 2 : /^\n/.test(after) ? 1 : 0);
      body.setSelectionRange(caret, caret);
      bodySelection = null;
      say("Image inserted: " + markdown);
    }

    var coverThumb = null;
    var coverShown = ""; // the id whose thumbnail shows

    function setCover(item) {
      if (!cover) return;
      var value = item ? String(item.id) : "";
      if (cover.tagName === "SELECT") {
        var option = value && cover.querySelector('option[value="' + value + '"]');
        if (value && !option) {
          option = new Option(item.alt_text || "Image " + item.id, value, true, true);
          cover.appendChild(option);
        }
        cover.value = value;
      } else {
        cover.value = value;
      }
      coverShown = value;
      // The admin's autocomplete (select2, through jQuery) redraws on `change`.
      cover.dispatchEvent(new Event("change", { bubbles: true }));
      showCover(item);
    }

    function showCover(item) {
      if (!coverThumb) return;
      var img = coverThumb.querySelector("img");
      var remove = coverThumb.querySelector(".cover-remove");
      if (item) {
        img.src = item.thumbnail.url;
        img.width = item.thumbnail.width;
        img.height = item.thumbnail.height;
        img.alt = "Cover: " + (item.alt_text || "decorative image " + item.id);
        img.hidden = false;
        remove.hidden = false;
      } else {
        img.removeAttribute("src");
        img.hidden = true;
        remove.hidden = true;
      }
    }

    function coverDetail(id) {
      return getJSON(config.dataset.detailUrl.replace(/0\/$/, id + "/"));
    }

    var target = "body";

    function use(item) {
      if (target === "cover") setCover(item);
      else insertIntoBody(item.markdown);
    }

    // --- a status line under the body ---------------------------------------------------

    var status = null;

    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("errornote", !!isError);
      status.setAttribute("role", isError ? "alert" : "status");
    }

    // --- one file: check, ask for the alt text, upload -----------------------------------

    var queue = [];
    var busy = false;

    function problemWith(file) {
      if (file.type && accepted.indexOf(file.type) < 0) {
        return "“" + file.name + "” is not an image in an accepted format: " +
          config.dataset.acceptedNames + ".";
      }
      if (file.size > maxBytes) {
        return "“" + file.name + "” is " + megabytes(file.size) + "; images may be at most " +
          megabytes(maxBytes) + ".";
      }
      if (file.size === 0) return "“" + file.name + "” is empty.";
      return "";
    }

    function addFiles(files, where) {
      target = where;
      for (var i = 0; i < files.length; i++) {
        var problem = problemWith(files[i]);
        if (problem) say(problem, true);
        else queue.push(files[i]);
      }
      next();
    }

    var upload = {
      form: document.getElementById("image-upload-form"),
      alt: document.getElementById("image-upload-alt"),
      decorative: document.getElementById("image-upload-decorative"),
      caption: document.getElementById("image-upload-caption"),
      preview: uploadDialog.querySelector(".image-upload-preview"),
      name: uploadDialog.querySelector(".image-upload-name"),
      progress: uploadDialog.querySelector(".image-upload-progress"),
      error: uploadDialog.querySelector(".image-upload-error"),
      submit: uploadDialog.querySelector(".image-upload-submit"),
      file: null,
      request: null,
    };

    function next() {
      if (busy || !queue.length) return;
      busy = true;
      var file = queue.shift();
      upload.file = file;
      upload.form.reset();
      upload.alt.disabled = false;
      upload.alt.required = true;
      upload.error.hidden = true;
      upload.progress.hidden = true;
      upload.submit.disabled = false;
      upload.submit.textContent = target === "cover" ? "Upload and use as cover" : "Upload and insert";
      upload.name.textContent = file.name + " · " + megabytes(file.size);
      upload.preview.hidden = true;
      if (file.size <= 8 * 1048576) {
        // A data: URL (the CSP allows data: images, not blob:).
        var reader = new FileReader();
        reader.onload = function () {
          if (upload.file !== file) return;
          upload.preview.src = reader.result;
          upload.preview.hidden = false;
        };
        reader.readAsDataURL(file);
      }
      uploadDialog.showModal();
      upload.alt.focus();
    }

    function finish() {
      busy = false;
      upload.file = null;
      upload.request = null;
      if (uploadDialog.open) uploadDialog.close();
      next();
    }

    function showUploadError(text) {
      upload.error.textContent = text;
      upload.error.hidden = false;
      upload.progress.hidden = true;
      upload.submit.disabled = false;
    }

    upload.alt.addEventListener("input", function () {
      if (!upload.request) upload.error.hidden = true; // the message was about the alt text
    });

    upload.decorative.addEventListener("change", function () {
      upload.alt.disabled = upload.decorative.checked;
      upload.alt.required = !upload.decorative.checked;
      if (upload.decorative.checked) upload.alt.value = "";
    });

    upload.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!upload.file || upload.request) return;
      var alt = upload.alt.value.trim();
      if (!alt && !upload.decorative.checked) {
        showUploadError("Write the alt text: what the image shows, for readers who cannot " +
          "see it. Or tick “Decorative” if it adds nothing to the text.");
        upload.alt.focus();
        return;
      }
      var data = new FormData();
      data.append("file", upload.file, upload.file.name || "image");
      data.append("alt_text", alt);
      if (upload.decorative.checked) data.append("decorative", "on");
      data.append("caption", upload.caption.value.trim());
      var xhr = new XMLHttpRequest(); // fetch() cannot tell upload progress
      upload.request = xhr;
      xhr.open("POST", config.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          upload.progress.value = Math.round((100 * e.loaded) / e.total);
          upload.progress.textContent = upload.progress.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        upload.request = null;
        var json = (xhr.getResponseHeader("Content-Type") || "").indexOf("json") >= 0;
        var answer = null;
        try {
          answer = json ? JSON.parse(xhr.responseText) : null;
        } catch (e) {
          answer = null;
        }
        if (xhr.status === 201 && answer) {
          uploadDialog.close(); // first: the page behind a modal dialog takes no text
          use(answer);
          finish();
        } else if (answer && answer.error) {
          showUploadError(answer.error);
        } else {
          showUploadError(failure(xhr.status, json));
        }
      });
      xhr.addEventListener("error", function () {
        upload.request = null;
        showUploadError("The upload did not reach the server. Check the connection and try again.");
      });
      upload.error.hidden = true;
      upload.progress.value = 0;
      upload.progress.hidden = false;
      upload.submit.disabled = true;
      say("Uploading " + upload.file.name + "…");
      xhr.send(data);
    });

    function cancelUpload() {
      if (upload.request) upload.request.abort();
      say("");
      queue = [];
      finish();
      if (body && target === "body") body.focus();
    }
    uploadDialog.querySelector(".image-upload-cancel").addEventListener("click", cancelUpload);
    uploadDialog.addEventListener("cancel", function (event) {
      event.preventDefault(); // Escape: the same as Cancel, upload aborted
      cancelUpload();
    });

    // --- the chooser ----------------------------------------------------------------------

    var chooser = {
      grid: chooserDialog.querySelector(".image-chooser-grid"),
      status: chooserDialog.querySelector(".image-chooser-status"),
      query: document.getElementById("image-chooser-q"),
      page: 1,
      pages: 1,
      prev: chooserDialog.querySelector(".image-chooser-prev"),
      next: chooserDialog.querySelector(".image-chooser-next"),
      label: chooserDialog.querySelector(".image-chooser-page"),
      file: document.getElementById("image-chooser-file"),
      seq: 0,
    };

    function load(page) {
      var seq = ++chooser.seq;
      var url = config.dataset.chooseUrl + "?page=" + page +
        "&q=" + encodeURIComponent(chooser.query.value.trim());
      chooser.status.textContent = "Loading…";
      getJSON(url).then(function (data) {
        if (seq !== chooser.seq) return;
        chooser.page = data.page;
        chooser.pages = data.pages;
        chooser.grid.textContent = "";
        data.results.forEach(function (item) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "image-choice";
          button.dataset.id = item.id;
          var img = document.createElement("img");
          img.src = item.thumbnail.url;
          img.width = item.thumbnail.width;
          img.height = item.thumbnail.height;
          img.alt = "";
          img.loading = "lazy";
          var text = document.createElement("span");
          text.textContent = item.alt_text || "Decorative image " + item.id;
          button.appendChild(img);
          button.appendChild(text);
          button.addEventListener("click", function () {
            chooserDialog.close();
            use(item);
          });
          li.appendChild(button);
          chooser.grid.appendChild(li);
        });
        var found = data.count + (data.count === 1 ? " image" : " images");
        chooser.status.textContent = data.count
          ? found + (data.query ? " for “" + data.query + "”" : " in the library")
          : data.query ? "No image matches “" + data.query + "”." : "The library is empty: upload one.";
        chooser.label.textContent = "Page " + data.page + " of " + data.pages;
        chooser.prev.disabled = data.page <= 1;
        chooser.next.disabled = data.page >= data.pages;
      }).catch(function (error) {
        if (seq === chooser.seq) chooser.status.textContent = error.message;
      });
    }

    function openChooser(where) {
      target = where;
      if (where === "body") rememberCaret();
      chooserDialog.querySelector("#image-chooser-title").textContent =
        where === "cover" ? "Choose the cover image" : "Choose an image to insert";
      chooser.grid.textContent = "";
      chooser.query.value = "";
      chooserDialog.showModal();
      chooser.query.focus();
      load(1);
    }

    chooserDialog.querySelector(".image-chooser-search").addEventListener("submit", function (e) {
      e.preventDefault();
      load(1);
    });
    chooser.prev.addEventListener("click", function () { load(Math.max(1, chooser.page - 1)); });
    chooser.next.addEventListener("click", function () { load(Math.min(chooser.pages, chooser.page + 1)); });
    chooserDialog.querySelector(".image-chooser-close").addEventListener("click", function () {
      chooserDialog.close();
    });
    chooserDialog.addEventListener("close", function () {
      if (target === "body" && body && !busy) body.focus();
    });
    chooser.file.addEventListener("change", function () {
      var files = Array.prototype.slice.call(chooser.file.files);
      chooser.file.value = "";
      chooserDialog.close();
      addFiles(files, target);
    });

    // --- the body: toolbar, drop and paste -------------------------------------------------

    if (body) {
      var toolbar = document.createElement("div");
      toolbar.className = "image-toolbar";
      var insert = document.createElement("button");
      insert.type = "button";
      insert.className = "button image-insert";
      insert.textContent = "Insert image…";
      insert.addEventListener("click", function () { openChooser("body"); });
      var hint = document.createElement("span");
      hint.className = "image-hint";
      hint.textContent = "or drop or paste a picture into the text";
      status = document.createElement("p");
      status.className = "image-status";
      status.setAttribute("role", "status");
      toolbar.appendChild(insert);
      toolbar.appendChild(hint);
      toolbar.appendChild(status);
      var holder = body.closest(".flex-container") || body;
      holder.parentNode.insertBefore(toolbar, holder.nextSibling);

      // Where a file dropped on the text lands: under the pointer where the browser can
      // tell (caretPositionFromPoint gives the offset in a textarea), else at the caret
      // the writer left, else at the end.
      var dropPoint = function (event) {
        var spot = document.caretPositionFromPoint &&
          document.caretPositionFromPoint(event.clientX, event.clientY);
        if (spot && spot.offsetNode === body && event.clientX + event.clientY > 0) {
          bodySelection = { start: spot.offset, end: spot.offset };
        } else if (document.activeElement === body) {
          rememberCaret();
        } else {
          bodySelection = { start: body.value.length, end: body.value.length };
        }
      };

      var hasFiles = function (event) {
        var types = event.dataTransfer && event.dataTransfer.types;
        return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
      };
      body.addEventListener("dragover", function (event) {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        body.classList.add("image-drop-target");
      });
      body.addEventListener("dragleave", function () {
        body.classList.remove("image-drop-target");
      });
      body.addEventListener("drop", function (event) {
        body.classList.remove("image-drop-target");
        var files = event.dataTransfer && event.dataTransfer.files;
        if (!files || !files.length) return; // dropped text: the browser's own
        event.preventDefault();
        dropPoint(event);
        addFiles(Array.prototype.slice.call(files), "body");
      });
      body.addEventListener("paste", function (event) {
        var data = event.clipboardData;
        var files = [];
        if (data && data.files && data.files.length) {
          files = Array.prototype.slice.call(data.files);
        } else if (data && data.items) {
          Array.prototype.forEach.call(data.items, function (item) {
            if (item.kind === "file") {
              var file = item.getAsFile();
              if (file) files.push(file);
            }
          });
        }
        if (!files.length) return; // pasted text: the browser's own
        event.preventDefault();
        rememberCaret();
        addFiles(files, "body");
      });
    }

    // --- the cover: thumbnail and "Choose…" next to the admin's own field -----------------

    if (cover) {
      coverThumb = document.createElement("div");
      coverThumb.className = "cover-chooser";
      var img = document.createElement("img");
      img.className = "cover-thumb";
      img.hidden = true;
      var choose = document.createElement("button");
      choose.type = "button";
      choose.className = "button cover-choose";
      choose.textContent = "Choose cover image…";
      choose.addEventListener("click", function () { openChooser("cover"); });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button cover-remove";
      remove.textContent = "No cover";
      remove.hidden = true;
      remove.addEventListener("click", function () { setCover(null); });
      coverThumb.appendChild(img);
      coverThumb.appendChild(choose);
      coverThumb.appendChild(remove);
      var row = cover.closest(".flex-container") || cover.parentNode;
      row.parentNode.insertBefore(coverThumb, row.nextSibling);

      var refresh = function () {
        var id = cover.value;
        if (id === coverShown) return;
        coverShown = id;
        if (!/^\d+$/.test(id)) {
          showCover(null);
          return;
        }
        coverDetail(id).then(function (item) {
          if (cover.value === id) showCover(item);
        }).catch(function () { showCover(null); });
      };
      // The admin's autocomplete tells its choice through jQuery, which a native
      // listener hears only when it fires a real event: look on both.
      cover.addEventListener("change", refresh);
      if (window.django && window.django.jQuery) {
        window.django.jQuery(cover).on("change", refresh);
      }
      refresh();
    }
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
