// phone.js — a citizen's page for one ticket, opened from the QR code on it:
// the number, the people ahead and the estimated wait, updating live, and a
// plain "请到 N 号窗口" when it is called (with a vibration where the phone
// allows), and the service's commitment (服务承诺). It shows no personal
// data: the ticket has none.
//
// Address: /t/<ticket id>[?lang=en]
(async function () {
  'use strict';
  const { $, t } = Q;
  await Q.init();

  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  let services = [];
  let ticket = null;
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
      $('#p-wait').textContent = Q.wait(ticket.est_wait_s);
    }
    if (st === 'called') {
      $('#p-goto').textContent = t('web.phone.goto', { n: ticket.window });
    }
    const words = {
      serving: 'web.phone.serving', done: 'web.phone.done', no_show: 'web.phone.no_show',
      suspended: 'web.phone.suspended', rejected: 'web.phone.rejected', cancelled: 'web.phone.cancelled',
      transferred: 'web.phone.transferred',
    }[st];
    const status = $('#p-status');
    status.hidden = !words || waiting;
    if (words) status.textContent = t(words);
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
    services = await Q.api('GET', '/api/services');
  } catch (e) { /* names only */ }
  try {
    ticket = await Q.api('GET', '/api/tickets/' + encodeURIComponent(id));
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
    onSnapshot: (m) => { ticket = m.ticket; render(); },
    onState: (m) => { ticket = m.ticket; render(); },
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
