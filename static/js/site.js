// Small enhancements only: every page works without this file.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  var button = select.form && select.form.querySelector("button[type=submit]");
  if (button) { button.hidden = true; }
  select.addEventListener("change", function () { select.form.submit(); });
});

// Festival countdowns: the page carries the server's "now" and the target instant, and already
// shows the time left as text; this only ticks it, measured against the server's clock.
(function () {
  var countdowns = document.querySelectorAll("[data-countdown]");
  if (!countdowns.length) { return; }
  var loaded = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    countdowns.forEach(function (el) {
      var serverNow = Date.parse(el.getAttribute("data-now")) + (Date.now() - loaded);
      var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("data-target")) - serverNow) / 1000));
      var days = el.querySelector("[data-cd-days]");
      var clock = el.querySelector("[data-cd-clock]");
      if (!days || !clock) { return; }
      if (left === 0) {
        var done = el.getAttribute("data-done");
        if (done && !el.hasAttribute("data-finished")) {
          el.setAttribute("data-finished", "");
          el.querySelector(".countdown-label").textContent = done;
        }
      }
      days.textContent = Math.floor(left / 86400);
      clock.textContent = pad(Math.floor(left % 86400 / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();

// Festival times: offer the browser's own time zone when the shopper has not chosen one.
document.querySelectorAll("form[data-detect-zone]").forEach(function (form) {
  var input = form.querySelector("input[name=tz]");
  var detected = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (input && detected && input.value !== detected) {
    input.setAttribute("placeholder", detected);
    var hint = document.createElement("button");
    hint.type = "submit";
    hint.className = "link";
    hint.textContent = detected;
    hint.addEventListener("click", function () { input.value = detected; });
    form.appendChild(hint);
  }
});
