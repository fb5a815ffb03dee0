// Small enhancements only: every page works without this file.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  var button = select.form && select.form.querySelector("button[type=submit]");
  if (button) { button.hidden = true; }
  select.addEventListener("change", function () { select.form.submit(); });
});
