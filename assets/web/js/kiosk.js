// kiosk.js — the touch kiosk: pick a service (waiting count and estimated
// wait on each button), read its materials list (一次性告知) and its service
// commitment (服务承诺) before taking the ticket, give the ID number when the
// hall limits tickets a day, take it, and see the number, the people ahead,
// the estimated wait and a QR code to the phone page. Any service's whole
// guide (basis, time limits, procedure, materials) opens from its card on
// the start screen, even while it does not issue. A returning citizen types
// or scans the code of a return slip.
// Every screen goes back to the start after a while alone.
//
// Address: /kiosk.html?token=<kiosk device token>[&timeout=seconds][&lang=en]
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();
  Q.clock($('#clock'));

  const timeoutS = Math.max(parseInt(Q.params.get('timeout') || '30', 10) || 30, 5);
  const SLIP_KEYS = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // the slip codes' alphabet

  let services = [];
  let hours = {};    // the hall's hours (open, close, issue_cutoff)
  let chosen = null; // the service whose materials are shown
  let busy = false;

  // ---- screens ----
  const screens = ['#k-start', '#k-materials', '#k-ticket', '#k-slip'];
  let countdown = null;
  // After a while alone the kiosk is ready for the next citizen: the start
  // screen, in Chinese (a citizen who switched to English has gone).
  const back = Q.idle(timeoutS * 2000, nextCitizen);
  function nextCitizen() {
    if (Q.lang !== 'zh-CN') Q.setLang('zh-CN');
    else go('#k-start');
  }
  function go(id) {
    screens.forEach((s) => Q.show(s, s === id));
    hideError();
    clearInterval(countdown);
    $('#k-t-count').textContent = '';
    closeGuide();
    if (id === '#k-start') {
      // The start screen waits for ever in Chinese; in English it goes
      // back to Chinese after a while alone.
      if (Q.lang !== 'zh-CN') back(); else back.stop();
      chosen = null;
      resetId();
      renderServices();
    } else {
      back();
    }
    window.scrollTo(0, 0);
  }

  let errTimer = null;
  function showError(msg) {
    const e = $('#k-error');
    e.textContent = msg;
    e.hidden = false;
    clearTimeout(errTimer);
    errTimer = setTimeout(hideError, 8000);
  }
  function hideError() { $('#k-error').hidden = true; }

  async function withBusy(fn) {
    if (busy) return;
    busy = true;
    const shown = setTimeout(() => Q.show('#k-busy', true), 300);
    try {
      await fn();
    } catch (e) {
      showError(e.message || t('web.error.network'));
    } finally {
      clearTimeout(shown);
      Q.show('#k-busy', false);
      busy = false;
    }
  }

  // ---- start: the services ----
  // A card per service: the big button that takes a ticket, and at its
  // bottom right a button of its own for the service's guide (a button
  // cannot hold another).
  function renderServices() {
    $('#k-services').replaceChildren(...services.map((s) =>
      el('div', { class: 'k-card' },
        el('button', { type: 'button', class: 'k-service', disabled: !s.issuing, dataset: { service: s.code },
          onclick: () => openService(s.code) },
          el('span', { class: 'k-prefix', text: s.prefix }),
          el('span', { class: 'k-name', text: Q.serviceName(s) }),
          el('span', { class: 'k-meta' }, el('span', {}, ...waitingLine(s)))),
        el('button', { type: 'button', class: 'btn secondary k-guide-btn', dataset: { guide: s.code },
          text: t('web.kiosk.guide'), onclick: () => openGuide(s.code) }))));
  }

  // waitingLine says how many wait, the count in bold where the catalogue's
  // {n} stands, and the estimated wait.
  function waitingLine(s) {
    if (!s.issuing) return [pausedLine()];
    const [before, after] = (Q.cat['web.kiosk.waiting'] || '{n}').split('{n}');
    return [before || '', el('b', { text: s.waiting }), after || '', ' · ', Q.est(s.est_wait_s, s.waiting, s.serving_windows === 0)];
  }

  // pausedLine says that a service does not issue now, and when it does:
  // from the opening time (before it, or after the day's cut-off: the next
  // day), with the hall's hours.
  function pausedLine() {
    if (!hours.open || (hours.open === '00:00' && hours.close === '24:00')) return t('web.kiosk.paused');
    return t('web.kiosk.paused_hours', { open: hours.open, close: hours.close, cutoff: hours.issue_cutoff || hours.close });
  }

  // ---- materials, then the ticket ----
  function openService(code) {
    const s = services.find((x) => x.code === code);
    if (!s || !s.issuing) return;
    chosen = s.code;
    $('#k-m-service').textContent = Q.serviceName(s);
    const list = Q.materials(s);
    $('#k-m-list').replaceChildren(...(list.length ? list : [t('web.kiosk.no_materials')]).map((m) => el('li', { text: m })));
    $('#k-m-wait').textContent = t('web.kiosk.waiting', { n: s.waiting }) + ' · ' + Q.est(s.est_wait_s, s.waiting, s.serving_windows === 0);
    showPledge(s);
    go('#k-materials');
  }

  $('#k-m-back').addEventListener('click', () => go('#k-start'));
  $('#k-m-take').addEventListener('click', () => withBusy(async () => {
    const tk = await Q.api('POST', '/api/tickets', Object.assign({ service: chosen, channel: 'kiosk' }, idBody()));
    resetId(); // the ID number leaves the screen with the ticket
    const s = services.find((x) => x.code === tk.service);
    $('#k-t-number').textContent = tk.number;
    $('#k-t-service').textContent = s ? Q.serviceName(s) : '';
    $('#k-t-ahead').textContent = t('web.kiosk.ahead', { n: tk.ahead != null ? tk.ahead : Math.max(tk.position - 1, 0) });
    $('#k-t-wait').textContent = Q.est(tk.est_wait_s, tk.ahead, tk.no_window);
    $('#k-t-qr').src = '/api/qr?size=360&data=' + encodeURIComponent(tk.status_url);
    go('#k-ticket');
    // The ticket screen goes back on its own after timeoutS.
    let left = timeoutS;
    const tick = () => {
      $('#k-t-count').textContent = t('web.kiosk.return_in', { n: left });
      if (left-- <= 0) nextCitizen();
    };
    tick();
    countdown = setInterval(tick, 1000);
  }));
  $('#k-t-done').addEventListener('click', () => go('#k-start'));

  // ---- return slips ----
  const code = $('#k-slip-code');
  $('#k-keys').replaceChildren(...SLIP_KEYS.split('').map((c) =>
    el('button', { type: 'button', text: c, onclick: () => { code.value = (code.value + c).slice(0, 16); code.focus(); } })));
  $('#k-slip-open').addEventListener('click', () => {
    code.value = '';
    Q.show('#k-slip-result', false);
    go('#k-slip');
    code.focus(); // a scanner types into it, ending with Enter
  });
  $('#k-slip-back').addEventListener('click', () => go('#k-start'));
  $('#k-slip-del').addEventListener('click', () => { code.value = code.value.slice(0, -1); code.focus(); });
  code.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); returnSlip(); } });
  $('#k-slip-ok').addEventListener('click', returnSlip);

  function returnSlip() {
    const id = code.value.trim().toUpperCase();
    if (!id) return;
    withBusy(async () => {
      const r = await Q.api('POST', '/api/slips/' + encodeURIComponent(id) + '/return', {});
      const tk = r.ticket || {};
      // The ticket waits for the window of its slip, which the answer names.
      const win = tk.for_window_name || (tk.for_window ? String(tk.for_window) : '');
      const res = $('#k-slip-result');
      res.textContent = win ? t('web.kiosk.slip_back', { window: win, number: tk.number })
        : t('web.kiosk.slip_back_any', { number: tk.number });
      res.hidden = false;
      code.value = '';
      back();
    });
  }

  // ---- data: the services, live ----
  function take(hall) {
    services = hall.services || [];
    hours = hall.hours || {};
    const name = Q.lang === 'en' && hall.name_en ? hall.name_en : hall.name;
    $('#hall-name').textContent = name;
    document.title = name + ' · ' + t('web.kiosk.title');
    if (!$('#k-start').hidden) renderServices();
  }

  // ---- 服务承诺 and 一次性告知 (guide.js) ----
  // The materials screen says the service's commitment; each service's card
  // on the start screen has a guide button, and the materials screen one for
  // its service, opening the whole guide (from GET /api/services, which carries it) in big
  // type over the screen.
  function showPledge(s) {
    const p = Q.pledge(s);
    $('#k-m-pledge').textContent = p ? t('web.pledge.labelled', { pledge: p }) : '';
    Q.show('#k-m-pledge', !!p);
  }
  function openGuide(code) {
    withBusy(async () => {
      const all = await Q.api('GET', '/api/services');
      const s = all.find((x) => x.code === code);
      if (!s) return;
      $('#k-guide-body').replaceChildren(Q.guide(s));
      Q.show('#k-guide', true);
      $('#k-guide-body').scrollTop = 0;
      back();
    });
  }
  function closeGuide() { Q.show('#k-guide', false); }
  $('#k-guide-close').addEventListener('click', closeGuide);
  $('#k-m-guide').addEventListener('click', () => { if (chosen) openGuide(chosen); });

  // ---- the citizen's ID number (optional: the daily limit) ----
  // Typed on the screen's own keys; it goes with the ticket request and is
  // cleared once the ticket is taken or the kiosk goes back to the start.
  // A refused number's message covers the buttons below: correcting the
  // number takes it away, and so does a tap on it.
  const idInput = $('#k-id-input');
  const edit = (fn) => () => { hideError(); idInput.value = fn(idInput.value).slice(0, 18); };
  $('#k-id-keys').replaceChildren(...'1234567890X'.split('').map((c) =>
    el('button', { type: 'button', text: c, onclick: edit((v) => v + c) })),
  el('button', { type: 'button', class: 'k-id-del', text: t('web.kiosk.id_del'), onclick: edit((v) => v.slice(0, -1)) }),
  el('button', { type: 'button', class: 'k-id-clear', text: t('web.kiosk.id_clear'), onclick: () => { hideError(); resetId(); } }));
  $('#k-error').addEventListener('click', hideError);
  $('#k-id-open').addEventListener('click', () => {
    Q.show('#k-id-open', false); // the guide button stays beside it
    Q.show('#k-id-box', true);
    idInput.focus();
  });
  function resetId() {
    idInput.value = '';
    Q.show('#k-id-box', false);
    Q.show('#k-id-open', true);
  }
  function idBody() {
    const v = idInput.value.trim();
    return v ? { id_no: v } : {};
  }

  try {
    take(await Q.api('GET', '/api/hall'));
  } catch (e) {
    showError(e.message);
  }
  // The cut-off comes without an event (and a snapshot may hold a view of
  // the hall from before it): which services issue is read again after each
  // snapshot and once a minute.
  async function refreshHall() {
    try { take(await Q.api('GET', '/api/hall')); } catch (e) { /* the next minute */ }
  }
  setInterval(refreshHall, 60000);
  // ---- this kiosk's printer ----
  // The device agent reports each ticket printer's state with the kiosks it
  // prints for; when this kiosk's cannot print, the citizen is told to keep
  // the number shown on the screen (or its QR code) instead.
  let me = '';
  const printers = {}; // printer name → {status, kiosks}
  const CANNOT = ['paper_out', 'cover_open', 'offline', 'error'];
  function showPrinter() {
    const bad = Object.values(printers).find((p) => (p.kiosks || []).includes(me) && CANNOT.includes(p.status));
    const box = $('#k-printer');
    if (bad) box.textContent = t('web.kiosk.printer.' + bad.status);
    box.hidden = !bad;
    $('#k-t-take').hidden = !!bad; // no printed ticket to take away
  }
  async function loadPrinters() {
    try {
      if (!me) me = ((await Q.api('GET', '/api/me')).device || {}).name || '';
      const devs = await Q.api('GET', '/api/devices');
      for (const [name, d] of Object.entries(devs)) printers[name] = d;
      showPrinter();
    } catch (e) { /* shown again on the next event */ }
  }

  Q.connect({
    client: 'kiosk',
    onSnapshot: (m) => { take(m.hall); loadPrinters(); refreshHall(); },
    onState: (m) => take(m.hall),
    onEvent: (ev) => {
      if (ev.type === 'device_status') {
        printers[ev.device] = { status: ev.status, kiosks: ev.kiosks || [] };
        showPrinter();
      }
    },
  });
  go('#k-start');
})();
