// Live delivery counts on an announcement's page: polls the counts every 2 seconds until it is over.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) { return; }
  var src = box.getAttribute("data-src");
  function update(data) {
    var cells = box.querySelectorAll("[data-count]");
    if (cells.length === 0 && Object.keys(data.counts).length > 0) { window.location.reload(); return; }
    cells.forEach(function (cell) {
      var value = data.counts[cell.getAttribute("data-count")];
      cell.textContent = value === undefined ? "0" : String(value);
    });
    document.getElementById("status").textContent = data.status;
    document.getElementById("summary").textContent = data.summary;
    if (!data.done) { window.setTimeout(poll, 2000); }
  }
  function poll() {
    fetch(src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(update)
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
