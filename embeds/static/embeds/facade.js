// Privacy facades of embeds (embeds/body.py): the provider's player is inserted only
// when the reader clicks play, so no request goes to another host before that click.
// Without this script the buttons stay hidden and the caption links to the original.
(function () {
  "use strict";
  document.querySelectorAll(".embed-play[data-embed-src]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = button.closest(".embed-frame");
      var iframe = document.createElement("iframe");
      iframe.src = button.dataset.embedSrc;
      iframe.title = button.dataset.embedTitle || "Embedded content";
      iframe.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
      iframe.allowFullscreen = true;
      iframe.referrerPolicy = "strict-origin-when-cross-origin";
      frame.replaceChildren(iframe);
      frame.classList.add("embed-playing");
      iframe.focus();
    });
  });
})();
