// evaluator.js — the satisfaction tablet at one window: the staff member's
// photo, name and job number; after each finished service the four buttons
// 非常满意 / 满意 / 基本满意 / 不满意, one rating per ticket, a thank-you, then
// back to the welcome.
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
  const RATE_FOR_MS = 60000;   // the buttons wait this long for a tap
  const THANKS_FOR_MS = 4000;

  let win = null;
  let mode = 'idle'; // idle | rate | thanks
  let modeTimer = null;
  let sending = false;

  function setMode(m, ms) {
    mode = m;
    clearTimeout(modeTimer);
    if (ms) modeTimer = setTimeout(() => setMode('idle'), ms);
    $('#e-error').hidden = true;
    render();
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
    Q.show('#e-thanks', mode === 'thanks');
    Q.show('#e-idle', mode === 'idle' && !!staff);
    Q.show('#e-closed', mode === 'idle' && !staff);
  }

  Q.$$('.e-btn').forEach((b) => b.addEventListener('click', async () => {
    if (sending || mode !== 'rate') return;
    sending = true;
    Q.$$('.e-btn').forEach((x) => { x.disabled = true; });
    try {
      await Q.api('POST', '/api/ratings', { window: id, score: parseInt(b.dataset.score, 10) });
      setMode('thanks', THANKS_FOR_MS);
    } catch (e) {
      if (e.code === 'already_rated' || e.code === 'nothing_to_rate') {
        setMode('idle');
      }
      $('#e-error').textContent = e.message;
      $('#e-error').hidden = false;
    } finally {
      sending = false;
      Q.$$('.e-btn').forEach((x) => { x.disabled = false; });
    }
  }));

  Q.connect({
    client: 'evaluator',
    window: id,
    onSnapshot: (m) => { win = m.window; render(); },
    onState: (m) => { win = m.window; render(); },
    onEvent(ev) {
      if (ev.window !== id) return;
      switch (ev.type) {
        case 'service_finished':
          setMode('rate', RATE_FOR_MS);
          break;
        case 'service_started':
        case 'window_signed_out':
          // The next citizen is at the window, or nobody: the last one's
          // chance to rate has passed.
          if (mode === 'rate') setMode('idle');
          break;
      }
    },
  });
  render();
})();
