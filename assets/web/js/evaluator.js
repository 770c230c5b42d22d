// evaluator.js — the satisfaction tablet at one window: the staff member's
// photo, name and job number; right after each finished service the five
// levels of the national 好差评 scale (非常满意 5 … 非常不满意 1), one rating
// per ticket, then after 2 or 1 a reason to pick (or none), a thank-you, and
// back to the welcome. The buttons stay only while the server takes a
// rating: until the window's rate_until (the hall's rating window after the
// finish) and never after the next call there.
//
// Address: /evaluator.html?window=N&token=<evaluator device token>[&lang=en]
(async function () {
  'use strict';
  const { $, t } = Q;
  await Q.init();

  const id = parseInt(Q.params.get('window') || '', 10);
  if (!(id > 0)) {
    $('#e-idle').textContent = t('web.error.no_window');
    return;
  }
  const FALLBACK_RATE_MS = 120000; // until the state says how long (rate_until)
  const REASON_FOR_MS = 20000;     // then the bad rating goes without a reason
  const THANKS_FOR_MS = 4000;

  let win = null;
  let mode = 'idle'; // idle | rate | why | thanks
  let modeTimer = null;
  let sending = false;
  let badScore = 0; // the 2 or 1 waiting for its reason

  // msLeft is how long the server still takes a rating at this window, by
  // the server's clock; 0 when it does not.
  function msLeft() {
    const until = win && win.rate_until ? Date.parse(win.rate_until) : NaN;
    if (isNaN(until)) return 0;
    return Math.max(0, until - Q.now());
  }

  function setMode(m, ms, then) {
    mode = m;
    clearTimeout(modeTimer);
    modeTimer = ms ? setTimeout(then || (() => setMode('idle')), ms) : null;
    $('#e-error').hidden = true;
    render();
  }

  // follow puts the page where the window's state says: the buttons while a
  // rating is awaited, the welcome once it is not (the window closed, the
  // next citizen called, the rating given elsewhere).
  function follow() {
    const left = msLeft();
    if (left > 0 && mode === 'idle') setMode('rate', left);
    else if (left > 0 && mode === 'rate') setMode('rate', left);
    else if (left === 0 && (mode === 'rate' || mode === 'why') && !sending) setMode('idle');
  }

  function render() {
    if (win) {
      $('#e-window').textContent = Q.windowName(win);
      document.title = Q.windowName(win);
    }
    const staff = win && win.staff;
    Q.show('#e-staff', !!staff);
    if (staff) {
      $('#e-photo').replaceChildren(Q.photo(staff));
      $('#e-name').textContent = Q.staffName(staff);
      $('#e-no').textContent = t('web.staff.jobno', { n: staff.job_no });
    }
    Q.show('#e-rate', mode === 'rate');
    Q.show('#e-why', mode === 'why');
    Q.show('#e-thanks', mode === 'thanks');
    Q.show('#e-idle', mode === 'idle' && !!staff);
    Q.show('#e-closed', mode === 'idle' && !staff);
  }

  function busy(on) {
    sending = on;
    Q.$$('.e-btn, .e-reason, #e-why-skip').forEach((x) => { x.disabled = on; });
  }

  async function send(score, reason) {
    if (sending) return;
    busy(true);
    try {
      const body = { window: id, score: score };
      if (reason) body.reason = reason;
      await Q.api('POST', '/api/ratings', body);
      setMode('thanks', THANKS_FOR_MS);
    } catch (e) {
      if (e.code === 'already_rated' || e.code === 'nothing_to_rate') setMode('idle');
      $('#e-error').textContent = e.message;
      $('#e-error').hidden = false;
    } finally {
      busy(false);
    }
  }

  Q.$$('.e-btn').forEach((b) => b.addEventListener('click', () => {
    if (sending || mode !== 'rate') return;
    const score = parseInt(b.dataset.score, 10);
    if (score <= 2) {
      // A bad rating may say why; without a choice it goes as it is.
      badScore = score;
      setMode('why', Math.min(REASON_FOR_MS, Math.max(msLeft() - 1500, 1)), () => send(badScore, ''));
      return;
    }
    send(score, '');
  }));
  Q.$$('.e-reason').forEach((b) => b.addEventListener('click', () => {
    if (mode === 'why') send(badScore, b.dataset.reason);
  }));
  $('#e-why-skip').addEventListener('click', () => {
    if (mode === 'why') send(badScore, '');
  });

  Q.connect({
    client: 'evaluator',
    window: id,
    onSnapshot: (m) => { win = m.window; follow(); render(); },
    onState: (m) => { win = m.window; follow(); render(); },
    onEvent(ev, live) {
      if (ev.window !== id || !live) return;
      switch (ev.type) {
        case 'service_finished':
          // Ask at once; the state that follows says until when.
          if (mode !== 'thanks' && mode !== 'why') setMode('rate', msLeft() || FALLBACK_RATE_MS);
          break;
        case 'ticket_called':
        case 'window_signed_out':
          // The next citizen is called, or nobody is there: the last one's
          // chance to rate has passed.
          if (mode === 'rate' || mode === 'why') setMode('idle');
          break;
      }
    },
  });
  render();
})();
