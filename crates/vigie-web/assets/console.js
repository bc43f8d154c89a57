// Vigie console: live countdowns (with the stepped warnings of an order's clock and the running
// orders in the tab's title), keyboard shortcuts, copy buttons, the labels of table cells on narrow
// screens, the re-blur timer, and the video player's frame stepping, speed and viewing reports.
// Every page works without this file.
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
      case "n": submit(document.querySelector("form.start")); break;
      case "d": var f = document.getElementById("action"); if (f) { f.scrollIntoView(); f.focus(); } break;
      case "?": if (help) { help.open = !help.open; } break;
      case ",": case ".": case "<": case ">":
        var fig = player();
        if (!fig || !fig.playerStep) return;
        if (e.key === ",") fig.playerStep(-1);
        else if (e.key === ".") fig.playerStep(1);
        else fig.playerSpeed(e.key === "<" ? -1 : 1);
        break;
      default: return;
    }
    e.preventDefault();
  });
  // Narrow screens show tables as cards: each cell gets its column's name where the page did not
  // write one (the CSS shows it above the value).
  function labelCells() {
    document.querySelectorAll("table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }
  // A copy button beside ids and hashes; without the script the value stays selectable text.
  function copyButtons() {
    document.querySelectorAll("code.id, h1 code, figure.media figcaption code").forEach(function (code) {
      var value = code.textContent.trim();
      if (value.length < 12 || (code.nextElementSibling && code.nextElementSibling.classList.contains("copy"))) return;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "Copy";
      b.setAttribute("aria-label", "Copy " + value);
      b.addEventListener("click", function () {
        function done() { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done, function () { selectText(code); });
        } else {
          selectText(code);
        }
      });
      code.insertAdjacentElement("afterend", b);
    });
  }
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(range);
  }
  // A revealed original is blurred again after the person's chosen time (Settings).
  function reblur() {
    document.querySelectorAll("figure.media[data-reblur]").forEach(function (fig) {
      var secs = parseInt(fig.getAttribute("data-reblur"), 10);
      var img = fig.querySelector("img.original, video.original");
      if (!img || !(secs > 0)) return;
      setTimeout(function () {
        img.classList.add("reblurred");
        if (img.tagName === "VIDEO") img.setAttribute("aria-label", "The original video, blurred again after " + secs + " seconds");
        else img.setAttribute("alt", "The original, blurred again after " + secs + " seconds");
      }, secs * 1000);
    });
  }
  // The video player: frame stepping and speed (buttons and keys), and reports of the time the
  // video plays to the server, which counts it in the person's own figure for today (bounded by
  // the time since the reveal). Without the script the browser's own controls remain.
  var SPEEDS = ["0.25", "0.5", "1", "1.5", "2"];
  function players() {
    document.querySelectorAll("figure.video").forEach(function (fig) {
      var video = fig.querySelector("video.original"), tools = fig.querySelector(".player-tools");
      if (!video || !tools) return;
      var fps = parseFloat(video.getAttribute("data-fps")) || 25;
      var speed = tools.querySelector("select.speed");
      tools.hidden = false;
      function step(n) {
        video.pause();
        video.currentTime = Math.max(0, Math.min(video.duration || Infinity, video.currentTime + n / fps));
      }
      tools.querySelector("button.frame-back").addEventListener("click", function () { step(-1); });
      tools.querySelector("button.frame-forward").addEventListener("click", function () { step(1); });
      speed.addEventListener("change", function () { video.playbackRate = parseFloat(speed.value); });
      fig.playerStep = step;
      fig.playerSpeed = function (d) {
        var i = Math.max(0, Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed.value) + d));
        speed.value = SPEEDS[i];
        video.playbackRate = parseFloat(speed.value);
      };
      // Viewing time: wall-clock time while the video plays, sent every 15 s and when it stops.
      var form = fig.querySelector("form.viewing"), since = null, pending = 0;
      function lap() {
        if (since !== null) { var now = Date.now(); pending += (now - since) / 1000; since = now; }
      }
      function send(last) {
        lap();
        if (!form || pending < 0.5) return;
        var body = new URLSearchParams(new FormData(form));
        body.set("seconds", pending.toFixed(2));
        pending = 0;
        fetch(form.action, { method: "POST", body: body, credentials: "same-origin", keepalive: !!last });
      }
      video.addEventListener("playing", function () { if (since === null) since = Date.now(); });
      ["pause", "ended", "waiting"].forEach(function (ev) {
        video.addEventListener(ev, function () { lap(); since = null; send(false); });
      });
      setInterval(function () { if (since !== null) send(false); }, 15000);
      window.addEventListener("pagehide", function () { send(true); });
    });
  }
  function player() {
    var fig = document.activeElement && document.activeElement.closest && document.activeElement.closest("figure.video");
    return fig && fig.playerStep ? fig : document.querySelector("figure.video");
  }
  // Exact times show in the reader's own time zone on hover; the page says them in UTC without
  // the script.
  function localTimes() {
    document.querySelectorAll("time[datetime][title]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (!isNaN(at.getTime())) el.title = at.toLocaleString();
    });
  }
  // The undo after a decision: counts down on the server's clock, and says when it has passed.
  function undoTick() {
    document.querySelectorAll("time.undo-until").forEach(function (el) {
      var server = Date.parse(el.getAttribute("data-now"));
      var skew = isNaN(server) ? 0 : server - loaded;
      var left = Date.parse(el.getAttribute("datetime")) - (Date.now() + skew);
      if (isNaN(left)) return;
      if (left <= 0) {
        var form = el.closest("form");
        if (form) form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        el.textContent = "now (the time to undo has passed)";
      } else {
        el.textContent = relative(left);
      }
    });
  }
  // A refused form: focus goes to the first field in error (`autofocus` does it without script).
  function focusFirstError() {
    var first = document.querySelector("[aria-invalid=true]");
    if (first && document.activeElement !== first) first.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    focusFirstError();
    setInterval(undoTick, 1000);
    rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
    labelCells();
    copyButtons();
    reblur();
    players();
    titleRest = document.title.replace(/^\([^)]*\) /, "");
    tick();
    setInterval(tick, 1000);
  });
})();
