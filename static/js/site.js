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
  var dayFormat = null;  // the days in the page's language and word order ("siku 3"), as the server wrote them
  try {
    dayFormat = new Intl.NumberFormat(document.documentElement.lang, { style: "unit", unit: "day", unitDisplay: "narrow", numberingSystem: "latn" });
  } catch (e) { dayFormat = null; }
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
      var dayCount = Math.floor(left / 86400);
      days.textContent = dayFormat ? dayFormat.format(dayCount) : days.textContent.replace(/\d+/, dayCount);
      clock.textContent = pad(Math.floor(left % 86400 / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();

// Festival times: offer the browser's own time zone, by its name, when the shopper has not chosen it.
document.querySelectorAll("form[data-detect-zone]").forEach(function (form) {
  var select = form.querySelector("select[name=tz]");
  var detected = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !detected || select.value === detected) { return; }
  var option = Array.prototype.find.call(select.options, function (o) { return o.value === detected; });
  if (!option) {
    var name = detected.split("/").pop().replace(/_/g, " ");
    try {
      var parts = new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: detected, timeZoneName: "long" }).formatToParts(new Date());
      parts.forEach(function (part) { if (part.type === "timeZoneName") { name = part.value; } });
    } catch (e) { /* the city's name will do */ }
    option = new Option(name, detected);
    select.add(option, 0);
  }
  var hint = document.createElement("button");
  hint.type = "submit";
  hint.className = "link";
  hint.textContent = option.textContent;
  hint.addEventListener("click", function () { select.value = detected; });
  form.appendChild(hint);
});

// Uploads: a form whose files add up to more than the site accepts would be refused whole, after
// sending every byte over the phone's data and losing what was typed; say so before sending anything.
(function () {
  var limit = parseInt(document.body.getAttribute("data-upload-limit"), 10);
  var message = document.body.getAttribute("data-upload-too-large");
  if (!limit || !message) { return; }
  document.querySelectorAll("form[enctype='multipart/form-data']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var total = 0;
      var chosen = null;
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        for (var i = 0; i < input.files.length; i++) { total += input.files[i].size; }
        if (input.files.length) { chosen = input; }
      });
      if (total <= limit) { return; }
      event.preventDefault();
      var note = form.querySelector(".upload-too-large");
      if (!note) {
        note = document.createElement("p");
        note.className = "error upload-too-large";
        note.setAttribute("role", "alert");
        (chosen || form.querySelector("button[type=submit]")).insertAdjacentElement("afterend", note);
      }
      note.textContent = message;
    });
  });
})();

// Packing slips: a print button where the browser can print (without JavaScript, its own menu does).
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

// Checkout: open the Latin-letter address when the chosen country usually writes in another script.
(function () {
  var latin = document.getElementById("latin-address");
  var country = document.getElementById("country_code");
  if (!latin || !country) { return; }
  var codes = (latin.getAttribute("data-countries") || "").split(" ");
  country.addEventListener("change", function () {
    if (codes.indexOf(country.value) >= 0) { latin.open = true; }
  });
})();

// Folds marked data-open-wide (the header menu, the search filters) stay folded on a phone and open
// on a wide screen; without this file they are plain <details> that open when tapped.
(function () {
  var folds = document.querySelectorAll("details[data-open-wide]");
  if (!folds.length || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 60em)");
  function fit() {
    folds.forEach(function (fold) {
      if (wide.matches) {
        if (!fold.open) { fold.open = true; fold.setAttribute("data-auto-open", ""); }
        fold.classList.add("wide");
      } else {
        fold.classList.remove("wide");
        if (fold.hasAttribute("data-auto-open")) { fold.open = false; fold.removeAttribute("data-auto-open"); }
      }
    });
  }
  fit();
  wide.addEventListener("change", fit);
  var menu = document.querySelector("details.menu");
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();

// Search suggestions: completions from the suggest API offered under the search box while typing.
document.querySelectorAll("input[data-suggest]").forEach(function (input) {
  if (!window.fetch) { return; }
  var list = document.createElement("datalist");
  list.id = input.id + "-suggestions";
  input.insertAdjacentElement("afterend", list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  var timer = null;
  var asked = "";
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var words = input.value.trim();
    if (!words || words === asked) { return; }
    timer = window.setTimeout(function () {
      asked = words;
      fetch(input.getAttribute("data-suggest") + "&q=" + encodeURIComponent(words), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || input.value.trim() !== words) { return; }
          list.replaceChildren.apply(list, body.suggestions.map(function (text) {
            var option = document.createElement("option");
            option.value = text;
            return option;
          }));
        })
        .catch(function () { /* no suggestions this time; the search itself still works */ });
    }, 250);
  });
});
