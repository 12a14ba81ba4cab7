// Loaded before ReDoc's bundle on /api/redoc/: ReDoc's sidebar footer always draws the
// Redocly logo from cdn.redoc.ly, and no page of ours loads anything from another host.
// Image addresses on other hosts are swapped for our own icon before the browser asks.
(function () {
  "use strict";
  var own = document.currentScript.getAttribute("data-icon");
  var setAttribute = Element.prototype.setAttribute;
  function offSite(value) {
    try { return new URL(value, location.href).origin !== location.origin; }
    catch (e) { return false; }
  }
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && name === "src" && offSite(value)) value = own;
    return setAttribute.call(this, name, value);
  };
  var descriptor = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    get: descriptor.get,
    set: function (value) { descriptor.set.call(this, offSite(value) ? own : value); },
  });
})();
