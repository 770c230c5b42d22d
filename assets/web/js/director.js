// director.js — the duty director's console, one page to run a hall day
// from: the alerts, loudest first, each with the action that resolves it;
// the windows and services with their actions (backup windows, temporary
// windows, leave to sign out, releasing an abandoned window); the bad
// ratings' follow-ups (assign, close, decide an appeal); and the registers
// (台账), searchable by date.
//
// It is a `director` client of /ws: the server pushes the hall, what waits
// for the director (`pending`) and the alerts (`alerts`, built by queue) in
// each snapshot and state, whenever they change, so the page only renders.
// It never polls, and it reads no event names: events are not its business.
// A register is fetched when the director searches it.
//
// Address: /director.html[?lang=en]; log in as the duty director.
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();

  let hall = null;
  let pending = null;
  let alerts = [];
  let conn = null;
  let staff = [];

  // ---- login ----

  const start = Q.managerPage('d', 'web.dir.not_director', async (me) => {
    // The hall's staff, to name whoever a job number is, also once they
    // have left their window (a follow-up's assignee, yesterday's rows).
    Q.api('GET', '/api/staff').then((list) => { staff = list || []; if (hall) renderAll(); }).catch(() => {});
    const take = (m) => { hall = m.hall; pending = m.pending; alerts = m.alerts || []; renderAll(); followDay(); };
    conn = Q.connect({ client: 'director', onSnapshot: take, onState: take });
  }, () => {
    if (conn) conn.close();
    conn = null;
  });

  function renderAll() {
    renderAlerts();
    renderHall();
    renderFollowups();
  }
  // How long each alert has lasted, by the page's own clock.
  setInterval(() => { if (hall) renderAlerts(); }, 30000);
  Q.clock($('#d-clock'), true);

  // ---- names ----
  const winOf = (id) => hall && hall.windows.find((x) => x.id === id);
  const winName = (id) => { const w = winOf(id); return w ? Q.windowName(w) : (id ? String(id) : ''); };
  const svcOf = (code) => hall && hall.services.find((s) => s.code === code);
  const svcName = (code) => Q.serviceName(svcOf(code)) || code || '';
  // staffName names a job number by the hall's staff, or by whoever is
  // signed in at a window; else the job number alone.
  const staffName = (jobNo) => {
    if (!jobNo) return '';
    const w = hall && hall.windows.find((x) => x.staff && x.staff.job_no === jobNo);
    const st = (w && w.staff) || staff.find((x) => x.job_no === jobNo);
    return st ? Q.staffLabel(Q.staffName(st), jobNo) : jobNo;
  };
  const minutesSince = (iso) => Math.max(0, Math.floor((Q.now() - Date.parse(iso)) / 60000));
  // sinceText says how long an alert has stood: in minutes within the hour,
  // else from when ("自 12/01 18:41 起"), which also tells yesterday's
  // from today's of the same ticket number.
  const sinceText = (iso) => {
    const n = minutesSince(iso);
    return n < 60 ? t('web.dir.for_minutes', { n }) : t('web.dir.since_at', { at: fmtTime(iso) });
  };
  const fmtTime = (iso) => Q.fmt(iso, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

  // ---- messages and actions ----
  let msgTimer = null;
  function say(text, kind) {
    const m = $('#d-msg');
    m.textContent = text || '';
    m.className = 'd-msg' + (kind ? ' ' + kind : '');
    clearTimeout(msgTimer);
    if (text) msgTimer = setTimeout(() => { m.textContent = ''; m.className = 'd-msg'; }, 8000);
  }

  // post runs one action; the state pushed after it redraws the page.
  async function post(path, body, done) {
    try {
      await Q.api('POST', path, body || {});
      say(t(done || 'web.dir.done'), 'ok');
      return true;
    } catch (err) {
      say(err.message, 'error');
      return false;
    }
  }
  const enc = encodeURIComponent;

  // ask opens the dialog with fields (each {name, label, type: text|textarea|
  // check|radio|select|checks, options, value}) and calls submit with their
  // values; an error it throws is shown in the dialog.
  function ask(title, fields, submit) {
    const dlg = $('#d-dialog');
    const form = dlg.querySelector('form');
    form.querySelector('h2').textContent = title;
    form.querySelector('.error').textContent = '';
    const box = form.querySelector('.d-fields');
    box.replaceChildren(...fields.map((f) => {
      switch (f.type) {
        case 'textarea':
          return el('label', {}, el('span', { text: f.label }), el('textarea', { name: f.name }, f.value || ''));
        case 'check':
          return el('label', { class: 'check' }, el('input', { type: 'checkbox', name: f.name, checked: !!f.value }), el('span', { text: f.label }));
        case 'radio':
          return el('div', { class: 'd-radios' }, ...f.options.map((o, i) => el('label', { class: 'check' },
            el('input', { type: 'radio', name: f.name, value: o.value, checked: i === 0 }), el('span', { text: o.label }))));
        case 'checks':
          return el('fieldset', { class: 'd-checks' }, el('legend', { text: f.label }), ...f.options.map((o) => el('label', { class: 'check' },
            el('input', { type: 'checkbox', name: f.name, value: o.value, checked: !!o.checked }), el('span', { text: o.label }))));
        case 'select':
          return el('label', {}, el('span', { text: f.label }), el('select', { name: f.name },
            ...f.options.map((o) => el('option', { value: o.value, text: o.label }))));
        default:
          return el('label', {}, el('span', { text: f.label }),
            el('input', { type: 'text', name: f.name, value: f.value || '', list: f.list || null }));
      }
    }));
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = {};
      for (const f of fields) {
        if (f.type === 'check') v[f.name] = form.elements[f.name].checked;
        else if (f.type === 'checks') v[f.name] = Array.from(form.querySelectorAll('input[name="' + f.name + '"]:checked')).map((x) => x.value);
        else if (f.type === 'radio') v[f.name] = (form.querySelector('input[name="' + f.name + '"]:checked') || {}).value;
        else v[f.name] = form.elements[f.name].value;
      }
      try {
        await submit(v);
        dlg.close();
      } catch (err) {
        form.querySelector('.error').textContent = err.message;
      }
    };
    form.querySelector('[data-close]').onclick = () => dlg.close();
    dlg.showModal();
    const first = box.querySelector('textarea, input[type=text], select');
    if (first) first.focus();
  }
  // send is post for a dialog: an error stays in the dialog.
  async function send(path, body, done) {
    await Q.api('POST', path, body || {});
    say(t(done || 'web.dir.done'), 'ok');
  }

  // The actions, by name (queue's Action… constants and the page's own).
  const act = {
    open_backup: (a) => post('/api/services/' + enc(a.service) + '/backup', { open: true }, 'web.dir.done.backup_opened'),
    close_backup: (a) => post('/api/services/' + enc(a.service) + '/backup', { open: false }, 'web.dir.done.backup_closed'),
    open_temporary: (a) => temporaryDialog(a.window, a.service),
    approve_express: (a) => post('/api/express/' + enc(a.ref) + '/approve', {}, 'web.dir.done.approved'),
    deny_express: (a) => ask(t('web.dir.deny_title', { number: a.number }),
      [{ name: 'reason', type: 'textarea', label: t('web.dir.deny_reason') }],
      (v) => send('/api/express/' + enc(a.ref) + '/deny', { reason: v.reason }, 'web.dir.done.denied')),
    ack_refusal: (a) => post('/api/refusals/' + enc(a.ref) + '/ack', {}, 'web.dir.done.acked'),
    case_done: (a) => ask(t('web.dir.case_title', { number: a.number }),
      [{ name: 'notified', type: 'check', label: t('web.dir.case_notified'), value: true }],
      (v) => send('/api/cases/' + enc(a.ref) + '/done', { notified: v.notified })),
    assign_followup: (a) => ask(t('web.dir.fu.assign_title', { number: a.number }),
      [{ name: 'job_no', label: t('web.dir.fu.assignee'), list: 'd-staff-list' }],
      (v) => send('/api/followups/' + enc(a.ref) + '/assign', { job_no: v.job_no.trim() }, 'web.dir.done.assigned')),
    close_followup: (a) => ask(t('web.dir.fu.close_title', { number: a.number }), [
      { name: 'contacted', type: 'check', label: t('web.dir.fu.contacted') },
      { name: 'finding', type: 'textarea', label: t('web.dir.fu.finding') },
      { name: 'action', type: 'textarea', label: t('web.dir.fu.action') }],
    (v) => send('/api/followups/' + enc(a.ref) + '/close', v, 'web.dir.done.closed')),
    decide_appeal: (a) => ask(t('web.dir.fu.decide_title', { number: a.number }), [
      { name: 'upheld', type: 'radio', options: [{ value: 'no', label: t('web.dir.fu.reject') }, { value: 'yes', label: t('web.dir.fu.uphold') }] },
      { name: 'note', type: 'textarea', label: t('web.dir.fu.note') }],
    (v) => send('/api/followups/' + enc(a.ref) + '/appeal/decide', { upheld: v.upheld === 'yes', note: v.note }, 'web.dir.done.decided')),
    allow_signout: (a) => post('/api/windows/' + a.window + '/allow-signout', {}, 'web.dir.done.signout_allowed'),
    release: (a) => ask(t('web.dir.release_title', { window: winName(a.window) }),
      [{ name: 'confirm', type: 'check', label: t('web.dir.release_text', { staff: staffName(a.staff) }), value: true }],
      (v) => { if (!v.confirm) throw new Error(t('web.dir.release_confirm')); return send('/api/windows/' + a.window + '/release', {}, 'web.dir.done.released'); }),
    open_registers: () => { location.href = '/registers.html'; },
    close_temporary: (a) => post('/api/windows/' + a.window + '/temporary', { services: [] }, 'web.dir.done.temporary_closed'),
  };
  // The actions that resolve an alert, as buttons.
  const alertActions = {
    decide_express: ['approve_express', 'deny_express'],
  };
  function button(name, a, cls) {
    return el('button', { type: 'button', class: 'btn small ' + (cls || ''), dataset: { act: name },
      text: t('web.dir.action.' + name), onclick: () => act[name](a) });
  }

  // temporaryDialog opens window id as a temporary window (临时窗口) for
  // services the director picks; with no window given, the director picks one.
  function temporaryDialog(id, service) {
    const fields = [];
    if (!id) {
      fields.push({ name: 'window', type: 'select', label: t('web.dir.temp_window'),
        options: hall.windows.map((w) => ({ value: w.id, label: Q.windowName(w) + (w.staff ? ' · ' + Q.staffName(w.staff) : '') })) });
    }
    fields.push({ name: 'services', type: 'checks', label: t('web.dir.temp_services'),
      options: hall.services.map((s) => ({ value: s.code, label: s.prefix + ' ' + Q.serviceName(s), checked: s.code === service })) });
    ask(t('web.dir.temp_title', { window: id ? winName(id) : '' }), fields, (v) => {
      if (!v.services.length) throw new Error(t('web.dir.temp_none'));
      return send('/api/windows/' + (id || v.window) + '/temporary', { services: v.services }, 'web.dir.done.temporary_opened');
    });
  }

  // ---- the alerts ----
  function alertText(a) {
    return t('web.dir.alert.' + a.kind, {
      service: svcName(a.service), window: winName(a.window), number: a.number || '',
      staff: a.staff_name ? Q.staffLabel(Q.pick(a, 'staff_name'), a.staff) : staffName(a.staff),
      device: a.device || '', count: a.count || 0, score: a.score || '', due: fmtTime(a.due),
    });
  }
  function renderAlerts() {
    $('#d-alert-count').textContent = alerts.length ? String(alerts.length) : '';
    if (!alerts.length) {
      $('#d-alerts').replaceChildren(el('li', { class: 'empty', text: t('web.dir.no_alerts') }));
      return;
    }
    $('#d-alerts').replaceChildren(...alerts.map((a) => {
      const acts = alertActions[a.action] || [a.action];
      return el('li', { class: 'd-alert level-' + a.level, dataset: { kind: a.kind, ref: a.ref || a.service || a.device || String(a.window || '') } },
        el('div', { class: 'd-alert-text', text: alertText(a) }),
        el('div', { class: 'd-alert-foot' },
          a.since ? el('span', { class: 'd-since', text: sinceText(a.since) }) : null,
          el('span', { class: 'd-alert-acts' }, ...acts.map((n) => (act[n] ? button(n, a, n.startsWith('deny') ? 'danger' : '') :
            el('span', { class: 'd-hint', text: t('web.dir.action.' + n) }))))));
    }));
  }

  // ---- the hall: windows and services ----
  function renderHall() {
    if (!hall) return;
    $('#d-windows').replaceChildren(...hall.windows.map((w) => {
      const a = { window: w.id, staff: w.staff && w.staff.job_no };
      const temp = w.temporary && w.temporary.length;
      return el('tr', { dataset: { window: w.id } },
        el('td', {}, Q.windowName(w), temp ? el('span', { class: 'badge', text: t('web.dir.temporary') }) : null),
        el('td', { text: w.staff ? Q.staffName(w.staff) : '' }),
        el('td', { text: t('web.wstate.' + w.state) + (w.uncovered ? ' · ' + t('web.dir.uncovered') : '') }),
        el('td', { class: 'num', text: w.current ? w.current.number : '' }),
        el('td', { class: 'd-acts' },
          w.staff ? button('allow_signout', a, 'secondary') : null,
          w.staff ? button('release', a, 'warn') : null,
          temp ? button('close_temporary', a, 'secondary') : button('open_temporary', a, 'secondary')));
    }));
    $('#d-services').replaceChildren(...hall.services.map((s) => el('tr', { dataset: { service: s.code } },
      el('td', {}, s.prefix + ' ' + Q.serviceName(s), s.backup_open ? el('span', { class: 'badge ok', text: t('web.dir.backup_on') }) : null),
      el('td', { class: 'num', text: t('web.people', { n: s.waiting }) }),
      el('td', { class: 'num', text: Q.wait(s.est_wait_s, s.waiting, s.serving_windows === 0) }),
      el('td', { class: 'd-acts' }, button(s.backup_open ? 'close_backup' : 'open_backup', { service: s.code }, 'secondary')))));
    // Job numbers to assign a follow-up to: those at work today.
    let list = $('#d-staff-list');
    if (!list) { list = el('datalist', { id: 'd-staff-list' }); document.body.append(list); }
    list.replaceChildren(...hall.windows.filter((w) => w.staff).map((w) => el('option', { value: w.staff.job_no, text: Q.staffName(w.staff) })));
  }

  // ---- follow-ups (差评整改) ----
  function appealText(f) {
    if (!f.appeal) return '';
    return t('web.dir.appeal.' + f.appeal.state) + ' · ' + f.appeal.reason + (f.appeal.note ? ' · ' + f.appeal.note : '');
  }
  function renderFollowups() {
    const list = (pending && pending.followups) || [];
    $('#d-fu-count').textContent = list.length ? String(list.length) : '';
    $('#d-fu-head').replaceChildren(el('tr', {}, ...['number', 'window', 'staff', 'score', 'reason', 'due', 'assignee', 'appeal', ''].map((k) =>
      el('th', { text: k ? t('web.dir.col.' + k) : '' }))));
    if (!list.length) {
      $('#d-followups').replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: 9, text: t('web.dir.none') })));
      return;
    }
    $('#d-followups').replaceChildren(...list.map((f) => {
      const a = { ref: f.id, number: f.number, window: f.window, staff: f.staff };
      const open = f.state === 'open';
      const appealing = f.appeal && f.appeal.state === 'pending';
      return el('tr', { dataset: { followup: f.id } },
        el('td', { class: 'num', text: f.number }),
        el('td', { text: winName(f.window) }),
        el('td', { text: staffName(f.staff) }),
        el('td', { class: 'num', text: t('web.dir.score', { n: f.score }) }),
        el('td', { text: f.reason ? t('web.dir.reason.' + f.reason) : '' }),
        el('td', { class: Date.parse(f.due) < Q.now() ? 'late' : '', text: fmtTime(f.due) }),
        el('td', { text: staffName(f.assignee) }),
        el('td', { class: 'd-wrap', text: appealText(f) }),
        el('td', { class: 'd-acts' },
          open ? button('assign_followup', a, 'secondary') : null,
          open ? button('close_followup', a, 'ok') : null,
          appealing ? button('decide_appeal', a, '') : null));
    }));
  }

  // ---- the tabs ----
  let searched = false;
  function showTab(name) {
    document.querySelectorAll('.d-tab').forEach((b) => b.classList.toggle('on', b.dataset.tab === name));
    for (const p of ['hall', 'followups', 'registers']) Q.show('#d-tab-' + p, p === name);
    if (name === 'registers' && !searched) {
      followDay();
      searched = true;
      search();
    }
  }
  document.querySelectorAll('.d-tab').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));

  // ---- the registers (台账) ----
  //
  // One component for every register: each is a definition (its address,
  // the states it can be filtered by, and its columns, each a field of the
  // rows and how to show it). Adding a register is adding a definition.
  const yes = (v) => (v ? t('web.dir.yes') : t('web.dir.no'));
  const show = {
    text: (v) => (v == null ? '' : String(v)),
    time: fmtTime,
    window: (v) => winName(v),
    service: (v) => svcName(v),
    staff: (v) => staffName(v),
    bool: yes,
    state: (v) => (v ? t('web.dir.state.' + v) : ''),
    reason: (v) => (v ? t('web.dir.reason.' + v) : ''),
    score: (v) => (v ? t('web.dir.score', { n: v }) : ''),
    minutes: (v, r) => String(v != null ? v : Math.round((r.uncovered_s || 0) / 60)),
    appeal: (v) => (v ? t('web.dir.appeal.' + v.state) + ' · ' + v.reason + (v.note ? ' · ' + v.note : '') : ''),
    acked: (v) => (v ? fmtTime(v) : t('web.dir.state.pending')),
  };
  const col = (key, how) => ({ key: key, how: how || 'text' });
  const REGISTERS = [
    { key: 'refusals', url: '/api/refusals', states: ['pending', 'acknowledged'], cols: [
      col('at', 'time'), col('number'), col('service', 'service'), col('window', 'window'), col('staff', 'staff'),
      col('reason'), col('basis'), col('acked_at', 'acked')] },
    { key: 'cases', url: '/api/cases', states: ['open', 'due_today', 'overdue', 'done'], cols: [
      col('opened', 'time'), col('number'), col('service', 'service'), col('window', 'window'), col('staff', 'staff'),
      col('due', 'time'), col('done', 'time'), col('notified', 'bool')] },
    { key: 'express', url: '/api/express', states: ['pending', 'approved', 'denied'], cols: [
      col('at', 'time'), col('number'), col('window', 'window'), col('staff', 'staff'), col('reason'),
      col('state', 'state'), col('decided_at', 'time'), col('note')] },
    { key: 'covers', url: '/api/covers', states: [], cols: [
      col('from', 'time'), col('to', 'time'), col('window', 'window'), col('staff', 'staff'), col('covered_by', 'staff'), col('minutes', 'minutes')] },
    { key: 'inquiries', url: '/api/inquiries', states: [], cols: [
      col('at', 'time'), col('staff', 'staff'), col('topic'), col('service', 'service'), col('answered', 'bool'), col('referred_to')] },
    { key: 'followups', url: '/api/followups', states: ['open', 'closed', 'appeal'], cols: [
      col('opened_at', 'time'), col('number'), col('window', 'window'), col('staff', 'staff'), col('score', 'score'),
      col('reason', 'reason'), col('due', 'time'), col('assignee', 'staff'), col('state', 'state'), col('contacted', 'bool'),
      col('finding'), col('action'), col('appeal', 'appeal'), col('excluded', 'bool')] },
  ];
  const regKind = $('#d-reg-kind');
  regKind.replaceChildren(...REGISTERS.map((r) => el('option', { value: r.key, text: t('web.dir.reg.' + r.key) })));
  function regStates() {
    const r = REGISTERS.find((x) => x.key === regKind.value);
    $('#d-reg-state').replaceChildren(el('option', { value: '', text: t('web.dir.state.all') }),
      ...r.states.map((s) => el('option', { value: s, text: t('web.dir.state.' + s) })));
  }
  regKind.addEventListener('change', () => { regStates(); search(); });
  regStates();
  // The registers open on the hall's business day.
  const today = () => (hall && hall.business_day) || Q.day();
  // The dates follow the business day while the director leaves them on
  // it: a console left open overnight searches the new day, not yesterday.
  let regDay = ''; // the day the dates were last set to
  function followDay() {
    const day = today();
    if (day === regDay) return;
    const from = $('#d-reg-from'), to = $('#d-reg-to');
    if ((!from.value || from.value === regDay) && (!to.value || to.value === regDay)) {
      from.value = day;
      to.value = day;
      if (searched) search();
    }
    regDay = day;
  }
  $('#d-reg-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  // Complaints, home visits and spot checks have their own page, where the
  // hall has it.
  fetch('/registers.html', { method: 'HEAD', credentials: 'same-origin' }).then((r) => {
    if (r.ok) { $('#d-reg-more').href = '/registers.html'; Q.show('#d-reg-more', true); }
  }).catch(() => {});

  async function search() {
    const r = REGISTERS.find((x) => x.key === regKind.value);
    const q = new URLSearchParams({ from: $('#d-reg-from').value, to: $('#d-reg-to').value });
    if ($('#d-reg-state').value) q.set('state', $('#d-reg-state').value);
    $('#d-reg-head').replaceChildren(el('tr', {}, ...r.cols.map((c) => el('th', { text: t('web.dir.col.' + c.key) }))));
    $('#d-reg-note').textContent = '';
    let rows;
    try {
      const data = await Q.api('GET', r.url + '?' + q.toString());
      rows = Array.isArray(data) ? data : (Object.values(data || {}).find(Array.isArray) || []);
    } catch (err) {
      $('#d-reg-rows').replaceChildren();
      $('#d-reg-note').textContent = err.code === 'not_found' ? t('web.dir.reg.unavailable') : err.message;
      return;
    }
    $('#d-reg-note').textContent = t('web.dir.reg.count', { n: rows.length });
    $('#d-reg-rows').replaceChildren(...rows.map((row) => el('tr', {},
      ...r.cols.map((c) => el('td', { class: c.how === 'time' ? 'nowrap' : '', text: show[c.how](row[c.key], row) })))));
  }

  showTab('hall');
  await start();
})();
