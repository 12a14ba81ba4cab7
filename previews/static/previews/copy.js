// The "Copy" buttons of the post form's preview links (previews/admin/preview_links.html).
// Without JavaScript the buttons stay hidden and the link is selectable text.
(function () {
  "use strict";
  document.querySelectorAll(".copy-preview-link").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = button.parentElement.querySelector(".preview-link-url");
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(button.dataset.url).then(done, function () {
          field.select();
        });
      } else {
        field.select();
        document.execCommand("copy");
        done();
      }
    });
  });
})();
