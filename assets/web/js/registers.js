// registers.js — the hall office's registers, for the duty director (admin:
// reading only): complaints and suggestions (意见簿、投诉电话、举报箱) with
// their reply deadlines, replies and closing; home-service requests (上门服务)
// to approve with a team and a date, deny with a reason, mark done; and the
// monthly zero-error spot checks (零差错 抽检), each drawn ticket marked
// correct or with an error, the error rate per staff member.
//
// The lists are read from the API (GET /api/complaints, /api/home-visits,
// /api/spot-checks, searchable by date and state) and read again after each
// change, and whenever the director's stream (/ws?client=director) brings
// news: a suggestion from the kiosk shows without a reload.
//
// Address: /registers.html[?lang=en]; log in as the duty director.
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();

  const CHANNELS = ['book', 'phone', 'box', 'online', 'in_person'];
  const KINDS = ['complaint', 'suggestion', 'praise'];
  const TOPICS = ['waiting', 'guidance', 'attitude', 'efficiency', 'environment', 'other'];
  const REASONS = ['illness', 'disability', 'frail'];
  const CSTATES = ['open', 'replied', 'closed'];
  const HSTATES = ['pending', 'approved', 'denied', 'done'];

  let services = [];
  let windows = [];
  let staff = [];
  let conn = null;

  // ---- helpers ----
  const fmtAt = (iso) => (iso ? Q.day(iso) + ' ' + Q.fmtTime(iso) : '');
  // who names a job number: "王芳（1001）", or the number itself.
  const who = (jobNo) => {
    const st = staff.find((x) => x.job_no === jobNo);
    return st ? Q.staffLabel(Q.staffName(st), jobNo) : jobNo || '';
  };
  const options = (values, prefix, blank) => [
    blank ? el('option', { value: '', text: blank }) : null,
    ...values.map((v) => el('option', { value: v, text: t(prefix + v) })),
  ];
  const serviceName = (code) => {
    const s = services.find((x) => x.code === code);
    return s ? Q.serviceName(s) : code;
  };
  const windowName = (id) => {
    const w = windows.find((x) => x.id === id);
    return w ? Q.windowName(w) : String(id);
  };
  const empty = (cols) => el('tr', {}, el('td', { class: 'empty', colspan: cols, text: t('web.reg.empty') }));

  let msgTimer = null;
  function say(text) {
    const m = $('#r-msg');
    m.textContent = text;
    m.hidden = !text;
    clearTimeout(msgTimer);
    if (text) msgTimer = setTimeout(() => { m.hidden = true; }, 10000);
  }

  // act sends a change and reads the registers again; an error is shown.
  async function act(method, path, body) {
    say('');
    try {
      const r = await Q.api(method, path, body);
      await reload();
      return r;
    } catch (err) {
      say(err.message);
      return null;
    }
  }

  // ask shows a dialog of fields and resolves their values, or null when
  // cancelled. A field: {name, label, type: text|textarea|date|select|check,
  // values (select: [[value, label]]), required}.
  function ask(title, fields) {
    return new Promise((resolve) => {
      const inputs = {};
      const rows = fields.map((f) => {
        let input;
        if (f.type === 'textarea') input = el('textarea', { name: f.name, required: f.required, maxlength: 1000 });
        else if (f.type === 'select') input = el('select', { name: f.name }, ...f.values.map(([v, l]) => el('option', { value: v, text: l })));
        else if (f.type === 'check') input = el('input', { type: 'checkbox', name: f.name });
        else input = el('input', { type: f.type || 'text', name: f.name, required: f.required, maxlength: 200 });
        if (f.value != null) input.value = f.value;
        inputs[f.name] = input;
        return f.type === 'check' ? el('label', { class: 'check' }, input, el('span', { text: f.label }))
          : el('label', {}, el('span', { text: f.label }), input);
      });
      const dlg = el('dialog', { id: 'r-dialog' });
      const cancel = el('button', { type: 'button', class: 'btn secondary', text: t('web.reg.cancel') });
      const form = el('form', { method: 'dialog' },
        el('h2', { text: title }), ...rows,
        el('div', { class: 'actions' }, cancel, el('button', { type: 'submit', class: 'btn', text: t('web.reg.save') })));
      dlg.append(form);
      document.body.append(dlg);
      let result = null;
      form.addEventListener('submit', () => {
        result = {};
        for (const [k, i] of Object.entries(inputs)) result[k] = i.type === 'checkbox' ? i.checked : i.value;
      });
      cancel.addEventListener('click', () => dlg.close());
      dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
      dlg.showModal();
    });
  }

  const query = (prefix) => {
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'state']) {
      const v = $('#' + prefix + '-' + k).value;
      if (v) q.set(k, v);
    }
    const s = q.toString();
    return s ? '?' + s : '';
  };

  // shown keeps what each list shows, so that a list read again unchanged
  // is not drawn again (a button about to be pressed stays where it is).
  const shown = {};
  function changed(name, list) {
    const key = JSON.stringify(list);
    if (shown[name] === key) return false;
    shown[name] = key;
    return true;
  }

  // ---- complaints ----
  async function loadComplaints() {
    const list = await Q.api('GET', '/api/complaints' + query('rc'));
    if (!changed('complaints', list)) return;
    list.reverse(); // newest first
    $('#rc-list').replaceChildren(...(list.length ? list.map(complaintRow) : [empty(10)]));
  }

  function complaintRow(c) {
    const open = c.state !== 'closed';
    const concerned = [who(c.staff), c.window ? windowName(c.window) : ''].filter(Boolean).join(' · ');
    const state = c.state === 'closed' ? t('web.reg.cstate.closed') + ' · ' + t(c.upheld ? 'web.reg.c.upheld' : 'web.reg.c.not_upheld')
      : t('web.reg.cstate.' + c.state);
    return el('tr', { 'data-id': c.id, 'data-state': c.state },
      el('td', {}, fmtAt(c.at), el('span', { class: 'r-sub', text: who(c.recorded_by) })),
      el('td', { text: t('web.reg.channel.' + c.channel) }),
      el('td', {}, t('web.reg.kind.' + c.kind), c.topic ? el('span', { class: 'r-sub', text: t('web.reg.topic.' + c.topic) }) : null),
      el('td', { class: 'text c-text', text: c.text || t('web.reg.c.none') }),
      el('td', { text: concerned || t('web.reg.c.none') }),
      el('td', { class: 'c-contact', text: c.contact || t('web.reg.c.none') }),
      el('td', {}, Q.day(c.due), c.overdue ? el('span', { class: 'r-badge overdue', text: t('web.reg.c.overdue') }) : null),
      el('td', {}, el('span', { class: 'r-badge c-state ' + c.state, text: state })),
      el('td', { class: 'text c-reply', text: c.reply || '' }),
      el('td', { class: 'acts' }, open ? [
        el('button', { type: 'button', class: 'btn rc-reply', text: t('web.reg.c.reply'), onclick: () => replyComplaint(c) }),
        el('button', { type: 'button', class: 'btn secondary rc-close', text: t('web.reg.c.close'), onclick: () => closeComplaint(c) }),
      ] : null));
  }

  async function replyComplaint(c) {
    const v = await ask(t('web.reg.c.reply_title'), [{ name: 'text', label: t('web.reg.c.reply'), type: 'textarea', required: true, value: c.reply }]);
    if (v) await act('POST', '/api/complaints/' + encodeURIComponent(c.id) + '/reply', { text: v.text });
  }

  async function closeComplaint(c) {
    const v = await ask(t('web.reg.c.close_title'), [{ name: 'upheld', label: t('web.reg.c.upheld'), type: 'check' }]);
    if (v) await act('POST', '/api/complaints/' + encodeURIComponent(c.id) + '/close', { upheld: v.upheld });
  }

  $('#rc-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { channel: $('#rc-channel').value, kind: $('#rc-kind').value, text: $('#rc-text').value };
    if ($('#rc-topic').value) body.topic = $('#rc-topic').value;
    if ($('#rc-staff').value.trim()) body.staff = $('#rc-staff').value.trim();
    if ($('#rc-window').value) body.window = parseInt($('#rc-window').value, 10);
    if ($('#rc-contact').value.trim()) body.contact = $('#rc-contact').value.trim();
    if (await act('POST', '/api/complaints', body)) {
      for (const id of ['#rc-text', '#rc-staff', '#rc-contact']) $(id).value = '';
      $('#rc-topic').value = '';
      $('#rc-window').value = '';
    }
  });
  $('#rc-filter').addEventListener('submit', (e) => { e.preventDefault(); guarded(loadComplaints); });

  // ---- home visits ----
  async function loadHomeVisits() {
    const list = await Q.api('GET', '/api/home-visits' + query('rh'));
    if (!changed('visits', list)) return;
    list.reverse();
    $('#rh-list').replaceChildren(...(list.length ? list.map(visitRow) : [empty(9)]));
  }

  function visitRow(v) {
    let detail = '';
    if (v.state === 'approved' || v.state === 'done') detail = v.team + ' · ' + v.date;
    if (v.state === 'denied') detail = v.denied;
    return el('tr', { 'data-id': v.id, 'data-state': v.state },
      el('td', {}, fmtAt(v.at), el('span', { class: 'r-sub', text: who(v.recorded_by) })),
      el('td', { class: 'h-applicant', text: v.applicant }),
      el('td', { text: v.agent }),
      el('td', { text: t('web.reg.reason.' + v.reason) }),
      el('td', { class: 'text h-address', text: v.address }),
      el('td', { class: 'h-phone', text: v.phone }),
      el('td', {}, serviceName(v.service), v.note ? el('span', { class: 'r-sub', text: v.note }) : null),
      el('td', {}, el('span', { class: 'r-badge h-state ' + v.state, text: t('web.reg.hstate.' + v.state) }),
        detail ? el('span', { class: 'r-sub h-detail', text: detail }) : null,
        v.done_note ? el('span', { class: 'r-sub h-done', text: v.done_note }) : null),
      el('td', { class: 'acts' },
        v.state === 'pending' ? [
          el('button', { type: 'button', class: 'btn ok rh-approve', text: t('web.reg.h.approve'), onclick: () => approveVisit(v) }),
          el('button', { type: 'button', class: 'btn danger rh-deny', text: t('web.reg.h.deny'), onclick: () => denyVisit(v) }),
        ] : null,
        v.state === 'approved' ? el('button', { type: 'button', class: 'btn rh-done', text: t('web.reg.h.done'), onclick: () => visitDone(v) }) : null));
  }

  const visitPath = (v, action) => '/api/home-visits/' + encodeURIComponent(v.id) + '/' + action;
  async function approveVisit(v) {
    const x = await ask(t('web.reg.h.approve_title'), [
      { name: 'team', label: t('web.reg.h.team'), required: true },
      { name: 'date', label: t('web.reg.h.date'), type: 'date', required: true }]);
    if (x) await act('POST', visitPath(v, 'approve'), { team: x.team, date: x.date });
  }
  async function denyVisit(v) {
    const x = await ask(t('web.reg.h.deny_title'), [{ name: 'reason', label: t('web.reg.h.deny_reason'), type: 'textarea', required: true }]);
    if (x) await act('POST', visitPath(v, 'deny'), { reason: x.reason });
  }
  async function visitDone(v) {
    const x = await ask(t('web.reg.h.done_title'), [{ name: 'note', label: t('web.reg.h.done_note'), type: 'textarea', required: true }]);
    if (x) await act('POST', visitPath(v, 'done'), { note: x.note });
  }

  $('#rh-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of ['applicant', 'agent', 'reason', 'address', 'phone', 'service', 'note']) body[k] = $('#rh-' + k).value;
    if (await act('POST', '/api/home-visits', body)) {
      for (const k of ['applicant', 'agent', 'address', 'phone', 'note']) $('#rh-' + k).value = '';
    }
  });
  $('#rh-filter').addEventListener('submit', (e) => { e.preventDefault(); guarded(loadHomeVisits); });

  // ---- spot checks ----
  async function loadSpotChecks() {
    const list = await Q.api('GET', '/api/spot-checks');
    if (!changed('checks', list)) return;
    $('#rs-list').replaceChildren(...(list.length ? list.map(spotCheck) : [el('p', { class: 'empty', text: t('web.reg.empty') })]));
  }

  const pct = (r) => (r * 100).toFixed(1) + '%';
  function spotCheck(c) {
    return el('div', { class: 'rs-check', 'data-id': c.id, 'data-month': c.month },
      el('h3', { text: t('web.reg.s.head', { month: c.month, n: c.items.length }) }),
      el('table', { class: 'r-table rs-rates' },
        el('thead', {}, el('tr', {}, ...['staff', 'sampled', 'checked', 'errors', 'rate'].map((k) => el('th', { text: t('web.reg.s.' + k) })))),
        el('tbody', {}, ...(c.staff || []).map((r) => el('tr', { 'data-staff': r.staff },
          el('td', { text: who(r.staff) }), el('td', { text: r.sampled }), el('td', { text: r.checked }),
          el('td', { class: 's-errors', text: r.errors }), el('td', { class: 's-rate', text: pct(r.error_rate) }))))),
      el('table', { class: 'r-table rs-items' },
        el('thead', {}, el('tr', {}, ...['staff', 'number', 'service', 'window', 'finished', 'result'].map((k) => el('th', { text: t('web.reg.s.' + k) })),
          el('th', { text: t('web.reg.actions') }))),
        el('tbody', {}, ...c.items.map((it) => el('tr', { 'data-ticket': it.ticket, 'data-staff': it.staff },
          el('td', { text: who(it.staff) }), el('td', { class: 'num', text: it.number }), el('td', { text: serviceName(it.service) }),
          el('td', { text: windowName(it.window) }), el('td', { text: fmtAt(it.finished) }),
          el('td', { class: 's-result' }, !it.checked ? el('span', { class: 'r-badge', text: t('web.reg.s.unchecked') })
            : el('span', { class: 'r-badge ' + (it.ok ? 'ok' : 'error'), text: t(it.ok ? 'web.reg.s.ok' : 'web.reg.s.error') }),
          it.note ? el('span', { class: 'r-sub', text: it.note }) : null),
          el('td', { class: 'acts' },
            el('button', { type: 'button', class: 'btn ok rs-ok', text: t('web.reg.s.ok'), onclick: () => mark(c, it, true, '') }),
            el('button', { type: 'button', class: 'btn danger rs-err', text: t('web.reg.s.error'), onclick: () => markError(c, it) })))))));
  }

  const markPath = (c, it) => '/api/spot-checks/' + encodeURIComponent(c.id) + '/items/' + encodeURIComponent(it.ticket);
  const mark = (c, it, ok, note) => act('POST', markPath(c, it), note ? { ok: ok, note: note } : { ok: ok });
  async function markError(c, it) {
    const x = await ask(t('web.reg.s.error_title') + ' · ' + it.number, [{ name: 'note', label: t('web.reg.s.note'), type: 'textarea', required: true }]);
    if (x) await mark(c, it, false, x.note);
  }

  $('#rs-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { month: $('#rs-month').value };
    const n = parseInt($('#rs-per').value, 10);
    if (n) body.per_staff = n;
    await act('POST', '/api/spot-checks', body);
  });

  // ---- the page ----
  async function guarded(fn) {
    try {
      await fn();
    } catch (err) {
      say(err.message);
    }
  }
  async function reload() {
    await Promise.all([guarded(loadComplaints), guarded(loadHomeVisits), guarded(loadSpotChecks)]);
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
  }
  let soon = null;
  const reloadSoon = () => {
    if (!soon) soon = setTimeout(() => { soon = null; reload(); }, 300);
  };

  $('#rc-channel').replaceChildren(...options(CHANNELS, 'web.reg.channel.'));
  $('#rc-kind').replaceChildren(...options(KINDS, 'web.reg.kind.'));
  $('#rc-topic').replaceChildren(...options(TOPICS, 'web.reg.topic.', t('web.reg.c.none')));
  $('#rc-state').replaceChildren(...options(CSTATES, 'web.reg.cstate.', t('web.reg.all')));
  $('#rh-reason').replaceChildren(...options(REASONS, 'web.reg.reason.'));
  $('#rh-state').replaceChildren(...options(HSTATES, 'web.reg.hstate.', t('web.reg.all')));
  $('#rs-month').value = Q.day().slice(0, 7);

  const start = Q.managerPage('r', 'web.dir.not_director', async (me) => {
    document.body.classList.toggle('read-only', me.role !== 'director');
    try {
      [services, windows, staff] = await Promise.all([Q.api('GET', '/api/services'), Q.api('GET', '/api/windows'), Q.api('GET', '/api/staff')]);
    } catch (err) {
      say(err.message);
    }
    $('#rh-service').replaceChildren(...services.map((s) => el('option', { value: s.code, text: Q.serviceName(s) })));
    $('#rc-window').replaceChildren(el('option', { value: '', text: t('web.reg.c.none') }),
      ...windows.map((w) => el('option', { value: String(w.id), text: Q.windowName(w) })));
    await reload();
    // The director's stream says when anything changed: a suggestion left at
    // the kiosk, a decision taken at another desk.
    // (A snapshot comes after a resync: what it missed is read again.)
    conn = Q.connect({ client: 'director', onSnapshot: reloadSoon, onEvent: (ev, live) => { if (live) reloadSoon(); } });
  }, () => {
    if (conn) conn.close();
    conn = null;
  });

  await start();
})();
