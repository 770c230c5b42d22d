// window.js — the screen above one window: its name, the number it serves,
// and the staff member on duty with photo, name and job number (公示);
// "暂停服务" when nobody is signed in.
//
// Address: /window.html?window=N&token=<display device token>[&lang=en]
(async function () {
  'use strict';
  const { $, t } = Q;
  await Q.init();
  Q.clock($('#clock'));

  const id = parseInt(Q.params.get('window') || '', 10);
  if (!(id > 0)) {
    $('#w-error-text').textContent = t('web.error.no_window');
    Q.show('#w-error', true);
    return;
  }

  function render(w) {
    $('#w-name').textContent = Q.windowName(w);
    document.title = Q.windowName(w);
    document.body.className = 'winscreen ' + w.state;
    const open = !!w.staff;
    Q.show('#w-open', open);
    Q.show('#w-closed', !open);
    if (!open) return;
    const cur = w.current;
    $('#w-number').textContent = cur ? cur.number : '—';
    let line = t('web.window.idle');
    if (w.state === 'away') line = t('web.window.away');
    else if (cur && w.state === 'called') line = t('web.window.calling', { number: cur.number });
    else if (cur) line = t('web.window.serving', { number: cur.number });
    $('#w-line').textContent = line;
    $('#w-photo').replaceChildren(Q.photo(w.staff));
    $('#w-staff-name').textContent = Q.staffName(w.staff);
    $('#w-staff-no').textContent = t('web.staff.jobno', { n: w.staff.job_no });
  }

  Q.connect({
    client: 'window',
    window: id,
    onSnapshot: (m) => render(m.window),
    onState: (m) => render(m.window),
  });
})();
