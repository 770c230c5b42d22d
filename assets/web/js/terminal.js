// terminal.js — the counter terminal: log in (job number and password), sign
// in at a window, then call next, call a named ticket, recall, start, finish
// (with an optional case deadline), no-show, transfer, return slip with the
// missing materials, refuse with reason and basis, ask for express, set
// whereabouts; the waiting list live; keyboard shortcuts on every action.
// Every error is shown in the words the server gives in the page's language.
//
// Address: /terminal.html[?lang=en]. The session rides in the login cookie.
(async function () {
  'use strict';
  const { $, $$, el, t } = Q;
  await Q.init();

  let me = null;       // GET /api/me
  let services = [];   // GET /api/services
  let windows = [];    // GET /api/windows, for choosing and transferring
  let winId = 0;       // the window signed in at
  let win = null;      // its WindowView, live
  let queue = [];      // the tickets it could call, in order, live
  let conn = null;
  let listConn = null; // the staff stream, while logged in (cover requests, the windows live)
  let busy = false;
  let whereStatus = 'on_duty';

  const views = ['#t-login', '#t-pick', '#t-desk'];
  function view(id) {
    views.forEach((v) => Q.show(v, v === id));
    const inDesk = id === '#t-desk';
    Q.show('#t-btn-where', inDesk);
    Q.show('#t-btn-signout', inDesk);
    Q.show('#t-btn-logout', id !== '#t-login');
    Q.show('#t-btn-cases', id !== '#t-login');
    if (id === '#t-login') { coverAsks.clear(); renderCover(); }
    if (!inDesk) {
      $('#t-window-name').textContent = '';
      Q.show('#t-where', false);
    }
  }

  // ---- messages ----
  let msgTimer = null;
  function say(text, kind) {
    const m = $('#t-msg');
    m.textContent = text || '';
    m.className = 't-msg' + (kind ? ' ' + kind : '');
    clearTimeout(msgTimer);
    if (kind !== 'error' && kind !== 'alert') msgTimer = setTimeout(() => { m.textContent = ''; }, 8000);
  }

  // ---- login ----
  $('#t-login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#t-login-error').textContent = '';
    $('#t-login-btn').disabled = true;
    try {
      await Q.api('POST', '/api/login', { job_no: $('#t-jobno').value.trim(), password: $('#t-password').value });
      $('#t-password').value = '';
      await start();
    } catch (err) {
      $('#t-login-error').textContent = err.message;
    } finally {
      $('#t-login-btn').disabled = false;
    }
  });

  $('#t-btn-logout').addEventListener('click', async () => {
    // The streams close on purpose first: the logout would close them (4001).
    leaveDesk();
    leaveList();
    try { await Q.api('POST', '/api/logout', {}); } catch (e) { /* the cookie goes anyway at expiry */ }
    me = null;
    followups.hide();
    view('#t-login');
    $('#t-jobno').focus();
  });

  async function start() {
    try {
      me = await Q.api('GET', '/api/me');
    } catch (err) {
      view('#t-login');
      if (err.status !== 401) $('#t-login-error').textContent = err.message;
      $('#t-jobno').focus();
      return;
    }
    if (!me.staff || (me.role !== 'staff' && me.role !== 'director')) {
      view('#t-login');
      $('#t-login-error').textContent = t('web.term.not_staff');
      return;
    }
    $('#t-staff').textContent = Q.staffLabel(Q.staffName(me.staff), me.staff.job_no);
    followups.refresh();
    try {
      services = await Q.api('GET', '/api/services');
    } catch (err) { /* the transfer list waits for the next try */ }
    await pick();
  }

  // ---- choosing the window ----
  // pickNote is what to tell the person on the window list: why they are
  // there (a B-post holder took their window over, they were signed out).
  let pickNote = '';

  async function pick() {
    try {
      windows = await Q.api('GET', '/api/windows');
    } catch (err) {
      view('#t-pick');
      $('#t-pick-error').textContent = err.message;
      return;
    }
    listen();
    const mine = windows.find((w) => w.staff && w.staff.job_no === me.staff.job_no);
    if (mine) { desk(mine.id); return; }
    renderPick();
    $('#t-pick-error').textContent = '';
    $('#t-pick-msg').textContent = pickNote;
    pickNote = '';
    view('#t-pick');
  }

  // takeable reports whether the person may take window w over: they hold
  // its B-post and its A-post holder is away from the desk (AB岗).
  function takeable(w) {
    return !!(w.staff && w.staff.job_no !== me.staff.job_no && (me.staff.posts_b || []).includes(w.id) &&
      w.state === 'away' && !w.current);
  }

  function renderPick() {
    const postA = me.staff.posts_a || [], postB = me.staff.posts_b || [];
    $('#t-windows').replaceChildren(...windows.map((w) => {
      const taken = w.staff && w.staff.job_no !== me.staff.job_no;
      const take = takeable(w);
      const post = postA.includes(w.id) ? 'a' : postB.includes(w.id) ? 'b' : '';
      return el('button', { type: 'button', class: 't-win' + (post === 'a' ? ' mine' : '') + (take ? ' takeable' : ''),
        disabled: taken && !take, dataset: { window: w.id }, onclick: () => signIn(w.id) },
        el('span', { class: 'n', text: Q.windowName(w) }),
        post ? el('span', { class: 'post ' + post, text: t(post === 'a' ? 'web.term.post_a' : 'web.term.post_b') }) : null,
        el('span', { text: (w.services_a || []).map((c) => Q.serviceName(services.find((s) => s.code === c))).filter(Boolean).join('、') }),
        taken ? el('span', { text: t('web.term.taken', { name: Q.staffName(w.staff) }) }) : null,
        take ? el('span', { class: 'take', text: t('web.cover.can_take') }) : null);
    }));
  }

  // listen opens the staff stream for the whole session: the hall's windows
  // live (the window list, the transfer dialog), and the requests to cover
  // addressed to this person, at a window or not.
  function listen() {
    if (listConn) return;
    listConn = Q.connect({
      client: 'staff',
      onSnapshot: listState,
      onState: listState,
      onEvent: coverEvent,
    });
  }

  // listState takes the hall's windows from the staff stream. A state comes
  // whenever they change (someone signs in or out, goes away, takes a window
  // over, a window opens as temporary), and a reconnection ends with a state
  // or a snapshot, so the list shown to choose from follows the hall without
  // asking the server again.
  function listState(m) {
    if (!m.hall) return;
    windows = m.hall.windows;
    if ($('#t-pick').hidden || !me) return;
    // Signed in at a window from elsewhere: to that desk, as at login.
    const mine = windows.find((w) => w.staff && w.staff.job_no === me.staff.job_no);
    if (mine && !document.querySelector('dialog[open]')) { desk(mine.id); return; }
    renderPick();
  }

  function leaveList() {
    if (listConn) listConn.close();
    listConn = null;
  }

  // refreshWindows reads the windows again (who is signed in where), for the
  // transfer dialog.
  async function refreshWindows() {
    try { windows = await Q.api('GET', '/api/windows'); } catch (e) { /* the last list */ }
  }

  // servesNow reports whether window w is open (someone signed in) and
  // serves service now: as A, as a temporary window, or as B while the
  // service's backup is open.
  function servesNow(w, service) {
    if (!w.staff) return false;
    return (w.services_a || []).includes(service) || (w.temporary || []).includes(service) ||
      ((w.services_b || []).includes(service) && (w.backup_active || []).includes(service));
  }

  async function signIn(id) {
    try {
      await Q.api('POST', '/api/windows/' + id + '/signin', {});
      coverAsks.delete(id);
      renderCover();
      desk(id);
    } catch (err) {
      $('#t-pick-error').textContent = err.message;
    }
  }

  // ---- requests to cover (AB岗) ----
  // coverAsks: window id → the cover_needed event asking this person to
  // cover it, until the post is covered.
  const coverAsks = new Map();

  function coverEvent(ev, live) {
    if (!me || !me.staff) return;
    if (ev.type === 'cover_needed' && (ev.cover || []).includes(me.staff.job_no) && ev.window !== winId) {
      coverAsks.set(ev.window, ev);
      renderCover();
    } else if (ev.type === 'post_covered' && coverAsks.delete(ev.window)) {
      renderCover();
    }
  }

  function renderCover() {
    const box = $('#t-cover');
    const rows = [...coverAsks.keys()].sort((a, b) => a - b).map((id) => {
      const w = windows.find((x) => x.id === id);
      const name = w ? Q.windowName(w) : String(id);
      return el('span', { class: 'row' },
        el('span', { text: t('web.alert.cover_needed', { window: name }) }),
        el('button', { type: 'button', class: 'btn small', dataset: { take: id }, text: t('web.cover.take', { window: name }),
          onclick: () => takeOver(id) }));
    });
    box.replaceChildren(...rows);
    box.hidden = rows.length === 0;
  }

  // takeOver signs in at window id in one click: from the window list, or
  // from another window (which the server signs out of first).
  async function takeOver(id) {
    try {
      await Q.api('POST', '/api/windows/' + id + '/signin', {});
    } catch (err) {
      if ($('#t-desk').hidden) $('#t-pick-error').textContent = err.message;
      else say(err.message, 'error');
      return;
    }
    coverAsks.delete(id);
    renderCover();
    leaveDesk();
    desk(id);
  }

  $('#t-btn-signout').addEventListener('click', async () => {
    try {
      await Q.api('POST', '/api/windows/' + winId + '/signout', {});
      leaveDesk();
      await pick();
    } catch (err) {
      say(err.message, 'error');
    }
  });

  // ---- the desk ----
  function desk(id) {
    if (conn && winId === id) return; // there already (the staff stream may tell of a sign-in before its answer)
    winId = id;
    view('#t-desk');
    say('');
    if (conn) conn.close();
    conn = Q.connect({
      client: 'terminal',
      window: id,
      onSnapshot: take,
      onState: take,
      onEvent: (ev, live) => { coverEvent(ev, live); alertFor(ev, live); followups.heard(ev, live); },
      async onStatus(status) {
        // A session that has expired cannot reconnect: back to the login.
        if (status !== 'lost') return;
        try {
          await Q.api('GET', '/api/me');
        } catch (err) {
          if (err.status === 401) { leaveDesk(); Q.setOffline(false); view('#t-login'); }
        }
      },
    });
  }

  function leaveDesk() {
    if (conn) conn.close();
    conn = null;
    winId = 0;
    win = null;
    queue = [];
  }

  function take(msg) {
    win = msg.window;
    queue = msg.queue || [];
    if (!win.staff || win.staff.job_no !== (me && me.staff.job_no)) {
      // Signed out elsewhere (or by the director, or taken over by a B-post
      // holder): back to choosing, saying what happened.
      pickNote = win.staff
        ? t('web.cover.taken_over', { window: Q.windowName(win), name: Q.staffLabel(Q.staffName(win.staff), win.staff.job_no) })
        : t('web.cover.signed_out', { window: Q.windowName(win) });
      leaveDesk();
      pick();
      return;
    }
    render();
  }

  const svcName = (code) => Q.serviceName(services.find((s) => s.code === code)) || code;
  const minutesSince = (iso) => Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));

  function badges(tk) {
    return [
      tk.express ? el('span', { class: 'badge express', text: t('web.badge.express') }) : null,
      tk.return ? el('span', { class: 'badge return', text: t('web.badge.return') }) : null,
      tk.priority ? el('span', { class: 'badge priority', text: t('web.badge.priority') }) : null,
    ];
  }

  function render() {
    if (!win) return;
    $('#t-window-name').textContent = Q.windowName(win);
    document.title = Q.windowName(win) + ' · ' + t('web.term.title');
    const away = win.state === 'away' || whereStatus !== 'on_duty';
    const wb = $('#t-where');
    wb.hidden = !away;
    wb.textContent = t('web.where.' + (whereStatus !== 'on_duty' ? whereStatus : 'break'));
    const cur = win.current;
    $('#t-cur-number').textContent = cur ? cur.number : '—';
    if (cur) {
      $('#t-cur-info').replaceChildren(
        el('div', {}, el('span', { class: 'state', text: t('web.state.' + cur.state) }), ...badges(cur)),
        el('div', { text: svcName(cur.service) }),
        el('div', { text: [cur.calls ? t('web.term.calls', { n: cur.calls }) : '',
          t('web.term.waited', { n: minutesSince(cur.issued_at) })].filter(Boolean).join(' · ') }));
    } else {
      $('#t-cur-info').replaceChildren(el('div', { text: t('web.term.no_current') }));
    }
    const needCur = ['recall', 'start', 'finish', 'noShow', 'transfer', 'suspend', 'reject'];
    $$('.t-act').forEach((b) => {
      const a = b.dataset.act;
      b.disabled = (needCur.includes(a) && !cur) ||
        (a === 'start' && cur && cur.state !== 'called') ||
        (a === 'express' && !cur && queue.length === 0);
    });
    $('#t-queue-count').textContent = t('web.term.queue_count', { n: queue.length });
    const rows = queue.map((tk) => el('li', { dataset: { ticket: tk.id } },
      el('span', { class: 'num', text: tk.number }),
      el('span', { class: 'svc' }, svcName(tk.service), ...badges(tk),
        el('br'), t('web.term.waited', { n: minutesSince(tk.issued_at) })),
      el('button', { type: 'button', class: 'btn secondary', text: t('web.term.call_this'),
        onclick: (e) => { e.currentTarget.blur(); act('call', tk.id); } })));
    if (rows.length === 0) rows.push(el('li', { class: 'empty', text: t('web.term.queue_empty') }));
    $('#t-queue').replaceChildren(...rows);
  }
  setInterval(render, 30000); // the minutes waited

  // ---- actions ----
  const post = (action, body) => Q.api('POST', '/api/windows/' + winId + '/' + action, body || {});

  async function run(fn) {
    if (busy || !winId) return;
    busy = true;
    try {
      await fn();
    } catch (err) {
      say(err.message, 'error');
    } finally {
      busy = false;
    }
  }

  const actions = {
    callNext: () => run(async () => {
      const r = await post('call-next');
      hideSlip();
      say(t('web.ok.called', { number: r.ticket.number }));
    }),
    call: (ticketID) => run(async () => {
      const r = await post('call', { ticket_id: ticketID });
      hideSlip();
      say(t('web.ok.called', { number: r.ticket.number }));
    }),
    recall: () => run(async () => {
      const r = await post('recall');
      say(t('web.ok.recalled', { number: r.ticket.number, n: r.ticket.calls || 2 }));
    }),
    start: () => run(async () => {
      const r = await post('start');
      say(t('web.ok.started', { number: r.ticket.number }));
    }),
    noShow: () => run(async () => {
      const r = await post('no-show');
      say(t(r.ticket.state === 'waiting' ? 'web.ok.no_show_requeued' : 'web.ok.no_show', { number: r.ticket.number }));
    }),
    finish: () => openDialog('#d-finish'),
    transfer: () => openDialog('#d-transfer'),
    suspend: () => openDialog('#d-suspend'),
    reject: () => openDialog('#d-reject'),
    express: () => openDialog('#d-express'),
    where: () => openDialog('#d-where'),
  };

  function act(name, arg) {
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    const b = $('.t-act[data-act="' + name + '"]');
    if (b && b.disabled) return;
    actions[name](arg);
  }

  $$('.t-act').forEach((b) => b.addEventListener('click', () => act(b.dataset.act)));
  $('#t-btn-where').addEventListener('click', () => act('where'));

  // Keyboard shortcuts, shown on the buttons. Not while typing or in a dialog.
  const keys = { F1: 'callNext', ' ': 'callNext', r: 'recall', s: 'start', f: 'finish', n: 'noShow', t: 'transfer',
    m: 'suspend', j: 'reject', e: 'express', w: 'where' };
  document.addEventListener('keydown', (e) => {
    if ($('#t-desk').hidden || document.querySelector('dialog[open]')) return;
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    const tag = e.target && e.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    const name = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!name) return;
    e.preventDefault();
    act(name);
  });

  // ---- dialogs ----
  const fillers = {
    '#d-finish': (f) => { f.elements.due.value = ''; f.elements.date.value = ''; },
    '#d-transfer': (f) => {
      const cur = win.current;
      f.elements.service.replaceChildren(el('option', { value: '', text: t('web.transfer.any') }),
        ...services.filter((s) => !cur || s.code !== cur.service).map((s) => el('option', { value: s.code, text: s.prefix + ' ' + Q.serviceName(s) })));
      fillTransferWindows(f);
    },
    '#d-suspend': (f) => {
      const s = services.find((x) => x.code === (win.current && win.current.service));
      const box = $('.d-materials', f);
      box.replaceChildren(...(s ? Q.materials(s) : []).map((m) =>
        el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'missing', value: m }), el('span', { text: m }))));
      f.elements.other.value = '';
    },
    '#d-reject': (f) => { f.elements.reason.value = ''; f.elements.basis.value = ''; },
    '#d-express': (f) => {
      const cur = win.current;
      const opts = [];
      if (cur) opts.push(el('option', { value: '', text: t('web.express.current', { number: cur.number }) }));
      for (const tk of queue) opts.push(el('option', { value: tk.id, text: tk.number + ' ' + svcName(tk.service) }));
      f.elements.ticket.replaceChildren(...opts);
      f.elements.reason.value = '';
    },
    '#d-where': (f) => { f.elements.status.value = whereStatus; f.elements.note.value = ''; },
  };

  // submitters send a dialog's form; a returned string is an error to show.
  const submitters = {
    '#d-finish': async (f) => {
      const mode = f.elements.due.value;
      const body = {};
      if (mode === 'default') body.due = true;
      if (mode === 'date') {
        if (!f.elements.date.value) return t('web.finish.need_date');
        body.due = f.elements.date.value;
      }
      const r = await post('finish', body);
      if (r.case) {
        say(t('web.finish.case_opened', { number: r.ticket.number, case: r.case.id, due: dueDate(r.case.due) }), 'alert');
      } else {
        say(t('web.ok.finished', { number: r.ticket.number }));
      }
    },
    '#d-transfer': async (f) => {
      const body = {};
      if (f.elements.service.value) body.service = f.elements.service.value;
      if (f.elements.window.value) body.window = parseInt(f.elements.window.value, 10);
      if (!body.service && !body.window) return t('web.transfer.need');
      const r = await post('transfer', body);
      const w = windows.find((x) => x.id === body.window);
      say(t('web.ok.transferred', { number: r.ticket.number,
        to: w ? Q.windowName(w) : svcName(body.service) }));
    },
    '#d-suspend': async (f) => {
      const missing = $$('input[name=missing]:checked', f).map((i) => i.value)
        .concat(f.elements.other.value.split('\n').map((s) => s.trim()).filter(Boolean));
      if (missing.length === 0) return t('web.suspend.need');
      const slip = await post('suspend', { missing: missing });
      say(t('web.suspend.done', { slip: slip.slip_id, until: Q.fmtDate(slip.valid_until) }));
      showSlip(slip);
    },
    '#d-reject': async (f) => {
      const reason = f.elements.reason.value.trim(), basis = f.elements.basis.value.trim();
      if (!reason || !basis) return t('web.reject.need');
      await post('reject', { reason: reason, basis: basis });
      say(t('web.reject.done'));
    },
    '#d-express': async (f) => {
      const reason = f.elements.reason.value.trim();
      if (!reason) return t('web.express.need');
      const body = { reason: reason };
      if (f.elements.ticket.value) body.ticket_id = f.elements.ticket.value;
      await post('express', body);
      say(t('web.express.sent'));
    },
    '#d-where': async (f) => {
      const status = f.elements.status.value;
      const note = f.elements.note.value.trim();
      await post('whereabouts', note ? { status: status, note: note } : { status: status });
      whereStatus = status;
      say(t('web.where.set', { status: t('web.where.' + status) }));
      render();
    },
  };

  // fillTransferWindows offers the windows open now that serve the service
  // the ticket goes to (the one chosen, else its own).
  function fillTransferWindows(f) {
    const cur = win && win.current;
    const service = f.elements.service.value || (cur && cur.service);
    f.elements.window.replaceChildren(el('option', { value: '', text: t('web.transfer.any') }),
      ...windows.filter((w) => w.id !== winId && servesNow(w, service)).map((w) => el('option', { value: w.id, text: Q.windowName(w) })));
  }
  $('#d-transfer form').elements.service.addEventListener('change', (e) => fillTransferWindows(e.target.form));

  async function openDialog(id) {
    if (!win) return;
    if (id === '#d-transfer') await refreshWindows();
    const d = $(id);
    const f = $('form', d);
    $('.error', d).textContent = '';
    fillers[id](f);
    d.showModal();
  }

  Object.keys(submitters).forEach((id) => {
    const d = $(id);
    const f = $('form', d);
    $$('[data-close]', d).forEach((b) => b.addEventListener('click', () => d.close()));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const submit = $('button[type=submit]', f);
      submit.disabled = true;
      try {
        const problem = await submitters[id](f);
        if (problem) { $('.error', d).textContent = problem; return; }
        d.close();
      } catch (err) {
        $('.error', d).textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
  });

  // ---- the return slip just issued: shown until the next call, printable ----
  function showSlip(slip) {
    $('#t-slip-code').textContent = slip.slip_id;
    $('#t-slip-for').textContent = slip.number + ' · ' + svcName(slip.service);
    $('#t-slip-valid').textContent = t('web.slip.valid', { until: Q.fmtDate(slip.valid_until) });
    $('#t-slip-missing').replaceChildren(...(slip.missing || []).map((m) => el('li', { text: m })));
    Q.show('#t-slip', true);
  }
  function hideSlip() { Q.show('#t-slip', false); }
  $('#t-slip-print').addEventListener('click', () => window.print());
  $('#t-slip-close').addEventListener('click', hideSlip);

  // ---- alerts from the hall, for this window ----
  function numberOf(ticketID) {
    const tk = (win && win.current && win.current.id === ticketID && win.current) || queue.find((x) => x.id === ticketID);
    return tk ? tk.number : '';
  }

  function alertFor(ev, live) {
    if (!live) return;
    switch (ev.type) {
      case 'backup_opened':
        // Only the thresholds say it is busy; the director's hand says so.
        say(t(ev.manual ? 'web.alert.backup_opened_manual' : 'web.alert.backup_opened', { service: svcName(ev.service) }), 'alert');
        break;
      case 'backup_closed':
        say(t('web.alert.backup_closed', { service: svcName(ev.service) }), 'alert');
        break;
      case 'express_approved':
        say(t('web.alert.express_approved', { number: ev.number || numberOf(ev.ticket) }), 'alert');
        break;
      case 'express_denied':
        say(t('web.alert.express_denied', { number: ev.number || numberOf(ev.ticket) }), 'alert');
        break;
      case 'ticket_returned':
        if (ev.window === winId) say(t('web.alert.returned', { number: ev.number }), 'alert');
        break;
    }
  }

  // ---- the staff member's open cases (限时办结) ----
  // dueDate is the date of a due time, in the hall's zone (the server sends
  // it with the hall's offset).
  const dueDate = (iso) => String(iso || '').slice(0, 10);

  async function openCases() {
    const d = $('#d-cases');
    $('.error', d).textContent = '';
    await renderCases();
    if (!d.open) d.showModal();
  }

  async function renderCases() {
    const d = $('#d-cases');
    let cases = [];
    try {
      cases = await Q.api('GET', '/api/cases?state=open');
    } catch (err) {
      $('.error', d).textContent = err.message;
    }
    const rows = cases.map((c) => {
      const notified = el('input', { type: 'checkbox', name: 'notified', checked: true });
      return el('li', { dataset: { case: c.id } },
        el('span', { text: t('web.cases.row', { number: c.number, service: svcName(c.service), case: c.id }) }),
        el('span', { class: c.overdue ? 'late' : c.due_today ? 'today' : '',
          text: t('web.cases.due', { due: dueDate(c.due) }) +
            (c.overdue ? ' · ' + t('web.cases.overdue') : c.due_today ? ' · ' + t('web.cases.due_today') : '') }),
        el('label', { class: 'check' }, notified, el('span', { text: t('web.cases.notified') })),
        el('button', { type: 'button', class: 'btn ok small', text: t('web.cases.close'),
          onclick: () => closeCase(c.id, notified.checked) }));
    });
    if (rows.length === 0) rows.push(el('li', { class: 'empty', text: t('web.cases.none') }));
    $('.t-cases', d).replaceChildren(...rows);
  }

  async function closeCase(id, notified) {
    const d = $('#d-cases');
    try {
      await Q.api('POST', '/api/cases/' + encodeURIComponent(id) + '/done', { notified: notified });
      say(t('web.cases.closed', { case: id }));
      await renderCases();
    } catch (err) {
      $('.error', d).textContent = err.message;
    }
  }

  $('#t-btn-cases').addEventListener('click', openCases);
  $$('#d-cases [data-close]').forEach((b) => b.addEventListener('click', () => $('#d-cases').close()));

  // ---- my bad ratings: follow-ups and appeals (差评整改, 申诉) ----
  //
  // The staff member rated sees the follow-ups of their bad ratings and may
  // appeal each once; the person a follow-up is assigned to closes it. The
  // list is read on login and again when a follow-up event reaches this
  // terminal (the server sends them to the rated and the assigned only).
  function staffFollowups() {
    const btn = $('#t-btn-followups');
    const dlg = $('#d-followups');
    let list = [];
    const due = (iso) => Q.fmtDate(iso);
    async function refresh() {
      if (!me || !me.staff) return;
      // The last 90 days, to tomorrow: the hall's day may be ahead of the
      // browser's.
      const day = (ms) => Q.day(ms);
      try {
        list = await Q.api('GET', '/api/followups?from=' + day(Date.now() - 90 * 86400000) + '&to=' + day(Date.now() + 86400000));
      } catch (err) {
        return;
      }
      const todo = list.filter((f) => f.state === 'open' || (f.appeal && f.appeal.state === 'pending'));
      $('#t-fu-count').textContent = todo.length ? String(todo.length) : '';
      btn.hidden = false;
      if (dlg.open) render();
    }
    function render() {
      dlg.querySelector('.error').textContent = '';
      const mine = me.staff.job_no;
      const rows = list.slice().reverse().map((f) => {
        const li = el('li', { dataset: { followup: f.id } },
          el('div', { text: t('web.term.fu.line', { number: f.number, score: f.score,
            reason: f.reason ? t('web.dir.reason.' + f.reason) : '—', due: due(f.due) }) }),
          el('div', { class: 'state', text: [t('web.dir.state.' + f.state),
            f.appeal ? t('web.dir.appeal.' + f.appeal.state) + (f.appeal.note ? ' · ' + f.appeal.note : '') : '',
            f.finding ? f.finding + ' · ' + f.action : ''].filter(Boolean).join(' · ') }));
        if (f.staff === mine && !f.appeal) {
          const reason = el('textarea', { name: 'appeal', 'aria-label': t('web.term.fu.appeal_reason'), placeholder: t('web.term.fu.appeal_reason') });
          li.append(el('div', { class: 'row' }, reason, el('button', { type: 'button', class: 'btn small', dataset: { act: 'appeal' },
            text: t('web.term.fu.appeal'), onclick: () => send(f, 'appeal', { reason: reason.value }, 'web.term.fu.appealed') })));
        }
        if (f.assignee === mine && f.state === 'open') {
          const finding = el('textarea', { name: 'finding', placeholder: t('web.dir.fu.finding') });
          const action = el('textarea', { name: 'action', placeholder: t('web.dir.fu.action') });
          const contacted = el('input', { type: 'checkbox', name: 'contacted' });
          li.append(finding, action, el('div', { class: 'row' },
            el('label', { class: 'check' }, contacted, el('span', { text: t('web.dir.fu.contacted') })),
            el('button', { type: 'button', class: 'btn small ok', dataset: { act: 'close' }, text: t('web.term.fu.close'),
              onclick: () => send(f, 'close', { contacted: contacted.checked, finding: finding.value, action: action.value }, 'web.term.fu.closed') })));
        }
        return li;
      });
      if (!rows.length) rows.push(el('li', { class: 'empty', text: t('web.term.fu.none') }));
      dlg.querySelector('.t-fu-list').replaceChildren(...rows);
    }
    async function send(f, what, body, done) {
      try {
        await Q.api('POST', '/api/followups/' + encodeURIComponent(f.id) + '/' + what, body);
        say(t(done), 'alert');
        await refresh();
      } catch (err) {
        dlg.querySelector('.error').textContent = err.message;
      }
    }
    btn.addEventListener('click', () => { render(); dlg.showModal(); });
    dlg.querySelector('[data-close]').addEventListener('click', () => dlg.close());
    return {
      refresh,
      hide() { btn.hidden = true; list = []; },
      // heard: an event that carries a follow-up (the server sends this
      // terminal only those of its staff member's) refreshes the list.
      heard(ev, live) {
        if (!ev.followup) return;
        refresh();
        if (live && ev.followup.staff === (me && me.staff.job_no) && ev.followup.score) say(t('web.term.fu.new'), 'alert');
      },
    };
  }

  const followups = staffFollowups();
  await start();
})();
