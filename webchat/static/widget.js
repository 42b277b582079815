/* Switchboard web chat widget: one script tag, no framework, UI isolated in a shadow root.
   Every text from people or the server goes through textContent, never innerHTML. */
(function () {
  "use strict";
  if (window.__switchboardWidget) return;
  window.__switchboardWidget = true;

  var script = document.currentScript || document.querySelector("script[src*='/webchat/widget.js']");
  var data = (script && script.dataset) || {};
  var cfg = window.SwitchboardConfig || {};
  var opt = function (name, fallback) { return cfg[name] || data[name] || fallback; };
  var base = opt("server", script ? new URL(script.src, location.href).origin : location.origin).replace(/\/$/, "");
  var lang = String(opt("lang", navigator.language || "en")).slice(0, 2).toLowerCase() === "ru" ? "ru" : "en";
  var TEXTS = {
    en: {
      title: "Support", open: "Open support chat", close: "Close chat", input: "Your message",
      send: "Send message", file: "Attach a screenshot or file", typing: "Support is typing…",
      offline: "Connecting…", queued: "Will be sent when the connection is back", you: "You",
      support: "Support", unread: " ({n} unread)", log: "Conversation", choices: "Options",
      fileFailed: "The file could not be sent.", download: "Download",
      emailAsk: "Leave your e-mail to get replies when you are away (optional).", emailLabel: "Your e-mail",
      emailSave: "Save", emailSkip: "No, thanks", emailSaved: "We sent a link to {email}: open it to get replies there while you are away."
    },
    ru: {
      title: "Поддержка", open: "Открыть чат поддержки", close: "Закрыть чат", input: "Ваше сообщение",
      send: "Отправить сообщение", file: "Приложить скриншот или файл", typing: "Поддержка печатает…",
      offline: "Подключение…", queued: "Будет отправлено, когда связь восстановится", you: "Вы",
      support: "Поддержка", unread: " (непрочитанных: {n})", log: "Переписка", choices: "Варианты",
      fileFailed: "Файл не удалось отправить.", download: "Скачать",
      emailAsk: "Оставьте e-mail, чтобы получать ответы, когда вас нет в чате (необязательно).",
      emailLabel: "Ваш e-mail", emailSave: "Сохранить", emailSkip: "Нет, спасибо",
      emailSaved: "Мы отправили ссылку на {email}: откройте её, чтобы получать туда ответы, пока вас нет в чате."
    }
  };
  var T = TEXTS[lang];
  // A text the site may set per language (data-title-ru, {title: {ru: ...}}) or once for all.
  function localized(name, fallback) {
    var own = cfg[name];
    if (own && typeof own === "object") return own[lang] || fallback;
    return data[name + (lang === "ru" ? "Ru" : "En")] || own || data[name] || fallback;
  }
  var title = localized("title", T.title);
  var KEY = "switchboard:" + base;
  var LINGER = 60000; // ms a socket nothing needs stays open: the question after a closing notice
  var state = load();
  var socket = null, attempts = 0, timer = null, typingTimer = null, lingerTimer = null, isOpen = false;
  var seen = 0; // the highest event id shown on this page: a new page asks for the whole history
  var liveFrom = 0; // events after this id (the welcome's last) happen now, not in replayed history
  var unreadHint = 0; // unread messages counted by the server while no socket brought them here
  var emailOffer = false; // the server has not asked this visitor for an e-mail yet (asked once)
  var awayTimer = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: memory only */ }
  }
  state.last = state.last || 0;
  state.read = state.read || 0;
  state.queue = state.queue || [];

  function icon(d) {
    // Drawn, not an emoji: many systems (and headless browsers) lack an emoji font.
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }

  // --- UI -----------------------------------------------------------------
  var host = el("div", { id: "switchboard-widget" });
  host.style.setProperty("--sb-color", opt("color", "#2f6fed"));
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: base + "/webchat/widget.css" }));
  var box = el("div", { "class": "sb " + (opt("position", "right") === "left" ? "left" : "right"), lang: lang });
  var launcher = el("button", { "class": "launcher", type: "button", "aria-label": T.open, "aria-expanded": "false" });
  launcher.appendChild(icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"));
  var badge = el("span", { "class": "badge", "aria-hidden": "true", hidden: "" });
  launcher.appendChild(badge);
  var panel = el("div", { "class": "panel", role: "dialog", "aria-label": title, hidden: "" });
  var head = el("div", { "class": "head" });
  head.appendChild(el("span", { "class": "title" }, title));
  var status = el("span", { "class": "status", role: "status" });
  head.appendChild(status);
  var closeButton = el("button", { "class": "close", type: "button", "aria-label": T.close }, "×");
  head.appendChild(closeButton);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.log,
    tabindex: "0" });  // a long conversation scrolls: the keyboard must reach it too
  var typing = el("div", { "class": "typing", hidden: "" }, T.typing);
  var notice = el("div", { "class": "notice", role: "alert", hidden: "" });
  var form = el("form", { "class": "compose" });
  var fileInput = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp,application/pdf", hidden: "" });
  var fileButton = el("button", { type: "button", "class": "attach", "aria-label": T.file, title: T.file });
  fileButton.appendChild(icon("M16.5 6.5 8.8 14.2a1.8 1.8 0 0 0 2.5 2.5l8-8a3.5 3.5 0 0 0-5-5l-8.3 8.3a5.3 5.3 0 0 0 7.5 7.5l7-7-1.4-1.4-7 7a3.3 3.3 0 0 1-4.7-4.7l8.3-8.3a1.5 1.5 0 0 1 2.2 2.2l-8 8-.2-.2 7.7-7.7z"));
  var input = el("textarea", { rows: "1", "aria-label": T.input, placeholder: T.input });
  var sendButton = el("button", { type: "submit", "class": "send", "aria-label": T.send, title: T.send });
  sendButton.appendChild(icon("M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z"));
  [fileInput, fileButton, input, sendButton].forEach(function (n) { form.appendChild(n); });
  // Asked once, after the request has its number: where replies go while the visitor is away.
  var away = el("form", { "class": "away", "aria-label": T.emailLabel, novalidate: "", hidden: "" });
  var awayText = el("p", { id: "sb-away-text" }, T.emailAsk);
  var awayInput = el("input", { type: "email", autocomplete: "email", "aria-label": T.emailLabel,
    placeholder: "name@example.com", "aria-describedby": "sb-away-text", maxlength: "128" });
  var awaySave = el("button", { type: "submit", "class": "save" }, T.emailSave);
  var awaySkip = el("button", { type: "button", "class": "skip" }, T.emailSkip);
  var awayError = el("p", { "class": "error", role: "alert", hidden: "" });
  var awayRow = el("div", { "class": "row" });
  [awayInput, awaySave, awaySkip].forEach(function (n) { awayRow.appendChild(n); });
  [awayText, awayRow, awayError].forEach(function (n) { away.appendChild(n); });
  [head, log, typing, notice, away, form].forEach(function (n) { panel.appendChild(n); });
  box.appendChild(panel);
  box.appendChild(launcher);
  root.appendChild(box);
  (document.body || document.documentElement).appendChild(host);

  function setOpen(open) {
    isOpen = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      markRead();
      input.focus();
      toBottom();
      if (!socket) connect();
    } else {
      launcher.focus();
      settle(0);
    }
  }
  launcher.addEventListener("click", function () { setOpen(!isOpen); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  box.addEventListener("keydown", function (e) { if (e.key === "Escape" && isOpen) setOpen(false); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  fileButton.addEventListener("click", function () { fileInput.click(); });
  away.addEventListener("submit", function (e) {
    e.preventDefault();
    answerEmail({ type: "email", email: awayInput.value.trim() });
  });
  awaySkip.addEventListener("click", function () { answerEmail({ type: "email", skip: true }); });
  fileInput.addEventListener("change", function () {
    if (fileInput.files[0]) upload(fileInput.files[0]);
    fileInput.value = "";
  });

  function showNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function markRead() {
    state.read = state.last;
    unreadHint = 0;
    save();
    updateBadge();
  }
  function updateBadge() {
    var n = 0;
    log.querySelectorAll(".msg.in").forEach(function (m) { if (+m.dataset.id > state.read) n++; });
    n = Math.max(n, unreadHint);
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    launcher.setAttribute("aria-label", T.open + (n ? T.unread.replace("{n}", n) : ""));
  }

  // --- the e-mail for replies while away ------------------------------------
  function offerEmail() {
    if (!emailOffer || !away.hidden) return;
    away.hidden = false;
    if (pinned) toBottom();
  }
  // The address just saved could not be used (its confirmation mail was refused): ask again now.
  function offerEmailAgain() {
    clearTimeout(awayTimer);
    awayText.textContent = T.emailAsk;
    awayText.removeAttribute("role");
    if (!awayRow.parentNode) away.insertBefore(awayRow, awayError);
    awayInput.value = "";
    awayInput.removeAttribute("aria-invalid");
    awayError.hidden = true;
    away.hidden = true;
    emailOffer = true;
    offerEmail();
  }
  function answerEmail(frame) {
    if (!socket || socket.readyState !== 1 || !socket.ready) { showAwayError(T.offline); return; }
    socket.send(JSON.stringify(frame));
  }
  function showAwayError(text) {
    awayError.textContent = text;
    awayError.hidden = false;
    awayInput.setAttribute("aria-invalid", "true");
    awayInput.focus();
  }
  function emailAnswered(f) {
    if (f.status === "error") { showAwayError(f.message); return; }
    emailOffer = false;
    if (f.status !== "saved") { away.hidden = true; return; }
    // The question gives way to where replies go now; the keyboard goes back to the message box.
    awayRow.remove();
    awayError.hidden = true;
    awayText.textContent = T.emailSaved.replace("{email}", f.email);
    awayText.setAttribute("role", "status");
    input.focus();
    awayTimer = setTimeout(function () { away.hidden = true; }, 8000);
  }

  // --- keeping the newest message in view -----------------------------------
  // Images and files arrive after their message was drawn and scrolled to; while the visitor is at
  // the bottom of the log, any message that grows brings the log back to the bottom.
  var pinned = true, autoTop = 0;
  function toBottom() {
    log.scrollTop = log.scrollHeight;
    autoTop = log.scrollTop;
    pinned = true;
  }
  log.addEventListener("scroll", function () {
    // The scroll event of our own toBottom can arrive after an image grew the log: only a move up
    // from where we put it is the visitor's.
    pinned = log.scrollTop >= autoTop - 2 || log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  });
  var resized = window.ResizeObserver ? new ResizeObserver(function () { if (pinned) toBottom(); }) : null;
  function follow(node) {
    if (resized) resized.observe(node);
    toBottom();
  }

  // --- rendering ----------------------------------------------------------
  function bubble(from, id) {
    var incoming = from !== "visitor";
    var node = el("div", { "class": "msg " + (incoming ? "in " : "out ") + from });
    if (id) node.dataset.id = id;
    node.appendChild(el("span", { "class": "who" }, incoming ? T.support : T.you));
    return node;
  }

  function render(event) {
    var node = bubble(event.from, event.id);
    if (event.status) node.classList.add("status-change", "status-" + event.status);
    if (event.text) node.appendChild(el("div", { "class": "text" }, event.text));
    (event.attachments || []).forEach(function (a) { node.appendChild(attachment(event.id, a)); });
    if (event.client_id) {
      var pending = log.querySelector('[data-client="' + event.client_id + '"]');
      if (pending) pending.remove();
    }
    var hadFocus = disableChoices();
    var group = event.choices && event.choices.length ? choices(event.choices) : null;
    if (group) node.appendChild(group);
    log.insertBefore(node, log.querySelector(".pending"));
    follow(node);
    typing.hidden = true;
    if (event.from !== "visitor" && event.ticket_id) offerEmail();
    // The visitor was on a choice that just went stale: the new choices, or the text box, take the keys.
    if (hadFocus) (group ? group.querySelector("button") : input).focus();
  }

  // Disables every offered choice; true if one of them had the keyboard focus (a disabled button
  // drops it to the page body, where whatever is typed next is lost).
  function disableChoices() {
    var active = root.activeElement, hadFocus = false;
    log.querySelectorAll(".choices button").forEach(function (b) {
      if (b === active) hadFocus = true;
      b.disabled = true;
    });
    return hadFocus;
  }

  function choices(list) {
    var group = el("div", { "class": "choices", role: "group", "aria-label": T.choices });
    list.forEach(function (c) {
      var b = el("button", { type: "button", "aria-label": c.label }, c.label);
      b.addEventListener("click", function () {
        disableChoices();
        b.classList.add("chosen");
        b.setAttribute("aria-pressed", "true");
        input.focus(); // the next question usually wants words; text already typed there stays
        queue({ text: c.label, choice: c.id });
      });
      group.appendChild(b);
    });
    return group;
  }

  function attachment(id, a) {
    var wrap = el("div", { "class": "file" });
    var url = base + "/webchat/files/" + id + "/" + a.index;
    // Files need the token, which must not appear in a URL: fetch, then show the blob.
    fetch(url, { headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then(function (blob) {
        var href = URL.createObjectURL(blob);
        if (a.kind === "image") {
          var img = el("img", { src: href, alt: a.filename || "image" });
          if (!resized) img.addEventListener("load", function () { if (pinned) toBottom(); });
          wrap.appendChild(img);
        } else {
          var link = el("a", { href: href, download: a.filename || "file", "aria-label": T.download + " " + (a.filename || "") }, (a.filename || "file"));
          wrap.appendChild(link);
        }
      })
      .catch(function () { wrap.appendChild(el("span", { "class": "missing" }, (a.filename || "file"))); });
    return wrap;
  }

  function renderPending(item) {
    var node = bubble("visitor");
    node.classList.add("pending");
    node.dataset.client = item.client_id;
    node.title = T.queued;
    node.appendChild(el("div", { "class": "text" }, item.text));
    log.appendChild(node);
    follow(node);
  }

  // --- sending --------------------------------------------------------------
  function clientId() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return "c" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function submit() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    queue({ text: text });
  }

  function queue(item) {
    state.active = true; // a visitor who writes has a conversation to follow
    item.client_id = clientId();
    state.queue.push(item);
    save();
    renderPending(item);
    transmit(item);
  }

  function transmit(item) {
    if (!socket) connect();
    if (socket.readyState !== 1 || !socket.ready) return; // stays queued until the next welcome
    socket.send(JSON.stringify({ type: "message", client_id: item.client_id, text: item.text, choice: item.choice || null }));
  }

  function upload(file) {
    showNotice("");
    var body = new FormData();
    body.append("file", file);
    body.append("client_id", clientId());
    body.append("lang", lang);
    fetch(base + "/webchat/upload", { method: "POST", body: body, headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || T.fileFailed); }); })
      .catch(function (e) { showNotice(e.message || T.fileFailed); });
  }

  // --- connection -----------------------------------------------------------
  // A socket costs the server memory, so the widget holds one only while the chat is open, a message
  // waits to be sent, or the visitor has a conversation in progress (then replies arrive live).
  function wanted() {
    return isOpen || state.active || state.queue.length > 0;
  }

  // Closes the socket when nothing needs it any more, after `delay` ms (a closing notice is often
  // followed by a question, such as a rating).
  function settle(delay) {
    clearTimeout(lingerTimer);
    if (wanted() || !socket) return;
    lingerTimer = setTimeout(function () {
      if (wanted() || !socket) return;
      var ws = socket;
      socket = null;
      clearTimeout(timer);
      ws.close(1000);
      status.textContent = "";
    }, delay);
  }

  // A returning visitor with nothing in progress: one HTTP request tells whether to connect and how
  // many answers are unread (an agent may have written after the request was closed).
  function probe() {
    fetch(base + "/webchat/state?read=" + state.read, { headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        state.active = s.active;
        save();
        if (s.active) { connect(); return; }
        unreadHint = s.unread;
        updateBadge();
      })
      .catch(function () { /* nothing is lost: opening the chat connects and fetches the history */ });
  }

  function greet(text) {
    if (!text || log.querySelector(".greeting")) return;
    var node = bubble("bot");
    node.classList.add("greeting");
    node.appendChild(el("div", { "class": "text" }, text));
    log.insertBefore(node, log.firstChild);
  }

  function connect() {
    clearTimeout(timer);
    clearTimeout(lingerTimer);
    status.textContent = T.offline;
    var ws = new WebSocket(base.replace(/^http/, "ws") + "/webchat/ws");
    socket = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({
        type: "hello", token: state.token || null, after: seen, lang: lang,
        user_id: opt("userId", null), user_hash: opt("userHash", null), name: opt("userName", null)
      }));
    };
    ws.onmessage = function (m) {
      var f = JSON.parse(m.data);
      if (f.type === "welcome") {
        if (f.token) state.token = f.token;
        var wasActive = state.active;
        state.active = f.active !== false || state.queue.length > 0;
        liveFrom = f.last;
        unreadHint = 0;
        emailOffer = f.email_offer === true;
        if (f.reset || f.last < state.last) {
          // Our token is not the one that conversation belonged to (a new token, or a reset server).
          seen = state.last = state.read = 0;
          log.querySelectorAll(".msg:not(.pending)").forEach(function (n) { n.remove(); });
        }
        save();
        attempts = 0;
        ws.ready = true;
        status.textContent = "";
        if (f.last === 0) greet(localized("greeting", f.greeting));
        state.queue.forEach(transmit);
        // A request that ended while we were away: its closing notice may still be on its way here,
        // and a socket closed at once would never count it as unread.
        settle(wasActive ? LINGER : 0);
      } else if (f.type === "event") {
        if (f.id <= seen) return; // already shown: a reconnect never duplicates
        seen = f.id;
        render(f);
        if (f.id > liveFrom) {
          if (f.email_offer === true) offerEmailAgain();
          if (f.from === "visitor") state.active = true;
          else if (f.status === "closed") state.active = false;
        }
        state.last = Math.max(state.last, f.id);
        if (isOpen && document.visibilityState !== "hidden") state.read = state.last;
        save();
        updateBadge();
        settle(LINGER);
      } else if (f.type === "ack") {
        state.queue = state.queue.filter(function (i) { return i.client_id !== f.client_id; });
        save();
        settle(LINGER);
      } else if (f.type === "typing") {
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.hidden = true; }, 6000);
      } else if (f.type === "email") {
        emailAnswered(f);
      } else if (f.type === "error") {
        showNotice(f.message);
      }
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      socket = null;
      status.textContent = T.offline;
      if (!wanted()) { status.textContent = ""; return; }
      // Exponential backoff with jitter, so a restarted server is not hit by every widget at once.
      var delay = Math.min(30000, 500 * Math.pow(2, attempts++)) * (0.5 + Math.random() / 2);
      timer = setTimeout(connect, delay);
    };
  }

  state.queue.forEach(renderPending);
  if (opt("open", false)) setOpen(true);
  else if (state.active || state.queue.length) connect();
  else if (state.token) probe();
  window.SwitchboardWidget = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
})();
