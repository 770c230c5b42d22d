// phone.js — a citizen's page for one ticket, opened from the QR code on it:
// the number, the people ahead and the estimated wait, updating live, and a
// plain "请到 N 号窗口" when it is called (with a vibration where the phone
// allows), and the service's commitment (服务承诺). It shows no personal
// data: the ticket has none.
//
// Address: /t/<ticket id>[?lang=en]
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();

  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  let services = [];
  let windows = [];    // the hall's windows, for their names
  let ticket = null;
  let matter = null; // the case deadline (限时办结) the ticket's matter went on to, or null
  let phone = {};      // the phone view: no_shows, slip, refusal, closed_day
  let calledSeq = 0;

  function serviceName(code) {
    const s = services.find((x) => x.code === code);
    return s ? Q.serviceName(s) : '';
  }

  function render() {
    if (!ticket) return;
    Q.show('#p-unknown', false);
    Q.show('#p-main', true);
    $('#p-number').textContent = ticket.number;
    document.title = ticket.number;
    $('#p-service').textContent = serviceName(ticket.service);
    const st = ticket.state;
    const waiting = st === 'waiting' || (st === 'transferred' && ticket.position > 0);
    Q.show('#p-waiting', waiting);
    Q.show('#p-called', st === 'called');
    if (waiting) {
      $('#p-ahead').textContent = t('web.people', { n: ticket.ahead != null ? ticket.ahead : Math.max((ticket.position || 1) - 1, 0) });
      $('#p-wait').textContent = Q.wait(ticket.est_wait_s, ticket.ahead, ticket.no_window);
      // "暂无窗口办理" is words, not a figure: smaller, so it keeps to one line.
      $('#p-wait').classList.toggle('p-words', !!ticket.no_window);
    }
    if (st === 'called') {
      // The window by its name, in the page's language ("请到 1号窗口").
      const w = windows.find((x) => x.id === ticket.window);
      const name = w ? Q.windowName(w) : ticket.window_name || String(ticket.window);
      $('#p-goto').textContent = t('web.phone.goto_name', { window: name });
    }
    const words = {
      serving: 'web.phone.serving', done: 'web.phone.done', no_show: 'web.phone.no_show',
      suspended: 'web.phone.suspended', rejected: 'web.phone.rejected', cancelled: 'web.phone.cancelled',
      transferred: 'web.phone.transferred',
    }[st];
    const status = $('#p-status');
    let say = words && !waiting ? t(words) : '';
    if (st === 'cancelled' && phone.closed_day) say = t('web.phone.cancelled_close', { day: Q.fmtDate(phone.closed_day + 'T12:00:00') });
    // Moved back to the queue after a missed call: say so above the count.
    if (waiting && phone.no_shows > 0) say = t('web.phone.requeued');
    status.hidden = !say;
    status.textContent = say;
    if (matter && st === 'done') {
      // Accepted, to be completed later: the case and its due date (in the
      // hall's zone, as the server writes it), not "办理完毕".
      status.hidden = false;
      status.textContent = matter.done
        ? t('web.phone.case_done', { case: matter.id })
        : t('web.phone.case_open', { case: matter.id, due: String(matter.due).slice(0, 10) });
    }
    status.classList.toggle('p-case', !!(matter && st === 'done' && !matter.done));
    const slip = st === 'suspended' && phone.slip;
    const refusal = st === 'rejected' && phone.refusal;
    Q.show('#p-detail', !!(slip || refusal));
    Q.show('#p-slip', !!slip);
    Q.show('#p-refusal', !!refusal);
    if (slip) {
      $('#p-slip-code').textContent = slip.slip_id;
      $('#p-slip-valid').textContent = t('web.phone.slip_valid', { until: Q.fmtDate(slip.valid_until) });
      $('#p-missing').replaceChildren(...(slip.missing || []).map((m) => el('li', { text: m })));
    }
    if (refusal) {
      $('#p-reason').textContent = refusal.reason;
      $('#p-basis').textContent = refusal.basis;
    }
    renderPledge();
  }

  // renderPledge shows the commitment (服务承诺) of the ticket's service: how
  // long at most the citizen waits and is served.
  function renderPledge() {
    const s = services.find((x) => x.code === ticket.service);
    const p = Q.pledge(s);
    $('#p-pledge-text').textContent = p;
    Q.show('#p-pledge', !!p);
  }

  function take(m) {
    ticket = m.ticket;
    phone = m;
    matter = m.case || null;
    render();
  }

  function buzz() {
    try {
      if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
    } catch (e) { /* not allowed here */ }
  }

  function unknown() {
    Q.show('#p-main', false);
    Q.show('#p-unknown', true);
  }

  try {
    const hall = await Q.api('GET', '/api/hall');
    services = hall.services || [];
    windows = hall.windows || [];
  } catch (e) { /* names only */ }
  try {
    ticket = await Q.api('GET', '/api/tickets/' + encodeURIComponent(id));
    matter = ticket.case || null;
    render();
  } catch (e) {
    if (e.status === 404) { unknown(); return; }
  }

  const conn = Q.connect({
    client: 'phone',
    ticket: id,
    async onStatus(status) {
      // The server refuses a ticket it no longer knows (a new business day)
      // before the websocket opens: ask the API, and stop if it is gone.
      if (status !== 'lost') return;
      try {
        await Q.api('GET', '/api/tickets/' + encodeURIComponent(id));
      } catch (e) {
        if (e.status === 404) { conn.close(); Q.setOffline(false); unknown(); }
      }
    },
    onSnapshot: take,
    onState: take,
    onEvent(ev, live) {
      if ((ev.type === 'ticket_called' || ev.type === 'ticket_recalled') && ev.seq > calledSeq && (live || Q.fresh(ev, 60000))) {
        calledSeq = ev.seq;
        buzz();
      }
    },
    onClose(e) {
      // 1008 unknown_ticket: the ticket is gone (a new day); stop asking.
      if (e.code === 1008) { unknown(); return false; }
      return true;
    },
  });
})();
