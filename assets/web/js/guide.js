// guide.js — a service's 一次性告知 (its legal basis, time limits, procedure
// and every material, told once and in full) and its 服务承诺 (the longest
// wait and handling it commits to), as the kiosk, the greeter's tablet and
// the phone page show them. The service is an entry of GET /api/services
// (the guide rides there only; the hall view over the websocket carries the
// commitment). It defines Q.pledge and Q.guide; load it after qcall.js.
(function () {
  'use strict';
  const { el, t } = Q;

  // list is a service's list field in the page's language (an English list
  // is given item for item, or not at all).
  function list(o, field) {
    if (!o) return [];
    const en = o[field + '_en'];
    return Q.lang === 'en' && en && en.length ? en : o[field] || [];
  }

  // pledge says a service's commitment in words ("等候不超过 20 分钟，办理不超过
  // 10 分钟"), or '' when it commits to none.
  Q.pledge = function (s) {
    const c = s && s.commitment;
    if (!c) return '';
    const parts = [];
    if (c.wait_min) parts.push(t('web.pledge.wait', { n: c.wait_min }));
    if (c.handle_min) parts.push(t('web.pledge.handle', { n: c.handle_min }));
    return parts.join(Q.lang === 'en' ? ', ' : '，');
  };

  // guide returns the whole 一次性告知 of service s as an element: its name,
  // then basis, time limits, procedure, materials and commitment, each a
  // section with its data-part.
  Q.guide = function (s) {
    const g = s.guide || {};
    const none = () => el('p', { class: 'g-none', text: t('web.guide.none') });
    const items = (tag, xs) => (xs.length ? el(tag, {}, xs.map((x) => el('li', { text: x }))) : none());
    const part = (name, title, ...body) => el('section', { class: 'g-part', dataset: { part: name } },
      el('h3', { text: title }), ...body);
    const limits = [
      g.legal_days ? t('web.guide.legal_days', { n: g.legal_days }) : t('web.guide.legal_none'),
      s.case_days ? t('web.guide.case_days', { n: s.case_days }) : t('web.guide.on_the_spot'),
    ];
    const pledge = Q.pledge(s);
    return el('article', { class: 'g-guide', dataset: { service: s.code } },
      el('header', { class: 'g-head' },
        el('h2', {}, el('span', { class: 'g-prefix', text: s.prefix }), Q.serviceName(s)),
        el('p', { class: 'g-notice', text: t('web.guide.notice') })),
      part('basis', t('web.guide.basis'), items('ul', list(g, 'basis'))),
      part('limits', t('web.guide.limits'), el('ul', {}, limits.map((x) => el('li', { text: x })))),
      part('procedure', t('web.guide.procedure'), items('ol', list(g, 'procedure'))),
      part('materials', t('web.guide.materials'), items('ol', Q.materials(s))),
      part('pledge', t('web.pledge.title'), pledge ? el('p', { class: 'g-pledge', text: pledge }) : none(),
        el('p', { class: 'g-supervise', text: t('web.pledge.supervise') })));
  };
})();
