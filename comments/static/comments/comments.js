// Post a comment or a reply without reloading the page (comments/views.py answers JSON
// when asked). Without this script the same forms post and redirect back: it only
// saves the reload. Ours, from our own host, no inline script (the CSP allows 'self').
(function () {
  "use strict";
  var section = document.getElementById("comments");
  if (!section || !window.fetch || !window.FormData) return;

  function list() {
    var found = section.querySelector(".comment-list");
    if (found) return found;
    var created = document.createElement("ol");
    created.className = "comment-list";
    var none = section.querySelector(".comment-none");
    if (none) none.replaceWith(created);
    else section.querySelector("h2").after(created);
    return created;
  }

  function replies(parentId) {
    var item = section.querySelector('.comment-item[data-comment="' + parentId + '"]');
    if (!item) return list();
    var found = item.querySelector(".comment-replies");
    if (found) return found;
    var created = document.createElement("ol");
    created.className = "comment-replies";
    var reply = item.querySelector(".comment-reply");
    if (reply) item.insertBefore(created, reply);
    else item.appendChild(created);
    return created;
  }

  function insert(data) {
    var item = document.createElement("li");
    item.className = "comment-item";
    if (!data.parent) item.setAttribute("data-comment", String(data.id));
    item.innerHTML = data.html; // our own server's rendering, sanitised when stored
    (data.parent ? replies(data.parent) : list()).appendChild(item);
    return item;
  }

  function showCount(count) {
    // The heading's "Comments (N)", as the server counts the shown approved comments.
    if (typeof count !== "number") return;
    var heading = section.querySelector("#comments-title");
    var span = heading.querySelector(".comment-count");
    if (!count) {
      if (span) span.remove();
      return;
    }
    if (!span) {
      span = document.createElement("span");
      span.className = "comment-count";
      heading.append(" ", span);
    }
    span.textContent = "(" + count + ")";
  }

  section.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("comment-form") || !form.closest("#comments")) return;
    event.preventDefault();
    var status = form.querySelector(".comment-status");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        button.disabled = false;
        if (!result.ok) {
          status.textContent = result.data.error || "Your comment was not posted.";
          return;
        }
        if (result.data.html) {
          var item = insert(result.data);
          item.scrollIntoView({ block: "nearest" });
        }
        showCount(result.data.count);
        status.textContent = result.data.message;
        form.querySelector("textarea").value = "";
        var details = form.closest("details");
        if (details) {
          details.open = false;
          var main = section.querySelector("#comment-form-new .comment-status");
          if (main) main.textContent = result.data.message;
        }
      })
      .catch(function () {
        button.disabled = false;
        form.submit(); // the page's own way: post and come back
      });
  });
})();
