/*
 * The post form's "Search engines and social cards" fieldset (blog/admin/posts.py): a
 * search result as Google shows it (title cut near 60 characters, address, description
 * cut near 155) and a social card (picture, site, title, description), redrawn as the
 * writer types. Blank fields take the same fallbacks as the site (blog/seo.py):
 *
 *   title        meta title, else "post title · site name"
 *   description  meta description, else the excerpt, else the start of the body
 *   address      canonical URL, else the post's own address (from its slug)
 *   card title   social title, else the post's title
 *   card text    social description, else the meta description, else as above
 *   card picture social image, else the cover image
 *
 * The start of the body is read from the editor's own rendered preview (editor.js fills
 * `.preview-body`), else the summary as last saved. A picture's thumbnail comes from the
 * image library's detail endpoint (`#image-chooser-config`, images/editor.py). Without
 * this script the fields are plain form fields.
 */
(function () {
  "use strict";

  function field(name) {
    return document.getElementById("id_" + name);
  }

  function value(name) {
    var input = field(name);
    return input ? input.value.replace(/\s+/g, " ").trim() : "";
  }

  function cut(text, limit) {
    if (text.length <= limit) return text;
    var shortened = text.slice(0, limit - 1);
    var space = shortened.lastIndexOf(" ");
    if (space > limit * 0.6) shortened = shortened.slice(0, space);
    return shortened.replace(/[\s,.;:–—-]+$/, "") + "…";
  }

  function slugify(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 220);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* The description a blank meta description falls back to. */
  function summary(config) {
    var excerpt = value("excerpt");
    if (excerpt) return excerpt;
    var rendered = document.querySelector(".editor-preview .preview-body");
    if (rendered && rendered.textContent.trim()) {
      var first = rendered.querySelector("p");
      var text = (first || rendered).textContent.replace(/\s+/g, " ").trim();
      if (text) return cut(text, 500);
    }
    return config.dataset.summary || "";
  }

  function address(config) {
    var canonical = value("canonical_url");
    if (canonical) return canonical;
    var slug = value("slug") || slugify(value("title")) || "…";
    return config.dataset.origin + config.dataset.pathPrefix + slug + "/";
  }

  /* "https://news.example.com/posts/tides/" → "news.example.com › posts › tides" */
  function shownAddress(url) {
    var match = /^[a-z]+:\/\/([^/?#]+)([^?#]*)/i.exec(url);
    if (!match) return url;
    var parts = match[2].split("/").filter(Boolean).map(decodeURIComponentSafe);
    return [match[1]].concat(parts).join(" › ");
  }

  function decodeURIComponentSafe(text) {
    try {
      return decodeURIComponent(text);
    } catch (e) {
      return text;
    }
  }

  function host(url) {
    var match = /^[a-z]+:\/\/([^/?#:]+)/i.exec(url);
    return match ? match[1].toUpperCase() : "";
  }

  function build(fieldset) {
    var box = element("div", "seo-preview");
    box.setAttribute("aria-live", "polite");

    var result = element("section", "seo-result");
    result.setAttribute("aria-label", "Search result preview");
    result.appendChild(element("h3", "seo-preview-heading", "In search results"));
    var site = element("p", "seo-result-site");
    var title = element("p", "seo-result-title");
    var description = element("p", "seo-result-description");
    var noindex = element("p", "seo-result-noindex", "Hidden from search engines: this post " +
      "asks not to be listed, and is left out of the sitemap.");
    result.appendChild(site);
    result.appendChild(title);
    result.appendChild(description);
    result.appendChild(noindex);

    var card = element("section", "seo-card");
    card.setAttribute("aria-label", "Social card preview");
    card.appendChild(element("h3", "seo-preview-heading", "When shared"));
    var frame = element("div", "seo-card-frame");
    var picture = element("img", "seo-card-image");
    picture.alt = "";
    picture.hidden = true;
    var noPicture = element("div", "seo-card-no-image", "No picture: choose a cover or social image");
    var text = element("div", "seo-card-text");
    var cardHost = element("p", "seo-card-host");
    var cardTitle = element("p", "seo-card-title");
    var cardDescription = element("p", "seo-card-description");
    text.appendChild(cardHost);
    text.appendChild(cardTitle);
    text.appendChild(cardDescription);
    frame.appendChild(picture);
    frame.appendChild(noPicture);
    frame.appendChild(text);
    card.appendChild(frame);

    var counts = element("p", "seo-counts help");

    box.appendChild(result);
    box.appendChild(card);
    box.appendChild(counts);
    (fieldset.querySelector("details") || fieldset).appendChild(box);
    return {
      site: site, title: title, description: description, noindex: noindex,
      picture: picture, noPicture: noPicture, cardHost: cardHost, cardTitle: cardTitle,
      cardDescription: cardDescription, counts: counts,
    };
  }

  function setup() {
    var config = document.getElementById("seo-preview-config");
    var metaTitle = field("meta_title");
    if (!config || !metaTitle) return;
    var fieldset = metaTitle.closest("fieldset");
    if (!fieldset) return;
    var titleShown = parseInt(config.dataset.titleShown, 10) || 60;
    var descriptionShown = parseInt(config.dataset.descriptionShown, 10) || 155;
    var siteName = config.dataset.siteName || "";
    var view = build(fieldset);
    var chooser = document.getElementById("image-chooser-config");
    var thumbnails = {}; // image id → thumbnail URL (or "" when it cannot be had)
    var shownImage = null;

    function showPicture(url) {
      view.picture.hidden = !url;
      view.noPicture.hidden = !!url;
      if (url && view.picture.getAttribute("src") !== url) view.picture.src = url;
    }

    function updatePicture() {
      var id = value("social_image") || value("cover_image");
      if (!/^\d+$/.test(id)) {
        shownImage = null;
        showPicture("");
        return;
      }
      shownImage = id;
      if (id in thumbnails) {
        showPicture(thumbnails[id]);
        return;
      }
      if (!chooser) {
        showPicture("");
        return;
      }
      var url = chooser.dataset.detailUrl.replace(/0\/$/, id + "/");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (item) { thumbnails[id] = item.thumbnail ? item.thumbnail.url : ""; })
        .catch(function () { thumbnails[id] = ""; })
        .then(function () { if (shownImage === id) showPicture(thumbnails[id]); });
    }

    function update() {
      var ownTitle = value("title");
      var title = value("meta_title") || (ownTitle ? ownTitle + " · " + siteName : siteName);
      var fallback = summary(config);
      var description = value("meta_description") || fallback;
      var url = address(config);
      view.site.textContent = siteName + " — " + shownAddress(url);
      view.title.textContent = cut(title, titleShown);
      view.description.textContent = cut(description, descriptionShown) ||
        "(No description yet: write an excerpt or a meta description.)";
      var hidden = field("noindex") && field("noindex").checked;
      view.noindex.hidden = !hidden;
      view.cardHost.textContent = host(url);
      view.cardTitle.textContent = cut(value("social_title") || ownTitle, 90);
      view.cardDescription.textContent = cut(value("social_description") || description, 200);
      view.counts.textContent = "Title: " + title.length + " characters (results show about " +
        titleShown + "). Description: " + description.length + " characters (about " +
        descriptionShown + " shown).";
      updatePicture();
    }

    var timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(update, 80);
    }
    var watched = ["title", "slug", "excerpt", "meta_title", "meta_description", "canonical_url",
      "social_title", "social_description", "social_image", "cover_image", "noindex"];
    watched.forEach(function (name) {
      var input = field(name);
      if (!input) return;
      input.addEventListener("input", soon);
      input.addEventListener("change", soon);
      // The admin's autocomplete (select2) tells its choice through jQuery only.
      if (window.django && window.django.jQuery) window.django.jQuery(input).on("change", soon);
    });
    // The body's rendered preview (editor.js) is the description's last fallback.
    var rendered = document.querySelector(".editor-preview .preview-body");
    if (rendered) new MutationObserver(soon).observe(rendered, { childList: true, subtree: true });
    update();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
