// index.js — the list of screens, with a window screen and an evaluator link
// for each window of the hall.
(async function () {
  'use strict';
  const { $, el } = Q;
  await Q.init();
  let hall;
  try {
    hall = await Q.api('GET', '/api/hall');
  } catch (e) {
    return;
  }
  const name = Q.lang === 'en' && hall.name_en ? hall.name_en : hall.name;
  $('#i-hall').textContent = name;
  document.title = name;
  const lang = Q.lang === 'en' ? '&lang=en' : '';
  $('#i-windows').replaceChildren(...hall.windows.map((w) => el('tr', {},
    el('td', { text: Q.windowName(w) }),
    el('td', {}, el('a', { href: '/window.html?window=' + w.id + '&token=demo-display' + lang, text: Q.t('web.index.window') })),
    el('td', {}, el('a', { href: '/evaluator.html?window=' + w.id + '&token=demo-evaluator' + lang, text: Q.t('web.index.evaluator') })))));
})();
