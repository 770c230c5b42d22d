// hall.js — the hall TV screen: the latest calls large, every window's number,
// the waiting count and estimated wait of each service, the staff whereabouts
// board, the notice line and, beside it, each service's commitment (服务承诺)
// in turn; it announces each call by playing its WAV.
//
// Address: /hall.html?token=<display device token>[&repeat=N][&pledge_s=S][&lang=en]
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();
  Q.clock($('#clock'), true);

  const repeat = Math.min(Math.max(parseInt(Q.params.get('repeat') || '1', 10) || 1, 1), 5);
  const MAX_RECENT = 5; // the one shown large, and four below it
  const FRESH_MS = 20000; // a call caught up after a reconnection is spoken if younger

  let hall = null;          // HallView, from the newest snapshot or state
  let where = {};           // job_no → {status, note, since, name, name_en}
  let recent = [];          // calls, newest first: {seq, number, window, name}
  let announced = 0;        // seq of the newest call queued for the speaker

  // ---- the speaker: one announcement at a time, in order, never cut off ----
  //
  // Each call's WAV is played `repeat` times. A clip is never interrupted:
  // new calls wait in the queue. When the browser refuses to play without a
  // user gesture, the queue waits for one click on the overlay.
  window.__played = [];     // voice URLs started, in order (for tests and diagnosis)
  const speaker = { queue: [], playing: false, blocked: false, audio: new Audio(), guard: null };
  speaker.audio.preload = 'auto';

  function announce(url) {
    if (!url) return;
    for (let i = 0; i < repeat; i++) speaker.queue.push(url);
    pump();
  }

  function done() {
    clearTimeout(speaker.guard);
    speaker.playing = false;
    // A short breath between two announcements.
    setTimeout(pump, 500);
  }
  speaker.audio.addEventListener('ended', done);
  speaker.audio.addEventListener('error', () => { if (speaker.playing) { speaker.queue.shift(); done(); } });
  speaker.audio.addEventListener('loadedmetadata', () => {
    // Should "ended" never come (a stalled stream), move on after the clip's
    // length plus a margin rather than fall silent for good.
    const d = speaker.audio.duration;
    if (isFinite(d) && speaker.playing) {
      clearTimeout(speaker.guard);
      speaker.guard = setTimeout(() => { if (speaker.playing) done(); }, (d + 8) * 1000);
    }
  });

  function pump() {
    if (speaker.playing || speaker.blocked || speaker.queue.length === 0) return;
    const url = speaker.queue[0];
    const a = speaker.audio;
    speaker.playing = true;
    a.src = url;
    clearTimeout(speaker.guard);
    speaker.guard = setTimeout(() => { if (speaker.playing) done(); }, 30000);
    a.play().then(() => {
      speaker.queue.shift();
      window.__played.push(url);
    }, (err) => {
      clearTimeout(speaker.guard);
      speaker.playing = false;
      if (err && err.name === 'NotAllowedError') {
        // Autoplay refused: ask for the one click, then go on in order.
        speaker.blocked = true;
        Q.show('#sound', true);
      } else {
        speaker.queue.shift(); // a clip that cannot play is skipped
        setTimeout(pump, 500);
      }
    });
  }

  $('#sound-btn').addEventListener('click', () => {
    Q.show('#sound', false);
    speaker.blocked = false;
    pump();
  });

  // ---- rendering ----
  function render() {
    if (!hall) return;
    const name = Q.lang === 'en' && hall.name_en ? hall.name_en : hall.name;
    $('#hall-name').textContent = name;
    document.title = name;
    // The notice line also says the hall comes to those who cannot (上门服务).
    $('#notice').textContent = [hall.notice, t('web.homevisit.notice')].filter(Boolean).join('　　');
    renderStatus();
    renderWindows();
    renderServices();
    renderBoard();
    renderCalls();
  }

  // windowName is the name of window id in the page's language.
  function windowName(c) {
    const w = hall && hall.windows.find((x) => x.id === c.window);
    return w ? Q.windowName(w) : c.name || String(c.window);
  }

  function renderCalls() {
    const top = recent[0];
    if (top) {
      $('#now-number').textContent = top.number;
      $('#now-window').textContent = t('web.call.line', { number: top.number, window: windowName(top) });
    } else {
      $('#now-number').textContent = '—';
      $('#now-window').textContent = t('web.hall.none');
    }
    $('#recent').replaceChildren(...recent.slice(1).map((c) =>
      el('li', {}, el('span', { class: 'num', text: c.number }), el('span', { class: 'win', text: windowName(c) }))));
  }

  // renderStatus says where the hall's day is: its hours while it issues
  // tickets; after the cut-off that no more are issued and those in the
  // hall are still served; after closing, serving on (延时服务) while
  // anyone is still waiting or at a window, else closed, with the hours.
  function renderStatus() {
    const h = hall.hours || {};
    const hours = { open: h.open, close: h.close };
    const allDay = h.open === '00:00' && h.close === '24:00';
    const issuing = hall.services.some((s) => s.issuing);
    const inHall = hall.services.some((s) => s.waiting > 0) || hall.windows.some((w) => w.current);
    let state = 'open', text = allDay ? '' : t('web.hall.hours', hours);
    if (!hall.open) {
      state = inHall ? 'after_hours' : 'closed';
      text = inHall ? t('web.hall.after_hours') : t('web.hall.closed', hours);
    } else if (!issuing) {
      state = 'cutoff';
      text = t('web.hall.cutoff');
    }
    const box = $('#hall-status');
    box.className = 'hall-status ' + state;
    box.dataset.state = state;
    box.textContent = text;
    box.hidden = !text;
  }

  function renderWindows() {
    $('#windows').replaceChildren(...hall.windows.map((w) => {
      const cur = w.current;
      let num = cur ? cur.number : '';
      let state = t('web.wstate.' + w.state);
      if (w.state === 'closed') num = '—';
      if (w.staff && w.state !== 'closed') state = state + ' · ' + Q.staffName(w.staff);
      // A temporary window (临时窗口), opened by the director, says so.
      const temporary = (w.temporary || []).length > 0;
      return el('div', { class: 'wcell ' + w.state + (temporary ? ' temporary' : ''), dataset: { window: w.id } },
        el('div', { class: 'wname' }, el('span', { class: 'wtitle', text: Q.windowName(w) }),
          temporary ? el('span', { class: 'wtemp', text: t('web.hall.temporary') }) : null),
        el('div', { class: 'wnum', text: num }),
        el('div', { class: 'wstate', text: state }));
    }));
  }

  function renderServices() {
    $('#services').replaceChildren(...hall.services.map((s) =>
      el('tr', { dataset: { service: s.code } },
        el('td', { class: 'name' }, el('span', { class: 'prefix', text: s.prefix }), Q.serviceName(s),
          s.backup_open ? el('span', { class: 'backup', text: t('web.hall.backup') }) : null),
        el('td', { class: 'num', text: t('web.people', { n: s.waiting }) }),
        el('td', { class: 'num', text: Q.wait(s.est_wait_s, s.waiting, s.serving_windows === 0) }))));
  }

  function renderBoard() {
    // Everyone signed in at a window, and everyone who has set a whereabouts.
    const rows = new Map();
    for (const w of hall.windows) {
      if (!w.staff) continue;
      rows.set(w.staff.job_no, { name: Q.staffName(w.staff), place: Q.windowName(w), status: 'on_duty', note: '' });
    }
    for (const [jobNo, wh] of Object.entries(where || {})) {
      const r = rows.get(jobNo) || { name: Q.pick(wh, 'name') || jobNo, place: '' };
      r.status = wh.status;
      r.note = wh.note || '';
      rows.set(jobNo, r);
    }
    const items = [...rows.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([jobNo, r]) =>
      el('li', { dataset: { staff: jobNo } },
        el('span', { class: 'who', text: r.name + (r.place ? ' · ' + r.place : '') }),
        el('span', { class: 'where ' + r.status, text: t('web.where.' + r.status) + (r.note ? '（' + r.note + '）' : '') })));
    if (items.length === 0) items.push(el('li', { class: 'empty', text: t('web.hall.nobody') }));
    $('#board').replaceChildren(...items);
  }

  function addCall(ev) {
    if (recent.some((c) => c.seq === ev.seq)) return;
    // A recall of a number already on the list moves it to the top.
    recent = recent.filter((c) => !(c.number === ev.number && c.window === ev.window));
    recent.unshift({ seq: ev.seq, number: ev.number, window: ev.window, name: ev.window_name });
    recent.length = Math.min(recent.length, MAX_RECENT);
  }

  function flash() {
    const now = $('#now');
    now.classList.remove('flash');
    void now.offsetWidth; // restart the animation
    now.classList.add('flash');
  }

  function take(msg) {
    hall = msg.hall;
    where = msg.whereabouts || {};
    render();
    renderPledge();
  }

  // The hours pass without an event (and a snapshot may hold a view of the
  // hall from before the last change of hour): after each snapshot and once
  // a minute the hall's open state and which services issue are read again,
  // so that the cut-off and the close show when they come.
  async function refreshHours() {
    if (!hall) return;
    try {
      const h = await Q.api('GET', '/api/hall');
      hall.open = h.open;
      hall.hours = h.hours;
      for (const s of hall.services) {
        const n = (h.services || []).find((x) => x.code === s.code);
        if (n) s.issuing = n.issuing;
      }
      renderStatus();
    } catch (e) { /* the next minute */ }
  }
  setInterval(refreshHours, 60000);
  // ---- 服务承诺: each service's committed wait and handling, in turn ----
  // The strip at the left of the notice line shows one service's commitment
  // at a time (the services that commit to one), ?pledge_s= seconds each
  // (default 8).
  const PLEDGE_MS = Math.max(parseInt(Q.params.get('pledge_s') || '8', 10) || 8, 2) * 1000;
  let pledgeAt = 0; // the index, among the committed services, shown now
  function renderPledge() {
    const list = hall ? hall.services.filter((s) => Q.pledge(s)) : [];
    Q.show('#pledge', list.length > 0);
    if (!list.length) return;
    const s = list[pledgeAt % list.length];
    $('#pledge').dataset.service = s.code;
    $('#pledge-prefix').textContent = s.prefix;
    $('#pledge-name').textContent = Q.serviceName(s);
    $('#pledge-text').textContent = Q.pledge(s);
  }
  setInterval(() => { pledgeAt++; renderPledge(); }, PLEDGE_MS);

  Q.connect({
    client: 'hall',
    onSnapshot(msg) {
      take(msg);
      refreshHours();
      if (recent.length === 0) {
        // After a (re)load, the day's latest calls as the server keeps
        // them, without sound.
        recent = (hall.recent || []).slice(0, MAX_RECENT).map((c) => ({ seq: 0, number: c.number, window: c.window }));
        renderCalls();
      }
      // Whatever happened up to a snapshot is not announced: only what
      // follows it. (A snapshot's seq is below the last one only when the
      // hall was restored from a backup; then its later calls are new.)
      announced = msg.seq;
    },
    onState: take,
    onEvent(ev, live) {
      switch (ev.type) {
        case 'ticket_called':
        case 'ticket_recalled':
          addCall(ev);
          renderCalls();
          // A call is spoken once: live, or caught up after a reconnection
          // when it is still fresh (made during the few seconds the screen
          // was away). Older calls, and calls heard already, never are.
          if (ev.seq > announced && (live || Q.fresh(ev, FRESH_MS))) {
            announced = ev.seq;
            flash();
            announce(ev.voice_url);
          }
          break;
        case 'day_opened':
        case 'day_closed':
          recent = [];
          renderCalls();
          break;
      }
    },
  });
})();
