/*! Haven chat widget. One script tag, no dependencies, nothing that outlives the tab.
 *
 *   <script src="https://GATEWAY/widget/haven-widget.js" defer
 *           data-exit-url="https://www.bbc.co.uk/weather"></script>
 *
 * data-gateway (default: this script's origin), data-exit-url (default: BBC Weather).
 * Speaks docs/protocol.md over GATEWAY/chat/socket. Keeps state in sessionStorage only (keys
 * "haven.*"), wiped by quick exit: the Exit button, Shift pressed three times within 5 seconds,
 * or any host-page element with a data-haven-exit attribute.
 * Plain ES2017, no build step. The only global: window.HavenWidget = { quickExit }.
 */
(function () {
  'use strict';
  if (window.HavenWidget) return;

  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const scriptSrc = (script && script.src) || location.href;
  const DEFAULT_EXIT = 'https://www.bbc.co.uk/weather';
  const MAX_CHARS = 2000;
  const COUNT_FROM = 1500;
  const KEEP = 300;
  const PREFIX = 'haven.';
  const ID = /^[0-9a-f]{32}$/;
  // Filled in by the gateway from the facts it holds (bot/wording.py), never a second copy of the number.
  const HELPLINE = '{{HELPLINE}}';
  const DELETED = 'This chat has been deleted from the charity\'s system and cleared from this window. ' +
    'You can start a new chat at any time.';
  const NOT_DELETED = 'Sorry, I couldn\'t delete that chat. It has been cleared from this window, and it will be ' +
    'deleted automatically after the charity\'s retention period.';
  const TOO_LONG = 'Sorry, that message is too long for me. Could you split it into shorter messages? ' +
    'Your text is still in the box.';

  function webUrl(value, base) {
    try {
      const url = new URL(value, base);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch (e) {
      return null;
    }
  }

  const gatewayUrl = (data.gateway && webUrl(data.gateway, location.href)) || null;
  const ownUrl = webUrl(scriptSrc, location.href);
  const gateway = (gatewayUrl ? gatewayUrl.href : (ownUrl || location).origin).replace(/\/+$/, '');
  const exitUrl = ((data.exitUrl && webUrl(data.exitUrl, location.href)) || new URL(DEFAULT_EXIT)).href;
  const socketUrl = gateway.replace(/^http/i, 'ws') + '/chat/socket';

  // ---- state ----------------------------------------------------------------------------------
  let exiting = false;
  let conv = null; // conversation id
  // The transcript: {i: id, w: who ('u' survivor, 'b' assistant, 'n' note), t: text, v: payload sent instead of t,
  // f: id of the assistant message whose button this was, b: buttons, c: index of the chosen button,
  // p: not yet accepted by the gateway, a: accepted, reply still on its way}
  let entries = [];
  let seq = 0;
  const nodes = new Map();
  let isOpen = false;
  let ws = null;
  let ready = false; // started/resumed on the current socket
  let wanted = false; // we should be connected
  let everConnected = false;
  let inflight = null; // the one message sent and not yet acknowledged
  let attempts = 0;
  let retryTimer = 0;
  let connTimers = null;
  let countTimer = 0;

  // ---- sessionStorage (the only storage used) -------------------------------------------------
  function sget(key) {
    try {
      return window.sessionStorage.getItem(PREFIX + key);
    } catch (e) {
      return null;
    }
  }
  function sset(key, value) {
    if (exiting) return;
    try {
      window.sessionStorage.setItem(PREFIX + key, value);
    } catch (e) { /* full or blocked: the chat still works on this page */ }
  }
  function sdel(key) {
    try {
      window.sessionStorage.removeItem(PREFIX + key);
    } catch (e) { /* blocked: nothing was stored */ }
  }
  function wipe() {
    try {
      const store = window.sessionStorage;
      const keys = [];
      for (let k = 0; k < store.length; k++) {
        const key = store.key(k);
        if (key && key.indexOf(PREFIX) === 0) keys.push(key);
      }
      keys.forEach(function (key) { store.removeItem(key); });
    } catch (e) { /* blocked: nothing was stored */ }
  }

  // ---- quick exit -----------------------------------------------------------------------------
  function quickExit() {
    if (!exiting) {
      exiting = true;
      // Ask the gateway to erase this conversation (it does when HAVEN_ERASE_ON_EXIT is on). A beacon
      // is delivered even as the page goes away; text/plain keeps it a simple request.
      if (conv && navigator.sendBeacon) {
        try { navigator.sendBeacon(gateway + '/chat/exit', JSON.stringify({ conversation: conv })); } catch (e) { /* leave anyway */ }
      }
      wipe();
      clearTimeout(retryTimer);
      if (ws) {
        try {
          if (ws.readyState === 1) ws.send('{"type":"end"}');
          ws.onclose = ws.onmessage = ws.onopen = null;
          ws.close();
        } catch (e) { /* already closed */ }
        ws = null;
      }
      try {
        document.title = '';
        const root = document.documentElement;
        while (root.firstChild) root.removeChild(root.firstChild);
        root.appendChild(document.createElement('head'));
        root.appendChild(document.createElement('body'));
      } catch (e) { /* keep going: leaving matters most */ }
    }
    window.location.replace(exitUrl);
  }

  function exitTarget(target) {
    return target && target.closest ? target.closest('[data-haven-exit]') : null;
  }
  document.addEventListener('click', function (event) {
    if (exitTarget(event.target)) {
      event.preventDefault();
      quickExit();
    }
  }, true);

  // Shift three times within 5 seconds (Shift used to type a capital does not count; any other key resets).
  let shifts = [];
  let shiftModifier = false;
  let shiftTimer = 0;
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Shift') {
      if (!event.repeat) shiftModifier = event.ctrlKey || event.altKey || event.metaKey; // not Ctrl+Shift etc.
      return;
    }
    shiftModifier = true;
    if (shifts.length) showShifts([]);
    if (event.key === ' ' && exitTarget(event.target) && event.target.tagName !== 'BUTTON') {
      event.preventDefault();
      quickExit();
    }
  }, true);
  document.addEventListener('keyup', function (event) {
    if (event.key !== 'Shift' || shiftModifier) return;
    const now = Date.now();
    const recent = shifts.filter(function (time) { return now - time < 5000; });
    recent.push(now);
    if (recent.length >= 3) quickExit();
    else showShifts(recent);
  }, true);

  // ---- DOM helpers ----------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }
  function attrs(node, values) {
    Object.keys(values).forEach(function (name) { node.setAttribute(name, values[name]); });
    return node;
  }
  function button(className, text, onClick) {
    const node = el('button', className, text);
    node.type = 'button';
    node.addEventListener('click', onClick);
    return node;
  }

  // Text with http(s) URLs as links; never innerHTML.
  function linkify(node, text) {
    const pattern = /\bhttps?:\/\/[^\s<>"]+/gi;
    let last = 0;
    let match;
    while ((match = pattern.exec(text))) {
      let url = match[0];
      for (;;) {
        const trimmed = url.replace(/[.,;:!?'\]]+$/, '');
        const open = (trimmed.match(/\(/g) || []).length;
        const close = (trimmed.match(/\)/g) || []).length;
        url = /\)$/.test(trimmed) && close > open ? trimmed.slice(0, -1) : trimmed;
        if (url === trimmed) break;
      }
      const href = webUrl(url);
      if (!href) continue;
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      const link = el('a', null, url);
      link.href = href.href;
      link.rel = 'noopener noreferrer';
      link.target = '_blank';
      link.appendChild(el('span', 'haven-sr', ' (opens in a new tab)'));
      node.appendChild(link);
      last = match.index + url.length;
      pattern.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- the widget's DOM ---------------------------------------------------------------------------
  const exitBar = attrs(el('div', 'haven-exitbar'), { role: 'region', 'aria-label': 'Quick exit', lang: 'en-GB' });
  const exitButton = attrs(button('haven-exit', 'Exit', function () {}), { 'data-haven-exit': '' });
  const pips = attrs(el('span', 'haven-pips'), { 'aria-hidden': 'true' });
  for (let k = 0; k < 3; k++) pips.appendChild(el('span', 'haven-pip'));
  exitButton.appendChild(pips);
  const shiftStatus = attrs(el('div', 'haven-sr'), { 'aria-live': 'polite' });
  exitBar.appendChild(exitButton);
  exitBar.appendChild(shiftStatus);

  function showShifts(recent) {
    shifts = recent;
    clearTimeout(shiftTimer);
    exitButton.setAttribute('data-count', String(recent.length));
    const left = 3 - recent.length;
    shiftStatus.textContent = recent.length
      ? 'Shift, press ' + left + ' more time' + (left === 1 ? '' : 's') + ' to exit.'
      : '';
    if (recent.length) shiftTimer = setTimeout(function () { showShifts([]); }, 5000 - (Date.now() - recent[0]));
  }

  const root = attrs(el('aside', 'haven'), { 'aria-label': 'Chat', lang: 'en-GB' });
  const launcher = attrs(button('haven-launcher', 'Chat with us', function () { openPanel(true); }), {
    'aria-expanded': 'false',
    'aria-controls': 'haven-panel',
    'aria-describedby': 'haven-new',
  });
  const newHint = attrs(el('span', 'haven-sr'), { id: 'haven-new' });

  const panel = attrs(el('div', 'haven-panel'), {
    id: 'haven-panel',
    role: 'dialog',
    'aria-modal': 'false',
    'aria-label': 'Chat',
  });
  const head = el('div', 'haven-head');
  const endButton = button('haven-hbtn', 'End chat', function () { showConfirm(true); });
  const deleteButton = button('haven-hbtn', 'Delete chat', function () { showDelete(true); });
  const minButton = attrs(button('haven-hbtn haven-min', null, function () { closePanel(true); }), {
    'aria-label': 'Minimise chat',
  });
  minButton.appendChild(attrs(el('span', 'haven-min-icon'), { 'aria-hidden': 'true' }));
  head.appendChild(el('h2', 'haven-title', 'Chat'));
  head.appendChild(endButton);
  head.appendChild(deleteButton);
  head.appendChild(minButton);

  const confirmBar = el('div', 'haven-confirm');
  confirmBar.appendChild(el('p', null, 'End this chat? It will be cleared from this window.'));
  const confirmActions = el('div', 'haven-actions');
  const confirmEnd = button('haven-btn haven-btn--primary', 'End chat', endChat);
  confirmActions.appendChild(confirmEnd);
  confirmActions.appendChild(button('haven-btn', 'Keep chatting', function () {
    showConfirm(false);
    endButton.focus();
  }));
  confirmBar.appendChild(confirmActions);

  // "Delete chat": the same inline confirmation (no modal, nothing traps focus; Escape cancels).
  const deleteBar = el('div', 'haven-confirm');
  deleteBar.appendChild(el('p', null, 'Delete this chat? Your messages will be deleted from the charity\'s ' +
    'system and cleared from this window. This can\'t be undone.'));
  const deleteActions = el('div', 'haven-actions');
  const confirmDelete = button('haven-btn haven-btn--primary', 'Delete chat', deleteChat);
  deleteActions.appendChild(confirmDelete);
  deleteActions.appendChild(button('haven-btn', 'Keep chatting', function () {
    showDelete(false);
    deleteButton.focus();
  }));
  deleteBar.appendChild(deleteActions);

  const scroller = attrs(el('div', 'haven-scroll'), { role: 'region', 'aria-label': 'Messages', tabindex: '0' });
  const intro = attrs(el('div', 'haven-intro'), { id: 'haven-intro' });
  [
    'This is an automated assistant, not a person.',
    'To leave quickly, use Exit or press Shift three times.',
    'Exit doesn\'t erase your browser history: a private or incognito window leaves less trace.',
  ].forEach(function (line) { intro.appendChild(el('p', null, line)); });
  intro.appendChild(button('haven-btn', 'Got it', function () {
    sset('intro', '1');
    showIntro(false);
    input.focus();
  }));
  const empty = el('p', 'haven-empty', 'Type your message below when you\'re ready.');
  const log = attrs(el('div', 'haven-log'), { role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  const typing = el('div', 'haven-typing');
  const dots = attrs(el('span', 'haven-dots'), { 'aria-hidden': 'true' });
  for (let k = 0; k < 3; k++) dots.appendChild(el('span', 'haven-dot'));
  typing.appendChild(dots);
  const typingLabel = el('span', 'haven-sr', 'The assistant is typing');
  typing.appendChild(typingLabel);
  typing.hidden = true;
  scroller.appendChild(intro);
  scroller.appendChild(empty);
  scroller.appendChild(log);
  scroller.appendChild(typing);

  const conn = attrs(el('div', 'haven-conn'), { role: 'status' });

  // A support worker: the queue while waiting (with a way back to the assistant), then who has joined.
  const handoffBar = attrs(el('div', 'haven-handoff'), { role: 'status' });
  const handoffText = el('p', 'haven-handoff-text');
  const cancelButton = button('haven-btn', 'Cancel and go back to the assistant', function () {
    sendFrame({ type: 'cancel_handoff' });
  });
  handoffBar.appendChild(handoffText);
  handoffBar.appendChild(cancelButton);
  handoffBar.hidden = true;
  const notice = attrs(el('div', 'haven-notice'), { role: 'status' });

  const compose = el('div', 'haven-compose');
  const label = attrs(el('label', 'haven-sr', 'Your message'), { for: 'haven-input' });
  const input = attrs(el('textarea', 'haven-input'), {
    id: 'haven-input',
    rows: '1',
    maxlength: String(MAX_CHARS),
    autocomplete: 'off',
    'aria-describedby': 'haven-count',
  });
  const sendButton = button('haven-send', 'Send', function () { submit(); });
  const count = attrs(el('div', 'haven-count'), { id: 'haven-count' });
  const countStatus = attrs(el('div', 'haven-sr'), { 'aria-live': 'polite' });
  compose.appendChild(label);
  compose.appendChild(input);
  compose.appendChild(sendButton);
  compose.appendChild(count);
  compose.appendChild(countStatus);

  [head, confirmBar, deleteBar, handoffBar, scroller, conn, notice, compose].forEach(function (part) { panel.appendChild(part); });
  root.appendChild(launcher);
  root.appendChild(newHint);
  root.appendChild(panel);
  confirmBar.hidden = true;
  deleteBar.hidden = true;
  panel.hidden = true;

  // ---- transcript -------------------------------------------------------------------------------
  function cleanButtons(list) {
    if (!Array.isArray(list)) return undefined;
    const clean = list.filter(function (b) {
      return b && typeof b.title === 'string' && b.title && typeof b.payload === 'string' && b.payload;
    }).slice(0, 12).map(function (b) { return { title: b.title, payload: b.payload }; });
    return clean.length ? clean : undefined;
  }

  function loadEntries() {
    let list;
    try {
      list = JSON.parse(sget('transcript') || '[]');
    } catch (e) {
      list = [];
    }
    if (!Array.isArray(list)) return [];
    return list.filter(function (e) {
      return e && typeof e.t === 'string' && (e.w === 'u' || e.w === 'b' || e.w === 'n' || e.w === 's');
    }).map(function (e, k) {
      const entry = { i: typeof e.i === 'number' ? e.i : -1 - k, w: e.w, t: e.t };
      if (typeof e.v === 'string') entry.v = e.v;
      if (typeof e.f === 'number') entry.f = e.f;
      if (e.w === 'b') entry.b = cleanButtons(e.b);
      if (typeof e.c === 'number') entry.c = e.c;
      if (e.w === 'u' && e.p) entry.p = 1;
      if (e.w === 'u' && e.a) entry.a = 1;
      return entry;
    });
  }

  function save() {
    if (!entries.length) {
      sdel('transcript');
      return;
    }
    sset('transcript', JSON.stringify(entries, ['i', 'w', 't', 'v', 'f', 'b', 'title', 'payload', 'c', 'p', 'a']));
  }

  function paintChoices(entry) {
    const node = nodes.get(entry.i);
    if (!node) return;
    Array.prototype.forEach.call(node.querySelectorAll('.haven-choice'), function (b, k) {
      b.disabled = entry.c != null;
      b.classList.toggle('haven-choice--chosen', k === entry.c);
    });
  }

  function messageNode(entry) {
    const row = el('div', 'haven-msg haven-msg--' + entry.w);
    const said = { u: 'You said: ', b: 'Assistant said: ', s: 'Support worker said: ' }[entry.w];
    if (said) row.appendChild(el('span', 'haven-sr', said));
    if (entry.w === 's') row.appendChild(el('span', 'haven-name', entry.v || 'Support worker'));
    const bubble = el('div', 'haven-bubble');
    if (entry.w === 'b') linkify(bubble, entry.t);
    else bubble.textContent = entry.t;
    row.appendChild(bubble);
    if (entry.b) {
      const group = attrs(el('div', 'haven-choices'), { role: 'group', 'aria-label': 'Suggested replies' });
      entry.b.forEach(function (choice, k) {
        group.appendChild(button('haven-choice', choice.title, function (event) { choose(entry, k, event); }));
      });
      row.appendChild(group);
    }
    if (entry.p) row.appendChild(el('span', 'haven-meta', 'Sending…'));
    nodes.set(entry.i, row);
    paintChoices(entry);
    return row;
  }

  // Scroll to the latest message, but never past the start of the assistant's latest reply, so a long
  // answer is read from its first line.
  let replyStart = null;
  function scrollToEnd() {
    const end = scroller.scrollHeight - scroller.clientHeight;
    scroller.scrollTop = replyStart && replyStart.isConnected ? Math.min(end, replyStart.offsetTop - 8) : end;
  }
  function atEnd() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  }
  // Change something that resizes the message area, staying at the latest message if we were there.
  function keepEnd(change) {
    const was = atEnd();
    change();
    if (was) scrollToEnd();
  }

  function refreshEmpty() {
    empty.hidden = entries.length > 0;
  }

  function add(entry) {
    const follow = entry.w === 'u' || atEnd();
    entry.i = seq++;
    entries.push(entry);
    const row = messageNode(entry);
    log.appendChild(row);
    if (entry.w === 'u') replyStart = null;
    else if (entry.w === 'b' && !replyStart) replyStart = row;
    while (entries.length > KEEP) {
      const old = entries.shift();
      const node = nodes.get(old.i);
      if (node) node.remove();
      nodes.delete(old.i);
    }
    refreshEmpty();
    if (follow) scrollToEnd();
    save();
  }

  function removeEntry(entry) {
    const at = entries.indexOf(entry);
    if (at >= 0) entries.splice(at, 1);
    const node = nodes.get(entry.i);
    if (node) node.remove();
    nodes.delete(entry.i);
    refreshEmpty();
    save();
  }

  function markSent(entry) {
    delete entry.p;
    const node = nodes.get(entry.i);
    const meta = node && node.querySelector('.haven-meta');
    if (meta) meta.remove();
    save();
  }

  // ---- sending ------------------------------------------------------------------------------------
  function queue(entry) {
    entry.p = 1;
    add(entry);
    setNotice('');
    wanted = true;
    connect();
    flush();
  }

  function submit() {
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (text.length > MAX_CHARS) {
      setNotice(TOO_LONG);
      input.focus();
      return;
    }
    input.value = '';
    onInput();
    queue({ w: 'u', t: text });
    input.focus();
  }

  function choose(entry, k, event) {
    if (entry.c != null || !entry.b || !entry.b[k]) return;
    entry.c = k;
    paintChoices(entry);
    queue({ w: 'u', t: entry.b[k].title, v: entry.b[k].payload, f: entry.i });
    if (event && event.detail === 0) input.focus(); // chosen with the keyboard: keep focus somewhere useful
  }

  function flush() {
    if (!ready || inflight || !ws || ws.readyState !== 1) return;
    const next = entries.find(function (e) { return e.p; });
    if (!next) return;
    inflight = next;
    sendFrame({ type: 'message', text: next.v != null ? next.v : next.t });
  }

  // A message the gateway refused: take it back, its text into the input (or its buttons re-enabled).
  function reject(entry) {
    removeEntry(entry);
    if (entry.f != null) {
      const source = entries.find(function (e) { return e.i === entry.f; });
      if (source) {
        delete source.c;
        paintChoices(source);
        save();
      }
    } else {
      input.value = input.value ? input.value + '\n' + entry.t : entry.t;
      onInput();
    }
  }

  // ---- the socket ---------------------------------------------------------------------------------
  function sendFrame(frame) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  function connect() {
    if (ws || exiting || !wanted) return;
    clearTimeout(retryTimer);
    watchConnection();
    let socket;
    try {
      socket = new WebSocket(socketUrl);
    } catch (e) {
      retry();
      return;
    }
    ws = socket;
    socket.onopen = function () {
      sendFrame(conv ? { type: 'resume', conversation: conv, staff_seen: staffSeen() } : { type: 'start' });
    };
    socket.onmessage = function (event) {
      if (ws === socket) handle(event.data);
    };
    socket.onclose = function () {
      if (ws !== socket) return;
      ws = null;
      ready = false;
      inflight = null;
      setTyping(false);
      if (wanted && !exiting) retry();
      else clearConnection();
    };
  }

  function retry() {
    const delay = Math.min(15000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts = Math.min(attempts + 1, 10);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
    watchConnection();
  }

  function drop() {
    clearTimeout(retryTimer);
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try {
        ws.close(1000);
      } catch (e) { /* already closed */ }
    }
    ws = null;
    ready = false;
    inflight = null;
    setTyping(false);
    clearConnection();
  }

  // "Reconnecting…" while down; after 3 s, the helpline (never silent).
  function watchConnection() {
    if (connTimers) return;
    connTimers = [
      setTimeout(function () { showConnection(false); }, everConnected ? 0 : 1000),
      setTimeout(function () { showConnection(true); }, 3000),
    ];
  }
  function showConnection(help) {
    keepEnd(function () {
      conn.textContent = '';
      if (help == null) return;
      conn.appendChild(el('p', null, everConnected ? 'Reconnecting…' : 'Connecting…'));
      if (help) conn.appendChild(el('p', 'haven-help', HELPLINE));
    });
  }
  function clearConnection() {
    if (connTimers) connTimers.forEach(clearTimeout);
    connTimers = null;
    showConnection(null);
  }

  function handle(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch (e) {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'started':
        if (typeof frame.conversation === 'string' && ID.test(frame.conversation)) {
          conv = frame.conversation;
          sset('conversation', conv);
          sdel('staff');
        }
        becomeReady();
        break;
      case 'resumed':
        becomeReady();
        break;
      case 'typing':
        if (frame.on && inflight) {
          const sent = inflight;
          inflight = null;
          sent.a = 1; // awaiting its reply
          markSent(sent);
          flush();
        } else if (!frame.on && entries.some(awaiting)) {
          entries.forEach(function (e) { delete e.a; });
          save();
        }
        setTyping(!!frame.on);
        break;
      case 'received': // in handoff: passed to the support worker, no assistant reply to wait for
        if (inflight) {
          markSent(inflight);
          inflight = null;
          flush();
        }
        break;
      case 'handoff':
        handoffFrame(frame);
        break;
      case 'staff':
        if (typeof frame.text === 'string' && frame.text) {
          setTyping(false);
          add({ w: 's', t: frame.text, v: typeof frame.name === 'string' ? frame.name : '' });
          sset('staff', String(staffSeen() + 1));
          if (!isOpen) setUnread(true);
        }
        break;
      case 'staff_typing':
        typingLabel.textContent = 'The support worker is typing';
        setTyping(!!frame.on);
        break;
      case 'bot':
        if (typeof frame.text === 'string' && (frame.text || cleanButtons(frame.buttons))) {
          add({ w: 'b', t: frame.text, b: cleanButtons(frame.buttons) });
          if (!isOpen) setUnread(true);
        }
        break;
      case 'error':
        if (typeof frame.text === 'string') setNotice(frame.text);
        // The message was not sent: nothing is lost, its text goes back into the box.
        if (inflight && /^(too_fast|too_long|empty|bad_message|bad_text)$/.test(frame.code)) {
          const refused = inflight;
          inflight = null;
          if (frame.code === 'too_fast') entries.filter(function (e) { return e.p; }).forEach(reject);
          else reject(refused);
          flush();
        }
        break;
      case 'ended':
        conv = null;
        sdel('conversation');
        sdel('staff');
        sdel('handoff');
        showHandoff(null);
        ready = false;
        setTyping(false);
        wanted = entries.some(function (e) { return e.p; });
        add({ w: 'n', t: 'This chat has ended. To start a new one, send a message.' });
        break;
      default:
        break;
    }
  }

  // How many support worker messages this window has shown in the conversation, sent on `resume` so the
  // gateway replays only those sent while the page was changing. Counted apart from the transcript, which
  // drops its oldest entries after KEEP.
  function staffSeen() {
    const seen = parseInt(sget('staff') || '0', 10);
    return seen >= 0 ? seen : 0;
  }

  function awaiting(e) {
    return e.a;
  }

  // Where the survivor is with a support worker; kept in sessionStorage so a page change shows no
  // second "joined" notice when the gateway repeats the state on resume.
  const HANDOFF_NOTICES = {
    handed_back: 'The support worker has left the chat. You\'re back with the automated assistant.',
    ended: 'The support worker has ended the chat. You\'re back with the automated assistant. ' + HELPLINE,
    cancelled: 'You\'re back with the automated assistant. You can ask for a person again at any time.',
  };
  function handoffFrame(frame) {
    const before = sget('handoff');
    const name = typeof frame.name === 'string' && frame.name ? frame.name : '';
    if (frame.state === 'queued' && typeof frame.position === 'number') {
      sset('handoff', 'queued');
      const place = frame.position <= 1 ? 'You\'re next in the queue.' : 'You\'re number ' + frame.position + ' in the queue.';
      showHandoff('A support worker will join this chat soon. ' + place, 'Cancel and go back to the assistant');
    } else if (frame.state === 'joined') {
      sset('handoff', 'joined:' + name);
      showHandoff('You\'re chatting with a support worker' + (name ? ', ' + name : '') + '.', 'Go back to the assistant');
      if (before !== 'joined:' + name) {
        add({ w: 'n', t: 'You\'re now chatting with a support worker' + (name ? ', ' + name : '') + ', a person.' });
      }
    } else if (HANDOFF_NOTICES[frame.state]) {
      sdel('handoff');
      showHandoff(null);
      setTyping(false);
      typingLabel.textContent = 'The assistant is typing';
      if (before) add({ w: 'n', t: HANDOFF_NOTICES[frame.state] });
    }
  }
  function showHandoff(text, cancelLabel) {
    keepEnd(function () {
      handoffBar.hidden = !text;
      handoffText.textContent = text || '';
      cancelButton.textContent = cancelLabel || '';
    });
  }

  function becomeReady() {
    ready = true;
    everConnected = true;
    attempts = 0;
    clearConnection();
    // A reply that was on its way when the connection dropped (or the page changed) can't be recovered.
    if (entries.some(awaiting)) {
      entries.forEach(function (e) { delete e.a; });
      add({ w: 'n', t: 'The reply to your last message may not have arrived. If it is missing, you can send it again.' });
    }
    flush();
  }

  // Closes the conversation and forgets it in this window: socket, transcript and sessionStorage.
  function clearChat() {
    sendFrame({ type: 'end' });
    wanted = false;
    drop();
    conv = null;
    entries = [];
    nodes.clear();
    replyStart = null;
    log.textContent = '';
    sdel('conversation');
    sdel('transcript');
    sdel('handoff');
    sdel('staff');
    showHandoff(null);
    refreshEmpty();
  }

  function endChat() {
    showConfirm(false);
    clearChat();
    setNotice('You ended the chat and it has been cleared from this window. You can start a new chat at any time.');
    input.focus();
  }

  // Deletes the conversation from the charity's system (POST /chat/delete) as well as from this window.
  function deleteChat() {
    const id = conv;
    showDelete(false);
    clearChat();
    input.focus();
    if (!id) {
      setNotice(DELETED);
      return;
    }
    setNotice('Deleting this chat…');
    fetch(gateway + '/chat/delete', {
      method: 'POST',
      body: JSON.stringify({ conversation: id }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      keepalive: true,
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok || !answer.deleted) throw answer;
      });
    }).then(function () {
      setNotice(DELETED);
    }, function (answer) {
      setNotice(answer && typeof answer.text === 'string' ? answer.text : NOT_DELETED);
    });
  }

  // ---- panel ----------------------------------------------------------------------------------------
  function setTyping(on) {
    keepEnd(function () { typing.hidden = !on; });
  }
  function setNotice(text) {
    keepEnd(function () { notice.textContent = text; });
  }
  function setUnread(on) {
    launcher.classList.toggle('haven-launcher--new', on);
    newHint.textContent = on ? 'New message' : '';
  }
  function showIntro(on) {
    intro.hidden = !on;
    if (on) panel.setAttribute('aria-describedby', 'haven-intro');
    else panel.removeAttribute('aria-describedby');
  }
  function showConfirm(on) {
    if (on) showDelete(false);
    confirmBar.hidden = !on;
    if (on) confirmEnd.focus();
  }
  function showDelete(on) {
    if (on) showConfirm(false);
    deleteBar.hidden = !on;
    if (on) confirmDelete.focus();
  }

  // On a small screen (or at high zoom) the panel covers the page: keep keyboard focus out of what it hides.
  const fullScreen = window.matchMedia('(max-width: 30em), (max-height: 34em)');
  let inerted = [];
  function updateInert() {
    inerted.forEach(function (node) { node.removeAttribute('inert'); });
    inerted = [];
    if (!isOpen || !fullScreen.matches || !root.isConnected) return;
    Array.prototype.forEach.call(document.body.children, function (node) {
      if (node !== root && node !== exitBar && !node.hasAttribute('inert')) {
        node.setAttribute('inert', '');
        inerted.push(node);
      }
    });
  }
  if (fullScreen.addEventListener) fullScreen.addEventListener('change', updateInert);
  else if (fullScreen.addListener) fullScreen.addListener(updateInert);

  function openPanel(focus) {
    isOpen = true;
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    sset('open', '1');
    setUnread(false);
    wanted = true;
    connect();
    updateInert();
    onInput();
    scrollToEnd();
    if (focus) input.focus();
  }

  function closePanel(focus) {
    isOpen = false;
    panel.hidden = true;
    showConfirm(false);
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    sdel('open');
    updateInert();
    if (focus) launcher.focus();
  }

  panel.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    event.stopPropagation();
    if (!confirmBar.hidden) {
      showConfirm(false);
      endButton.focus();
    } else if (!deleteBar.hidden) {
      showDelete(false);
      deleteButton.focus();
    } else {
      closePanel(true);
    }
  });

  // Escape elsewhere on the page also tucks the panel away, so it never hides what has focus.
  document.addEventListener('keydown', function (event) {
    if ((event.key === 'Escape' || event.key === 'Esc') && isOpen && !event.defaultPrevented &&
        !panel.contains(event.target)) {
      closePanel(false);
    }
  });

  function onInput() {
    keepEnd(function () {
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight + 4, 160) + 'px';
    });
    const used = input.value.length;
    const left = MAX_CHARS - used;
    let text = '';
    if (left < 0) text = 'That\'s ' + -left + ' characters too many. Please split it into shorter messages.';
    else if (used >= COUNT_FROM) text = 'You have ' + left + ' character' + (left === 1 ? '' : 's') + ' left.';
    count.textContent = text;
    count.classList.toggle('haven-count--over', left <= 0);
    clearTimeout(countTimer);
    countTimer = setTimeout(function () { countStatus.textContent = text; }, 1000);
    tellTyping(used > 0);
  }

  // With a support worker, they see when the survivor is typing (on, then off after a pause).
  let typingSent = false;
  let typingTimer = null;
  function tellTyping(on) {
    if (!(sget('handoff') || '').startsWith('joined')) return;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { tellTyping(false); }, 3000);
    if (on !== typingSent) {
      typingSent = on;
      sendFrame({ type: 'typing', on: on });
    }
  }

  input.addEventListener('input', onInput);
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });

  // ---- start-up -------------------------------------------------------------------------------------
  // Rebuild everything from sessionStorage (on load, and when the page comes back from the back/forward
  // cache: quick exit on another page of the site may have wiped it since).
  function restore() {
    drop();
    const stored = sget('conversation');
    conv = stored && ID.test(stored) ? stored : null;
    entries = loadEntries();
    seq = entries.reduce(function (max, e) { return Math.max(max, e.i + 1); }, 0);
    nodes.clear();
    replyStart = null;
    const parent = log.parentNode;
    const next = log.nextSibling;
    if (parent && root.isConnected) parent.removeChild(log); // rebuilt off-screen: not announced again
    log.textContent = '';
    entries.forEach(function (entry) { log.appendChild(messageNode(entry)); });
    if (parent && !log.parentNode) parent.insertBefore(log, next);
    refreshEmpty();
    showIntro(sget('intro') !== '1');
    setNotice('');
    if (!conv && !entries.length) input.value = '';
    wanted = !!conv || entries.some(function (e) { return e.p; });
    if (sget('open') === '1') openPanel(false);
    else closePanel(false);
    connect();
  }

  window.addEventListener('pageshow', function (event) {
    if (event.persisted && !exiting) restore();
  });
  window.addEventListener('online', function () {
    if (wanted && !ws) {
      attempts = 0;
      connect();
    }
  });

  function mount() {
    if (exiting || root.isConnected) return;
    restore();
    exitBar.hidden = true;
    root.hidden = true;
    document.body.insertBefore(exitBar, document.body.firstChild);
    document.body.appendChild(root);
    updateInert();
    scrollToEnd();
    const sheetUrl = gateway + '/widget/haven-widget.css';
    let sheet = document.querySelector('link[data-haven-css]');
    const reveal = function () {
      exitBar.hidden = false;
      root.hidden = false;
      onInput();
      scrollToEnd();
    };
    if (sheet) {
      reveal();
    } else {
      sheet = attrs(el('link'), { rel: 'stylesheet', href: sheetUrl, 'data-haven-css': '' });
      sheet.addEventListener('load', reveal);
      sheet.addEventListener('error', reveal);
      setTimeout(reveal, 3000);
      document.head.appendChild(sheet);
    }
  }

  window.HavenWidget = Object.freeze({ quickExit: quickExit });
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
