// greeter.js — the hall guide's tablet (引导员, 首问负责): sign in as staff,
// then issue a ticket on a citizen's behalf (a priority class, and the ID
// number for the daily limit), log each inquiry in the inquiry log (咨询台账:
// answered on the spot, or referred to a window or office), and show or print
// a service's whole 一次性告知.
//
// The greeter signs in with their own job number rather than a device token:
// first-question duty makes the person first asked answerable, so the log
// names them. Address: /greeter.html[?lang=en]. The session rides in its cookie.
(async function () {
  'use strict';
  const { $, $$, el, t } = Q;
  await Q.init();

  let me = null;         // GET /api/me
  let services = [];     // GET /api/services, with their guides
  let priorities = [];   // GET /api/priorities
  let hallName = '';
  let chosen = '';       // the service to issue
  let priority = '';     // the priority class ('' none)
  let guideOf = '';      // the service whose guide is shown
  const shift = [];      // inquiries logged on this tablet since sign-in, newest first

  // ---- views ----
  function view(id) {
    Q.show('#g-login', id === '#g-login');
    Q.show('#g-desk', id === '#g-desk');
    Q.show('#g-logout', id === '#g-desk');
  }
  function tab(name) {
    $$('.g-tab').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === name)));
    $$('.g-panel').forEach((p) => Q.show(p, p.dataset.panel === name));
    if (name === 'issue') loadServices();
  }
  $$('.g-tab').forEach((b) => b.addEventListener('click', () => tab(b.dataset.tab)));

  // ---- sign-in ----
  $('#g-login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#g-login-error').textContent = '';
    $('#g-login-btn').disabled = true;
    try {
      await Q.api('POST', '/api/login', { job_no: $('#g-jobno').value.trim(), password: $('#g-password').value });
      $('#g-password').value = '';
      await start();
    } catch (err) {
      $('#g-login-error').textContent = err.message;
    } finally {
      $('#g-login-btn').disabled = false;
    }
  });
  $('#g-logout').addEventListener('click', async () => {
    try { await Q.api('POST', '/api/logout', {}); } catch (e) { /* the cookie goes at expiry anyway */ }
    me = null;
    shift.length = 0;
    renderShift();
    view('#g-login');
  });

  async function start() {
    try {
      me = await Q.api('GET', '/api/me');
    } catch (err) {
      view('#g-login');
      if (err.status !== 401) $('#g-login-error').textContent = err.message;
      return;
    }
    if (!me.staff || (me.role !== 'staff' && me.role !== 'director')) {
      view('#g-login');
      $('#g-login-error').textContent = t('web.greeter.not_staff');
      return;
    }
    $('#g-staff').textContent = Q.staffLabel(Q.staffName(me.staff), me.staff.job_no);
    try {
      const hall = await Q.api('GET', '/api/hall');
      hallName = Q.lang === 'en' && hall.name_en ? hall.name_en : hall.name;
      priorities = await Q.api('GET', '/api/priorities');
    } catch (err) { /* shown with the next action's error */ }
    await loadServices();
    renderPriorities();
    renderInquiryServices();
    view('#g-desk');
    tab('issue');
  }

  async function loadServices() {
    try {
      services = await Q.api('GET', '/api/services');
    } catch (err) {
      $('#g-issue-error').textContent = err.message;
      return;
    }
    renderServices();
    renderGuideServices();
  }

  // ---- issuing on a citizen's behalf ----
  function renderServices() {
    $('#g-services').replaceChildren(...services.map((s) =>
      el('button', { type: 'button', class: 'g-svc', disabled: !s.issuing, dataset: { service: s.code },
        'aria-pressed': String(s.code === chosen), onclick: () => { chosen = s.code; renderServices(); } },
        el('span', { class: 'g-prefix', text: s.prefix }),
        el('span', { class: 'g-svc-name', text: Q.serviceName(s) }),
        el('span', { class: 'g-svc-meta', text: t('web.people', { n: s.waiting }) + ' · ' + Q.wait(s.est_wait_s) }))));
  }

  function renderPriorities() {
    const chip = (code, name) => el('button', { type: 'button', class: 'g-pri', dataset: { priority: code },
      'aria-pressed': String(code === priority), text: name,
      onclick: () => { priority = code; renderPriorities(); } });
    $('#g-priorities').replaceChildren(chip('', t('web.greeter.priority_none')),
      ...priorities.map((p) => chip(p.code, Q.pick(p, 'name'))));
    const p = priorities.find((x) => x.code === priority);
    $('#g-proof').textContent = p ? Q.pick(p, 'proof') : '';
  }

  $('#g-issue-btn').addEventListener('click', async () => {
    const err = $('#g-issue-error');
    err.textContent = '';
    if (!chosen) { err.textContent = t('web.greeter.pick'); return; }
    const body = { service: chosen, channel: 'greeter' };
    if (priority) body.priority = priority;
    const id = $('#g-id').value.trim();
    if (id) body.id_no = id;
    $('#g-issue-btn').disabled = true;
    try {
      const tk = await Q.api('POST', '/api/tickets', body);
      $('#g-id').value = ''; // the ID number is not kept on the tablet
      showTicket(tk);
      priority = '';
      renderPriorities();
      loadServices();
    } catch (e) {
      err.textContent = e.message;
    } finally {
      $('#g-issue-btn').disabled = false;
    }
  });

  function showTicket(tk) {
    const s = services.find((x) => x.code === tk.service) || {};
    const p = priorities.find((x) => x.code === tk.priority);
    $('#g-r-number').textContent = tk.number;
    $('#g-r-service').textContent = Q.serviceName(s);
    $('#g-r-priority').textContent = p ? Q.pick(p, 'name') : '';
    $('#g-r-wait').textContent = t('web.greeter.ahead', { n: tk.ahead != null ? tk.ahead : Math.max(tk.position - 1, 0) }) +
      ' · ' + Q.est(tk.est_wait_s);
    const pledge = Q.pledge(s);
    $('#g-r-pledge').textContent = pledge ? t('web.pledge.labelled', { pledge: pledge }) : '';
    $('#g-r-qr').src = '/api/qr?size=240&data=' + encodeURIComponent(tk.status_url);
    Q.show('#g-result', true);
  }

  // ---- the inquiry log (首问 咨询台账) ----
  function renderInquiryServices() {
    const sel = $('#g-inq-service');
    sel.replaceChildren(el('option', { value: '', text: t('web.greeter.inq_no_service') }),
      ...services.map((s) => el('option', { value: s.code, text: s.prefix + ' ' + Q.serviceName(s) })));
  }
  function answered() { return $('#g-ans-yes').checked; }
  ['#g-ans-yes', '#g-ans-no'].forEach((id) => $(id).addEventListener('change', () => {
    Q.show('#g-ref-box', !answered());
    if (!answered()) $('#g-ref').focus();
  }));

  $('#g-inq-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('#g-inq-error');
    err.textContent = '';
    const body = { topic: $('#g-topic').value.trim(), answered: answered() };
    const svc = $('#g-inq-service').value;
    if (svc) body.service = svc;
    if (!body.answered) body.referred_to = $('#g-ref').value.trim();
    $('#g-log-btn').disabled = true;
    try {
      const v = await Q.api('POST', '/api/inquiries', body);
      shift.unshift(v);
      renderShift();
      $('#g-topic').value = '';
      $('#g-ref').value = '';
      $('#g-inq-service').value = '';
      $('#g-ans-yes').checked = true;
      Q.show('#g-ref-box', false);
    } catch (e2) {
      err.textContent = e2.message;
    } finally {
      $('#g-log-btn').disabled = false;
    }
  });

  function renderShift() {
    const items = shift.map((v) => {
      const s = services.find((x) => x.code === v.service);
      const at = Q.fmtTime(v.at);
      return el('li', { dataset: { id: v.id } },
        el('span', { class: 'g-s-at', text: at }),
        el('span', { class: 'g-s-topic', text: v.topic + (s ? ' · ' + Q.serviceName(s) : '') }),
        el('span', { class: 'g-s-how ' + (v.answered ? 'yes' : 'ref'),
          text: v.answered ? t('web.greeter.answered_yes') : t('web.greeter.referred_x', { to: v.referred_to }) }));
    });
    if (!items.length) items.push(el('li', { class: 'g-s-none', text: t('web.greeter.none') }));
    $('#g-shift').replaceChildren(...items);
  }

  // ---- 一次性告知: show and print ----
  function renderGuideServices() {
    $('#g-guide-services').replaceChildren(...services.map((s) =>
      el('button', { type: 'button', class: 'g-gsvc', dataset: { service: s.code }, 'aria-pressed': String(s.code === guideOf),
        onclick: () => showGuide(s.code) },
        el('span', { class: 'g-prefix', text: s.prefix }), el('span', { text: Q.serviceName(s) }))));
    if (guideOf) showGuide(guideOf);
  }
  function showGuide(code) {
    const s = services.find((x) => x.code === code);
    if (!s) return;
    guideOf = code;
    $$('.g-gsvc').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.service === code)));
    const now = Q.fmtDateTime(new Date());
    $('#g-guide-view').replaceChildren(Q.guide(s),
      el('p', { class: 'g-printed', text: t('web.guide.printed_at', { hall: hallName, at: now }) }));
    $('#g-print').disabled = false;
  }
  $('#g-print').addEventListener('click', () => window.print());

  renderShift();
  await start();
})();
