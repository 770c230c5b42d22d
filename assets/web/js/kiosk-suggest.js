// kiosk-suggest.js — the kiosk's suggestion box (意见箱): a citizen picks
// what the suggestion is about with a big button and may add a few words;
// no login, no name. It is sent as a suggestion (POST /api/complaints, kind
// suggestion; the server records it by the kiosk channel) for the duty
// director's register. The dialog closes by itself after a minute alone.
(function () {
  'use strict';
  const { $, el, t } = Q;
  const TOPICS = ['waiting', 'guidance', 'attitude', 'efficiency', 'environment', 'other'];
  const dlg = $('#k-suggest');
  let topic = '';
  let sending = false;
  let thanksTimer = null;
  const idle = Q.idle(60000, () => { if (dlg.open) dlg.close(); });
  idle.stop();

  function pick(tp) {
    topic = topic === tp ? '' : tp;
    $('#k-suggest-topics').querySelectorAll('.k-topic').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.topic === topic)));
  }

  function open() {
    topic = '';
    $('#k-suggest-text').value = '';
    $('#k-suggest-error').textContent = '';
    $('#k-suggest-topics').replaceChildren(...TOPICS.map((tp) => el('button', {
      type: 'button', class: 'btn secondary k-topic', 'data-topic': tp, 'aria-pressed': 'false',
      text: t('web.reg.topic.' + tp), onclick: () => pick(tp),
    })));
    Q.show('#k-suggest-form', true);
    Q.show('#k-suggest-thanks', false);
    dlg.showModal();
    idle();
  }

  $('#k-suggest-open').addEventListener('click', open);
  $('#k-suggest-cancel').addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => { idle.stop(); clearTimeout(thanksTimer); });
  $('#k-suggest-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('#k-suggest-text').value.trim();
    if (!topic && !text) {
      $('#k-suggest-error').textContent = t('web.kiosk.suggest.need');
      return;
    }
    if (sending) return;
    sending = true;
    try {
      const body = { kind: 'suggestion', text: text };
      if (topic) body.topic = topic;
      await Q.api('POST', '/api/complaints', body);
      Q.show('#k-suggest-form', false);
      Q.show('#k-suggest-thanks', true);
      thanksTimer = setTimeout(() => dlg.close(), 4000);
    } catch (err) {
      $('#k-suggest-error').textContent = err.message;
    } finally {
      sending = false;
    }
  });
})();
