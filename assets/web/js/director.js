// director.js — the duty director's console, minimal for now: the live hall
// (windows, queues), express requests to approve or deny, refusals to
// acknowledge, device status. It is a `director` client of /ws: the server
// pushes the hall and what waits for the director (`pending`, as
// GET /api/pending) in each snapshot and state, so the page only renders.
//
// Address: /director.html[?lang=en]; log in as the duty director.
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();

  let hall = null;
  let pending = null;
  let conn = null;

  $('#d-login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#d-login-error').textContent = '';
    try {
      await Q.api('POST', '/api/login', { job_no: $('#d-jobno').value.trim(), password: $('#d-password').value });
      $('#d-password').value = '';
      await start();
    } catch (err) {
      $('#d-login-error').textContent = err.message;
    }
  });
  $('#d-logout').addEventListener('click', async () => {
    try { await Q.api('POST', '/api/logout', {}); } catch (e) { /* expires anyway */ }
    if (conn) conn.close();
    conn = null;
    Q.show('#d-main', false);
    Q.show('#d-logout', false);
    Q.show('#d-login', true);
    $('#d-who').textContent = '';
  });

  async function start() {
    let me;
    try {
      me = await Q.api('GET', '/api/me');
    } catch (err) {
      Q.show('#d-login', true);
      return;
    }
    if (me.role !== 'director' && me.role !== 'admin') {
      Q.show('#d-login', true);
      $('#d-login-error').textContent = t('web.dir.not_director');
      return;
    }
    $('#d-who').textContent = me.staff ? Q.staffName(me.staff) + '（' + me.staff.job_no + '）' : me.actor;
    Q.show('#d-login', false);
    Q.show('#d-main', true);
    Q.show('#d-logout', true);
    conn = Q.connect({
      client: 'director',
      onSnapshot: (m) => { hall = m.hall; pending = m.pending; render(); renderPending(); duty.state(true); },
      onState: (m) => { hall = m.hall; pending = m.pending; render(); renderPending(); duty.state(false); },
      onEvent: (ev) => duty.event(ev),
    });
  }

  const winName = (id) => {
    const w = hall && hall.windows.find((x) => x.id === id);
    return w ? Q.windowName(w) : String(id || '');
  };

  function render() {
    if (!hall) return;
    $('#d-windows').replaceChildren(...hall.windows.map((w) => el('tr', {},
      el('td', { text: Q.windowName(w) }),
      el('td', { text: w.staff ? Q.staffName(w.staff) : '' }),
      el('td', {}, t('web.wstate.' + w.state), w.staff ? el('button', { type: 'button', class: 'btn', dataset: { release: w.id }, text: t('web.dir.release'), onclick: () => decide('/api/windows/' + w.id + '/release') }) : ''),
      el('td', { class: 'num', text: w.current ? w.current.number : '' }))));
    $('#d-services').replaceChildren(...hall.services.map((s) => el('tr', {},
      el('td', { text: s.prefix + ' ' + Q.serviceName(s) + (s.backup_open ? ' · ' + t('web.hall.backup') : '') }),
      el('td', { class: 'num', text: t('web.people', { n: s.waiting }) }),
      el('td', { class: 'num', text: Q.wait(s.est_wait_s, s.waiting, s.serving_windows === 0) }))));
  }

  async function decide(path) {
    $('#d-msg').textContent = '';
    try {
      await Q.api('POST', path, {});
    } catch (err) {
      $('#d-msg').textContent = err.message;
    }
    // The state that follows the decision redraws the lists.
  }

  function renderPending() {
    const p = pending;
    if (!p) return;
    const none = () => el('li', { class: 'empty', text: t('web.dir.none') });
    const ex = p.express.map((x) => el('li', {},
      el('span', { text: t('web.dir.request', { window: winName(x.window), number: x.number, staff: x.staff }) }),
      el('span', { text: x.reason }),
      el('span', { class: 'row' },
        el('button', { type: 'button', class: 'btn ok', text: t('web.dir.approve'), onclick: () => decide('/api/express/' + encodeURIComponent(x.id) + '/approve') }),
        el('button', { type: 'button', class: 'btn danger', text: t('web.dir.deny'), onclick: () => decide('/api/express/' + encodeURIComponent(x.id) + '/deny') }))));
    $('#d-express').replaceChildren(...(ex.length ? ex : [none()]));
    const rf = p.refusals.map((r) => el('li', {},
      el('span', { text: t('web.dir.refusal', { window: winName(r.window), number: r.number, staff: r.staff }) }),
      el('span', { text: r.reason + ' — ' + r.basis }),
      el('span', { class: 'row' },
        el('button', { type: 'button', class: 'btn', text: t('web.dir.ack'), onclick: () => decide('/api/refusals/' + encodeURIComponent(r.id) + '/ack') }))));
    $('#d-refusals').replaceChildren(...(rf.length ? rf : [none()]));
    const dv = Object.entries(p.devices || {}).sort().map(([name, d]) =>
      el('li', { text: name + ' · ' + (Q.cat['printer.status.' + d.status] || d.status) + (d.note ? ' · ' + d.note : '') }));
    $('#d-devices').replaceChildren(...(dv.length ? dv : [none()]));
  }

  // ---- A/B posts and case deadlines (AB岗, 限时办结) ----
  // Self-contained: the posts uncovered now and today's gaps (GET
  // /api/covers, read again when a cover event comes), and the cases due
  // today or overdue (from pending.cases, as the state brings them).
  const duty = (function () {
    let covers = [];
    const today = () => (hall && hall.business_day) || '';
    const hhmm = (iso) => (iso ? new Date(iso).toLocaleTimeString(Q.lang === 'en' ? 'en-GB' : 'zh-CN',
      { hour: '2-digit', minute: '2-digit', hour12: false }) : '…');
    const none = () => el('li', { class: 'empty', text: t('web.dir.none') });

    async function load() {
      if (!today()) return;
      try {
        covers = await Q.api('GET', '/api/covers?from=' + today() + '&to=' + today());
      } catch (err) {
        return; // shown again with the next event or state
      }
      render();
    }

    function render() {
      const open = covers.filter((c) => c.open).map((c) => el('li', { class: 'alert', dataset: { window: c.window },
        text: t('web.dir.uncovered', { window: winName(c.window), staff: c.staff, min: c.minutes }) }));
      $('#d-uncovered').replaceChildren(...(open.length ? open : [none()]));
      const rows = covers.map((c) => el('li', {
        text: t('web.dir.cover_row', { window: winName(c.window), staff: c.staff, from: hhmm(c.from), to: c.open ? '…' : hhmm(c.to), min: c.minutes }) }));
      $('#d-covers').replaceChildren(...(rows.length ? rows : [none()]));
      const now = Date.now();
      const cases = ((pending && pending.cases) || []).filter((c) => Date.parse(c.due) < now || String(c.due).slice(0, 10) === today())
        .map((c) => {
          const late = Date.parse(c.due) < now;
          return el('li', { class: late ? 'alert' : '', dataset: { case: c.id } },
            el('span', { text: t('web.dir.case_row', { number: c.number, window: winName(c.window), staff: c.staff, due: String(c.due).slice(0, 10) }) }),
            el('span', { text: t(late ? 'web.cases.overdue' : 'web.cases.due_today') }));
        });
      $('#d-cases').replaceChildren(...(cases.length ? cases : [none()]));
    }

    setInterval(() => { if (covers.some((c) => c.open)) load(); else render(); }, 60000); // the minutes go on

    return {
      state(fresh) { if (fresh) load(); else render(); },
      event(ev) { if (ev.type === 'cover_needed' || ev.type === 'post_covered' || ev.type === 'day_opened') load(); },
    };
  })();

  await start();
})();
