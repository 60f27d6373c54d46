/* Haven staff console. No dependencies; every piece of data is shown with textContent, never as HTML.
   A conversation is addressed by its handoff's id and named by a short reference: the console never has the
   conversation id, which is the survivor's key to their chat. */
(function () {
  'use strict';

  const PING_MS = 30000; /* the gateway counts a console silent for 90 s as away */
  /* Why a conversation or a message is urgent (the `risk` values of bot/risk.py): said, not only coloured. */
  const RISK_LABELS = { danger: 'Danger', self_harm: 'Thoughts of self-harm' };
  /* `open` is the id of the handoff whose conversation is shown. */
  const state = { me: null, socket: null, open: null, known: {}, typingTimer: null, typingOn: false, editingReply: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function notice(text) { $('notice').textContent = text || ''; }
  function riskBadge(node, risk) {
    if (!RISK_LABELS[risk]) { return; }
    node.appendChild(el('span', RISK_LABELS[risk], 'badge'));
    node.appendChild(document.createTextNode(' '));
  }
  function minutesAgo(seconds) {
    const minutes = Math.max(0, Math.round((Date.now() / 1000 - seconds) / 60));
    return minutes < 1 ? 'just now' : minutes + ' min waiting';
  }

  function api(method, path, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (state.me) { headers['X-CSRF-Token'] = state.me.csrf; }
    return fetch('/staff/api/' + path, {
      method: method, headers: headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && path !== 'login') { signedOut(data.text); }
        if (!response.ok) { throw new Error(data.text || 'Something went wrong. Please try again.'); }
        return data;
      });
    });
  }
  function failed(error) { notice(error.message); }

  /* ---- signing in and out ---- */
  function signedOut(text) {
    state.me = null;
    if (state.socket) { state.socket.close(); state.socket = null; }
    $('who').hidden = true; $('console').hidden = true; $('admin').hidden = true; $('audit').hidden = true;
    $('own-password').hidden = true;
    $('login').hidden = false;
    notice(text || '');
  }

  function signedIn(me) {
    state.me = me;
    $('login').hidden = true; $('console').hidden = false; $('who').hidden = false; $('own-password').hidden = false;
    $('me').textContent = me.display_name + ' (' + me.role.replace('_', ' ') + ')';
    $('presence').value = me.presence;
    $('admin').hidden = me.role !== 'admin';
    $('audit').hidden = me.role === 'support_worker';
    notice('');
    connect();
    loadQuickReplies();
    loadColleagues();
    if (me.role === 'admin') { loadAccounts(); }
    if (me.role !== 'support_worker') { loadAudit(); }
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', 'login', { username: $('username').value, password: $('password').value })
      .then(function (me) { $('password').value = ''; signedIn(me); }, failed);
  });
  $('logout').addEventListener('click', function () {
    api('POST', 'logout', {}).then(function () { signedOut("You've signed out."); }, failed);
  });
  $('presence').addEventListener('change', function () {
    api('POST', 'presence', { presence: $('presence').value }).catch(failed);
  });

  /* ---- live socket ---- */
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const socket = new WebSocket(scheme + location.host + '/staff/socket');
    state.socket = socket;
    const pinger = setInterval(function () { send({ type: 'ping' }); }, PING_MS);
    socket.addEventListener('message', function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    });
    socket.addEventListener('close', function () {
      clearInterval(pinger);
      if (state.socket === socket && state.me) {
        notice('Connection lost. Reconnecting…');
        setTimeout(function () { if (state.me) { connect(); } }, 2000);
      }
    });
    socket.addEventListener('open', function () { if ($('notice').textContent.indexOf('Reconnecting') === 0) { notice(''); } });
  }
  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) { state.socket.send(JSON.stringify(frame)); }
  }

  function handle(frame) {
    if (frame.type === 'queue') { renderQueue(frame.waiting, frame.mine); }
    else if (frame.type === 'survivor') { survivorEvent(frame); }
    else if (frame.type === 'sent') { if (frame.handoff === state.open) { line('staff', frame.text, state.me.display_name); } }
    else if (frame.type === 'error') { notice(frame.text); }
    else if (frame.type === 'signed_out') { signedOut(frame.text); }
  }

  function alertArrival() {
    if (!$('sound').checked) { return; }
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.connect(audio.destination); tone.frequency.value = 660;
      tone.start(); tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio: the highlight still shows */ }
  }

  function renderQueue(waiting, mine) {
    const list = $('queue');
    let arrived = false;
    clear(list);
    $('waiting-count').textContent = '(' + waiting.length + ')';
    waiting.forEach(function (item) {
      const li = el('li', null, item.urgent ? 'urgent' : '');
      if (!state.known[item.id]) { li.className += ' new'; arrived = true; state.known[item.id] = true; }
      riskBadge(li, item.risk);
      li.appendChild(el('span', minutesAgo(item.requested_at)));
      li.appendChild(el('p', item.preview || '(no preview)'));
      const take = el('button', 'Take');
      take.type = 'button';
      take.setAttribute('aria-label', 'Take conversation waiting ' + minutesAgo(item.requested_at));
      take.addEventListener('click', function () {
        api('POST', 'handoffs/' + item.id + '/take', {}).then(function (data) { openConversation(data.id, data.reference); }, failed);
      });
      li.appendChild(take);
      list.appendChild(li);
    });
    if (arrived) { alertArrival(); }
    const own = $('mine');
    clear(own);
    mine.forEach(function (item) {
      const li = el('li', null, item.urgent ? 'urgent' : '');
      riskBadge(li, item.risk);
      const open = el('button', 'Open conversation ' + item.reference);
      open.type = 'button';
      open.addEventListener('click', function () { openConversation(item.id, item.reference); });
      li.appendChild(open);
      own.appendChild(li);
    });
    if (state.open && !mine.some(function (item) { return item.id === state.open; })) {
      $('survivor-state').textContent = "You're no longer holding this conversation.";
      setControls(false);
    }
  }

  /* ---- one conversation ---- */
  function line(who, text, name, risk) {
    const labels = { survivor: 'Survivor', assistant: 'Assistant', staff: name || 'You', system: '' };
    const li = el('li', null, who + (RISK_LABELS[risk] ? ' urgent' : ''));
    if (labels[who]) { li.appendChild(el('span', labels[who] + ':', 'who')); }
    riskBadge(li, risk);
    li.appendChild(el('span', text));
    $('transcript').appendChild(li);
    $('transcript').scrollTop = $('transcript').scrollHeight;
  }

  function setControls(on) {
    ['reply', 'handback', 'end', 'transfer'].forEach(function (id) { $(id).disabled = !on; });
    $('reply-form').querySelector('button').disabled = !on;
  }

  function openConversation(handoff, reference) {
    state.open = handoff;
    $('conversation').hidden = false;
    $('conversation-title').textContent = 'Conversation ' + reference;
    $('survivor-state').textContent = '';
    clear($('transcript'));
    setControls(true);
    api('GET', 'handoffs/' + handoff + '/transcript').then(function (data) {
      data.messages.forEach(function (m) { line(m.from, m.text, m.name, m.risk); });
    }, failed);
    loadNotes();
    $('reply').focus();
  }

  function survivorEvent(frame) {
    if (frame.handoff !== state.open) {
      if (frame.event === 'message') {
        notice((RISK_LABELS[frame.risk] ? RISK_LABELS[frame.risk] + ': a' : 'A') + ' new message in another of your conversations.');
      }
      return;
    }
    if (frame.event === 'message') { $('survivor-typing').hidden = true; line('survivor', frame.text, null, frame.risk); }
    else if (frame.event === 'typing') { $('survivor-typing').hidden = !frame.on; }
    else if (frame.event === 'left') {
      $('survivor-state').textContent = frame.reason === 'cancelled'
        ? 'The survivor cancelled and went back to the assistant.'
        : 'The survivor has left the chat.';
      setControls(false);
    }
    else if (frame.event === 'away') { $('survivor-state').textContent = "The survivor's page closed or lost connection. They may come back."; }
    else if (frame.event === 'back') { $('survivor-state').textContent = 'The survivor is back.'; }
  }

  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    const text = $('reply').value.trim();
    if (!text || !state.open) { return; }
    send({ type: 'message', handoff: state.open, text: text });
    $('reply').value = '';
    stopTyping();
  });
  $('reply').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('reply-form').requestSubmit(); }
  });
  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingOn && state.open) { send({ type: 'typing', handoff: state.open, on: false }); }
    state.typingOn = false;
  }
  $('reply').addEventListener('input', function () {
    if (!state.open) { return; }
    if (!state.typingOn) { state.typingOn = true; send({ type: 'typing', handoff: state.open, on: true }); }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, 3000);
  });

  function conversationAction(path, done) {
    return function () {
      if (!state.open) { return; }
      api('POST', 'handoffs/' + state.open + '/' + path, path === 'transfer' ? { to: Number($('colleague').value) } : {})
        .then(function () { line('system', done); setControls(false); }, failed);
    };
  }
  $('handback').addEventListener('click', conversationAction('handback', 'Handed back to the assistant.'));
  $('end').addEventListener('click', conversationAction('end', 'You ended the conversation.'));
  $('transfer').addEventListener('click', conversationAction('transfer', 'Transferred to a colleague.'));

  function loadNotes() {
    api('GET', 'handoffs/' + state.open + '/notes').then(function (data) {
      clear($('notes'));
      data.notes.forEach(function (note) { $('notes').appendChild(el('li', note.by + ': ' + note.text)); });
    }, failed);
  }
  $('note-form').addEventListener('submit', function (event) {
    event.preventDefault();
    const text = $('note').value.trim();
    if (!text || !state.open) { return; }
    api('POST', 'handoffs/' + state.open + '/notes', { text: text }).then(function () { $('note').value = ''; loadNotes(); }, failed);
  });

  function loadColleagues() {
    api('GET', 'colleagues').then(function (data) {
      clear($('colleague'));
      data.colleagues.forEach(function (c) {
        const option = el('option', c.display_name + ' (' + c.presence + ')');
        option.value = String(c.id);
        $('colleague').appendChild(option);
      });
    }, failed);
  }

  function loadQuickReplies() {
    api('GET', 'quick-replies').then(function (data) {
      clear($('quick-replies')); clear($('reply-list'));
      data.replies.forEach(function (reply) {
        const insert = el('button', reply.title);
        insert.type = 'button';
        insert.setAttribute('aria-label', 'Insert ' + reply.title);
        insert.addEventListener('click', function () { $('reply').value = reply.text; $('reply').focus(); });
        $('quick-replies').appendChild(insert);
        const item = el('li', reply.title + ': ' + reply.text);
        if (state.me && state.me.role === 'admin') {
          const edit = el('button', 'Edit');
          edit.type = 'button';
          edit.addEventListener('click', function () { editQuickReply(reply); });
          item.appendChild(edit);
          const remove = el('button', 'Remove');
          remove.type = 'button';
          remove.addEventListener('click', function () {
            api('DELETE', 'quick-replies/' + reply.id).then(loadQuickReplies, failed);
          });
          item.appendChild(remove);
        }
        $('reply-list').appendChild(item);
      });
    }, failed);
  }
  /* Editing fills the form with the reply; saving rewords it in place rather than adding a new one. */
  function editQuickReply(reply) {
    state.editingReply = reply.id;
    $('quick-title').value = reply.title; $('quick-text').value = reply.text;
    $('quick-save').textContent = 'Save changes to this reply';
    $('quick-title').focus();
  }
  function resetQuickForm() {
    state.editingReply = null;
    $('quick-title').value = ''; $('quick-text').value = '';
    $('quick-save').textContent = 'Add standard reply';
  }
  $('quick-form').addEventListener('submit', function (event) {
    event.preventDefault();
    const reply = { title: $('quick-title').value, text: $('quick-text').value };
    const saved = state.editingReply
      ? api('PUT', 'quick-replies/' + state.editingReply, reply)
      : api('POST', 'quick-replies', reply);
    saved.then(function () { resetQuickForm(); loadQuickReplies(); }, failed);
  });

  /* ---- admin: accounts ---- */
  function loadAccounts() {
    api('GET', 'accounts').then(function (data) {
      const roles = $('new-role');
      clear(roles);
      data.roles.forEach(function (role) { const o = el('option', role.replace('_', ' ')); o.value = role; roles.appendChild(o); });
      const rows = $('accounts'), resettable = $('reset-account');
      clear(rows); clear(resettable);
      data.accounts.forEach(function (account) {
        if (account.id !== state.me.id) {
          const option = el('option', account.username + ' (' + account.display_name + ')');
          option.value = String(account.id);
          resettable.appendChild(option);
        }
        const tr = el('tr');
        tr.appendChild(el('td', account.username));
        tr.appendChild(el('td', account.display_name));
        tr.appendChild(el('td', account.role.replace('_', ' ')));
        tr.appendChild(el('td', account.active ? 'yes' : 'no'));
        const cell = el('td'), toggle = el('button', account.active ? 'Disable' : 'Enable');
        toggle.type = 'button';
        toggle.addEventListener('click', function () {
          api('POST', 'accounts/' + account.id, { active: !account.active }).then(loadAccounts, failed);
        });
        cell.appendChild(toggle); tr.appendChild(cell); rows.appendChild(tr);
      });
    }, failed);
  }
  $('account-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', 'accounts', {
      username: $('new-username').value, display_name: $('new-display-name').value,
      role: $('new-role').value, password: $('new-password').value,
    }).then(function () {
      ['new-username', 'new-display-name', 'new-password'].forEach(function (id) { $(id).value = ''; });
      notice('Account created.'); loadAccounts(); loadColleagues();
    }, failed);
  });

  /* An admin sets a colleague's new password; every session of theirs ends. */
  $('reset-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', 'accounts/' + $('reset-account').value + '/password', { password: $('reset-password').value })
      .then(function () {
        $('reset-password').value = '';
        notice('Password reset, and they have been signed out. Give them the new one in person or by phone.');
      }, failed);
  });

  /* ---- everyone: their own password (the current one is asked for; other sessions end) ---- */
  $('own-password-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', 'password', { current: $('current-password').value, new: $('new-own-password').value })
      .then(function () {
        $('current-password').value = ''; $('new-own-password').value = '';
        notice('Your password has been changed.');
      }, failed);
  });

  /* ---- supervisors: audit ---- */
  function loadAudit() {
    api('GET', 'audit').then(function (data) {
      const rows = $('audit-rows');
      clear(rows);
      data.entries.forEach(function (entry) {
        const tr = el('tr');
        tr.appendChild(el('td', new Date(entry.at * 1000).toLocaleString('en-GB')));
        tr.appendChild(el('td', entry.actor));
        tr.appendChild(el('td', entry.action.replace('_', ' ')));
        tr.appendChild(el('td', entry.reference));
        rows.appendChild(tr);
      });
    }, failed);
  }
  $('audit-refresh').addEventListener('click', loadAudit);

  api('GET', 'me').then(signedIn, function () { signedOut(''); });
})();
