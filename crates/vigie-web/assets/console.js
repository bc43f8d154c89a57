// Vigie console: live countdowns (with the stepped warnings of an order's clock and the running
// orders in the tab's title) and keyboard shortcuts. Every page works without this file.
"use strict";
(function () {
  // The same rule as the server's `relative` (vigie-app, reviewing.rs): keep the two in step.
  function relative(ms) {
    var s = Math.round(Math.abs(ms) / 1000), text;
    if (s === 0) return "now";
    if (s < 120) text = s + " s";
    else if (s < 7200) text = Math.floor(s / 60) + " min";
    else if (s < 345600) text = Math.floor(s / 3600) + " h";
    else text = Math.floor(s / 86400) + " days";
    return ms >= 0 ? "in " + text : text + " ago";
  }
  // The server's time when it drew the page, against the browser's when it loaded it: countdowns
  // follow the server's clock even when the browser's is off. Only clocks that count carry a
  // deadline: a paused, complied or ended order's clock is text the script never touches.
  var loaded = Date.now();
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var server = Date.parse(el.getAttribute("data-now"));
      var skew = isNaN(server) ? 0 : server - loaded;
      var left = Date.parse(el.getAttribute("data-deadline")) - (now + skew);
      if (isNaN(left)) return;
      var state = el.getAttribute("data-clock");
      var order = state === "running" || state === "late";
      if (order) {
        state = left < 0 ? "late" : "running";
        el.setAttribute("data-clock", state);
        el.classList.remove("running", "late");
        el.classList.add(state);
      }
      el.textContent = order && left < 0 ? "late, due " + relative(left) : relative(left);
      el.classList.remove("overdue", "soon", "later");
      el.classList.add(left <= 0 ? "overdue" : left <= 3600000 ? "soon" : "later");
      if (order) louder(el, left);
    });
    var menu = document.getElementById("orders-running");
    if (menu && titleRest !== null) {
      var clock = menu.querySelector("time[data-deadline]"), n = menu.getAttribute("data-count");
      document.title = clock && n !== "0"
        ? "(" + n + (n === "1" ? " order · " : " orders · ") + clock.textContent + ") " + titleRest
        : titleRest;
    }
  }
  // The same steps as the server's (vigie-app, finding.rs `ClockStep`): keep the two in step.
  var STEPS = ["step-calm", "step-30", "step-15", "step-5", "step-late"];
  var WORDS = ["", "30 minutes or less left", "15 minutes or less left", "5 minutes or less left: act now",
    "the hour has passed"];
  function stepOf(left) {
    var min = 60000;
    // The deadline's own instant is still in time (the server counts in microseconds).
    if (left < 0) return 4;
    if (left <= 5 * min) return 3;
    if (left <= 15 * min) return 2;
    if (left <= 30 * min) return 1;
    return 0;
  }
  // An order's clock gets louder: its class, and the words beside it, which a screen reader
  // announces politely; both change only when the step does.
  function louder(el, left) {
    var i = stepOf(left);
    if (el.classList.contains(STEPS[i])) return;
    STEPS.forEach(function (s) { el.classList.remove(s); });
    el.classList.add(STEPS[i]);
    var words = el.nextElementSibling;
    if (words && words.classList.contains("clock-step")) {
      STEPS.forEach(function (s) { words.classList.remove(s); });
      words.classList.add(STEPS[i]);
      words.textContent = WORDS[i];
    }
  }
  // The page's own title, without the server's "(2 orders · in 12 min) " before it.
  var titleRest = null;
  var rows = [], current = -1;
  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.classList.toggle("selected", k === current); });
    var link = rows[current].querySelector("a.open");
    if (link) link.focus();
  }
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function submit(form) { if (form) { if (form.requestSubmit) form.requestSubmit(); else form.submit(); } }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var help = document.getElementById("shortcuts");
    switch (e.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o": if (current >= 0) { var a = rows[current].querySelector("a.open"); if (a) a.click(); } break;
      case "c": submit(current >= 0 ? rows[current].querySelector("form.claim") : document.querySelector(".claim-box form.claim")); break;
      case "r":
        // The person may have chosen to reveal only by a click (Settings).
        if (document.body.getAttribute("data-reveal-key") === "no") return;
        submit(document.querySelector("form.reveal"));
        break;
      case "d": var f = document.getElementById("action"); if (f) { f.scrollIntoView(); f.focus(); } break;
      case "?": if (help) { help.open = !help.open; } break;
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
    titleRest = document.title.replace(/^\([^)]*\) /, "");
    tick();
    setInterval(tick, 1000);
  });
})();
