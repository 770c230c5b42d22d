// qcall.js — what every screen shares: the catalogue (every label comes from
// /i18n/<lang>.json), the JSON API, the realtime connection (snapshot, events,
// state; reconnects by itself with backoff and resumes with ?since=), the
// "connection lost" banner, and small DOM helpers. No build step, no
// dependencies: it defines one global, Q.
(function () {
  'use strict';

  const params = new URLSearchParams(location.search);
  const LANGS = ['zh-CN', 'en'];
  const LANG_KEY = 'qcall.lang';

  function normLang(s) {
    return String(s || '').toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
  }

  // The language: ?lang= (remembered), else the one remembered, else zh-CN.
  function pickLang() {
    const p = params.get('lang');
    if (p) {
      try { localStorage.setItem(LANG_KEY, normLang(p)); } catch (e) { /* private mode */ }
      return normLang(p);
    }
    try {
      const s = localStorage.getItem(LANG_KEY);
      if (s) return normLang(s);
    } catch (e) { /* private mode */ }
    return 'zh-CN';
  }

  // takeToken returns the device token of the page and takes it out of the
  // address bar (and so out of the history, bookmarks, screenshots and the
  // Referer), keeping it for a reload of this page in this tab only
  // (sessionStorage, under the page's path, so that another page opened in
  // the tab does not send it).
  function takeToken() {
    const key = 'qcall.token:' + location.pathname;
    let tok = params.get('token') || '';
    if (tok) {
      try { sessionStorage.setItem(key, tok); } catch (e) { /* private mode: a reload needs the address again */ }
      params.delete('token');
      const u = new URL(location.href);
      u.searchParams.delete('token');
      history.replaceState(history.state, '', u.pathname + u.search + u.hash);
    } else {
      try { tok = sessionStorage.getItem(key) || ''; } catch (e) { /* private mode */ }
    }
    return tok;
  }

  const Q = {
    params: params,
    lang: pickLang(),
    token: takeToken(),
    cat: {},
  };

  // t returns the catalogue's text of key with {name} placeholders filled in
  // from vars; a missing key shows as itself, so it is seen and fixed.
  Q.t = function (key, vars) {
    const s = Q.cat[key];
    if (s == null) return key;
    if (!vars) return s;
    return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] == null ? m : String(vars[k])));
  };

  // applyI18n fills in the labels of root: data-i18n (text), and
  // data-i18n-placeholder, -title, -aria-label (attributes).
  Q.applyI18n = function (root) {
    root = root || document;
    root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = Q.t(el.dataset.i18n); });
    for (const attr of ['placeholder', 'title', 'aria-label', 'alt']) {
      const data = 'data-i18n-' + attr;
      root.querySelectorAll('[' + data + ']').forEach((el) => { el.setAttribute(attr, Q.t(el.getAttribute(data))); });
    }
  };

  // init loads the catalogue and labels the page; a page calls it first.
  Q.init = async function () {
    document.documentElement.lang = Q.lang;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch('/i18n/' + Q.lang + '.json', { credentials: 'same-origin' });
        if (!r.ok) throw new Error('catalogue ' + r.status);
        Q.cat = await r.json();
        Q.setZone(r.headers.get('X-Hall-Time-Zone'));
        break;
      } catch (e) {
        // The server may be restarting: keep trying, never show raw keys.
        Q.setOffline(true);
        await Q.sleep(Math.min(500 * 2 ** attempt, 3000));
      }
    }
    Q.setOffline(false);
    Q.applyI18n(document);
    document.querySelectorAll('[data-lang-switch]').forEach((b) => {
      b.textContent = Q.t('web.lang.switch');
      b.addEventListener('click', () => Q.setLang(Q.lang === 'en' ? 'zh-CN' : 'en'));
    });
  };

  // setLang remembers lang and reloads the page in it.
  Q.setLang = function (lang) {
    try { localStorage.setItem(LANG_KEY, normLang(lang)); } catch (e) { /* private mode */ }
    const u = new URL(location.href);
    u.searchParams.set('lang', normLang(lang));
    location.replace(u.toString());
  };

  Q.sleep = (ms) => new Promise((res) => setTimeout(res, ms));

  // ---- names in the page's language ----
  Q.pick = (o, field) => (o ? (Q.lang === 'en' && o[field + '_en']) || o[field] || '' : '');
  Q.serviceName = (s) => Q.pick(s, 'name');
  Q.windowName = (w) => Q.pick(w, 'name');
  Q.staffName = (s) => Q.pick(s, 'name');
  // staffLabel is a name with its job number: "王芳（1001）", "Wang Fang (1001)".
  Q.staffLabel = (name, jobNo) => name + (Q.lang === 'en' ? ' (' + jobNo + ')' : '（' + jobNo + '）');
  Q.materials = (s) => (Q.lang === 'en' && s.materials_en && s.materials_en.length ? s.materials_en : s.materials || []);

  // wait says an estimated wait in words: "约 5 分钟". ahead is how many
  // wait before (a service's waiting count, a ticket's ahead): with anyone
  // ahead it is never "无需等候", at least a minute. noWindow (a service's
  // serving_windows === 0, a ticket's no_window): nobody serves it now,
  // "暂无窗口办理", not a time.
  Q.wait = function (seconds, ahead, noWindow) {
    if (noWindow) return Q.t('web.wait.no_window');
    if ((!seconds || seconds < 30) && !(ahead > 0)) return Q.t('web.wait.none');
    return Q.t('web.wait.minutes', { n: Math.max(1, Math.round((seconds || 0) / 60)) });
  };

  // est says the estimated wait for a sentence: "预计等候约 5 分钟", or
  // "无需等候" or "暂无窗口办理" alone.
  Q.est = function (seconds, ahead, noWindow) {
    const w = Q.wait(seconds, ahead, noWindow);
    if (noWindow || w === Q.t('web.wait.none')) return w;
    return Q.t('web.kiosk.est', { wait: w });
  };

  // ---- times, in the hall's time zone ----
  // The server sends the hall's zone with the catalogue: a screen whose
  // computer keeps another zone (a TV box left on UTC) still shows the
  // hall's times and dates. Until then, and for a zone the browser does not
  // know, the browser's own.
  Q.zone = undefined;
  Q.setZone = function (zone) {
    if (!zone) return;
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      Q.zone = zone;
    } catch (e) { /* unknown to this browser: keep its own */ }
  };
  const locale = () => (Q.lang === 'en' ? 'en-GB' : 'zh-CN');
  // fmt formats a time (a Date, an ISO string or milliseconds) with Intl
  // options, in the hall's zone; '' for no time.
  Q.fmt = function (t, opts) {
    const d = t instanceof Date ? t : new Date(t);
    if (t == null || t === '' || isNaN(d)) return '';
    return new Intl.DateTimeFormat(locale(), Object.assign({ timeZone: Q.zone }, opts)).format(d);
  };
  Q.fmtDate = (t) => Q.fmt(t, { year: 'numeric', month: '2-digit', day: '2-digit' });
  Q.fmtTime = (t) => Q.fmt(t, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  Q.fmtDateTime = (t) => Q.fmt(t, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  // day is the hall's date of t (default now) as YYYY-MM-DD.
  Q.day = function (t) {
    const d = t == null ? new Date() : t instanceof Date ? t : new Date(t);
    const p = {};
    for (const x of new Intl.DateTimeFormat('en-US', { timeZone: Q.zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d)) p[x.type] = x.value;
    return p.year + '-' + p.month + '-' + p.day;
  };

  // ---- DOM ----
  // el builds an element: el('div', {class: 'x', text: 'y', onclick: f}, child…).
  // Text goes in as text, never as HTML.
  Q.el = function (tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };
  Q.$ = (sel, root) => (root || document).querySelector(sel);
  Q.$$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  Q.show = (el, on) => { if (typeof el === 'string') el = Q.$(el); if (el) el.hidden = !on; };

  // clock keeps el showing the hall's time (and date, with withDate): the
  // server's clock (the screen's own may be wrong: a TV box without a time
  // server), in the hall's zone.
  Q.clock = function (el, withDate) {
    if (!el) return;
    const tick = () => {
      const d = new Date(Q.now());
      let s = Q.fmtTime(d);
      if (withDate) s = Q.fmt(d, { month: 'long', day: 'numeric', weekday: 'short' }) + '  ' + s;
      el.textContent = s;
    };
    tick();
    setInterval(tick, 1000);
  };

  // ---- the API ----
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
  // Q.managerPage runs the sign-in of a page for the duty director and the
  // admin (the console, the registers, the reports): the form #P-login-form
  // (#P-jobno, #P-password, #P-login-error), the button #P-logout, #P-who,
  // and #P-login shown until #P-main can be, P being the page's prefix.
  // started(me) runs once whoever is signed in is a director or admin,
  // stopped() after a log-out. It returns the check to run at load.
  Q.managerPage = function (P, notAllowedKey, started, stopped) {
    const $ = Q.$;
    async function start() {
      let me;
      try {
        me = await Q.api('GET', '/api/me');
      } catch (err) {
        Q.show('#' + P + '-login', true);
        return;
      }
      if (me.role !== 'director' && me.role !== 'admin') {
        Q.show('#' + P + '-login', true);
        $('#' + P + '-login-error').textContent = Q.t(notAllowedKey);
        return;
      }
      $('#' + P + '-who').textContent = me.staff ? Q.staffLabel(Q.staffName(me.staff), me.staff.job_no) : me.actor;
      Q.show('#' + P + '-login', false);
      Q.show('#' + P + '-main', true);
      Q.show('#' + P + '-logout', true);
      await started(me);
    }
    $('#' + P + '-login-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      $('#' + P + '-login-error').textContent = '';
      try {
        await Q.api('POST', '/api/login', { job_no: $('#' + P + '-jobno').value.trim(), password: $('#' + P + '-password').value });
        $('#' + P + '-password').value = '';
        await start();
      } catch (err) {
        $('#' + P + '-login-error').textContent = err.message;
      }
    });
    function signedOut() {
      Q.show('#' + P + '-main', false);
      Q.show('#' + P + '-logout', false);
      Q.show('#' + P + '-login', true);
      $('#' + P + '-who').textContent = '';
      stopped();
    }
    $('#' + P + '-logout').addEventListener('click', async () => {
      try { await Q.api('POST', '/api/logout', {}); } catch (e) { /* expires anyway */ }
      signedOut();
    });
    // A session that has ended (12 hours on, a console left open overnight)
    // is refused: the page goes back to its login and says why, instead of
    // showing a hall it can no longer act on.
    Q.onSessionEnded = () => {
      if ($('#' + P + '-main').hidden) return;
      signedOut();
      $('#' + P + '-login-error').textContent = Q.t('web.term.session_ended');
    };
    return start;
  };

  Q.ApiError = ApiError;

  // api calls the JSON API. The device token (?token=) goes as a bearer; a
  // staff page's session rides in its cookie. An error answer throws an
  // ApiError whose message the server already wrote in the page's language.
  Q.api = async function (method, path, body) {
    const headers = { 'Accept': 'application/json', 'Accept-Language': Q.lang };
    if (Q.token) headers['Authorization'] = 'Bearer ' + Q.token;
    const init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', Q.t('web.error.network'));
    }
    let data = null;
    const text = await r.text();
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!r.ok) {
      // The message is the catalogue's, in the page's language: that is what
      // a screen shows. The detail (English, for developers) goes to the
      // console only.
      const err = data && data.error;
      if (err && err.detail) console.info('qcall: ' + method + ' ' + path + ': ' + err.code + ': ' + err.detail);
      const e = new ApiError(r.status, err ? err.code : 'http_' + r.status,
        err && err.message ? err.message : Q.t('web.error.network'));
      e.detail = (err && err.detail) || '';
      if (e.code === 'unauthorized' && !Q.token && Q.onSessionEnded) Q.onSessionEnded();
      throw e;
    }
    return data;
  };

  // ---- the server's clock ----
  //
  // skew is how far the browser's clock runs ahead of the server's, read from
  // the Date header (to the second); fresh tells whether an event happened
  // within the last ms milliseconds, by the server's clock.
  Q.skew = 0;
  // now is the server's clock, in milliseconds.
  Q.now = () => Date.now() - Q.skew;
  async function readSkew() {
    try {
      const t0 = Date.now();
      const r = await fetch('/healthz', { cache: 'no-store' });
      const d = Date.parse(r.headers.get('Date'));
      if (!isNaN(d)) Q.skew = (t0 + Date.now()) / 2 - d - 500; // Date is cut to the second
    } catch (e) { /* keep the last */ }
  }
  readSkew();
  setInterval(readSkew, 10 * 60 * 1000);
  Q.fresh = function (ev, ms) {
    const at = Date.parse(ev.at);
    return !isNaN(at) && Q.now() - at < ms;
  };

  // ---- the "connection lost" banner ----
  let banner = null;
  Q.setOffline = function (on) {
    if (!banner) {
      banner = Q.el('div', { id: 'q-offline', class: 'q-offline', role: 'alert', hidden: true });
      document.body.prepend(banner);
    }
    banner.textContent = Q.cat['web.offline'] || '与服务器连接中断，正在重新连接… / Connection lost, reconnecting…';
    banner.hidden = !on;
    document.body.classList.toggle('q-is-offline', !!on);
  };

  // setRefused shows, in the banner's place, that the server refuses this
  // device (a wrong or missing token, a token of another kind of device):
  // plainly, and not as a lost connection; text null takes it away.
  Q.setRefused = function (text) {
    Q.setOffline(!!text);
    banner.classList.toggle('q-refused', !!text);
    if (text) banner.textContent = text;
  };

  // refusal asks the server why the websocket at url was not opened (a
  // browser never sees the status of a refused handshake): the same address
  // with check=1 answers as the handshake would, without upgrading. It returns
  // the text to show for a refusal of the device's token or address, or null
  // when the server would take the connection or cannot be reached.
  async function refusal(url) {
    const u = new URL(url);
    u.protocol = location.protocol;
    u.searchParams.set('check', '1');
    u.searchParams.delete('since');
    let r, data = null;
    try {
      r = await fetch(u.toString(), { headers: { 'Accept': 'application/json', 'Accept-Language': Q.lang }, cache: 'no-store', credentials: 'same-origin' });
      data = await r.json();
    } catch (e) {
      return null; // the server is away: that is a lost connection
    }
    if (r.ok || !data || !data.error || r.status >= 500) return null;
    const e = data.error;
    if (e.detail) console.info('qcall: /ws refused: ' + e.code + ': ' + e.detail);
    if (e.code === 'unauthorized' && !Q.token && Q.onSessionEnded) {
      Q.onSessionEnded(); // a staff page's session, not a device's token
      return null;
    }
    if (e.code === 'unauthorized') return Q.t(Q.token ? 'web.error.bad_token' : 'web.error.no_token');
    if (e.code === 'forbidden') return Q.t('web.error.wrong_token');
    return e.message; // the catalogue's, in the page's language
  }

  // ---- the realtime connection ----
  //
  // Q.connect({client, window, ticket, onSnapshot(msg), onState(msg),
  // onEvent(ev, live), onStatus(status)}) opens /ws and keeps it open. Each
  // connection starts with a snapshot, or with a replay of what was missed
  // (since=last seq seen) followed by a state message; events that arrive
  // before that first snapshot or state are the catch-up (live false), later
  // ones are live (live true). Screens render from snapshot and state, and use
  // live events for calls, voice and alerts.
  Q.connect = function (opts) {
    const conn = {
      seq: 0,          // newest seq seen (event or state)
      synced: false,   // this connection has had its snapshot or state
      ws: null,
      attempts: 0,
      lostTimer: null,
      isLost: false,
      closed: false,
      lastMessage: Date.now(),
      // close ends the connection on purpose (a sign-out, a logout, another
      // window): no "connection lost" timer runs for it, and a banner it
      // raised goes.
      close() {
        this.closed = true;
        clearTimeout(this.lostTimer);
        this.lostTimer = null;
        if (this.isLost) { this.isLost = false; Q.setOffline(false); }
        if (this.ws) this.ws.close();
      },
      reconnectNow() { if (this.ws) this.ws.close(); },
    };
    const status = (s) => { if (opts.onStatus) opts.onStatus(s, conn); };

    function url() {
      const u = new URL('/ws', location.href);
      u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const q = u.searchParams;
      q.set('client', opts.client);
      if (opts.window) q.set('window', opts.window);
      if (opts.ticket) q.set('ticket', opts.ticket);
      q.set('lang', opts.lang || Q.lang);
      if (Q.token) q.set('token', Q.token);
      if (conn.seq > 0) q.set('since', conn.seq);
      return u.toString();
    }

    // lost is called on every failed connection: the banner shows once the
    // server has been away 1.2 s (a blink, such as a restart, is not worth
    // one), and onStatus hears 'lost' then and at every later failure.
    function lost() {
      if (conn.closed) return;
      if (conn.isLost) { status('lost'); return; }
      if (conn.lostTimer) return;
      conn.lostTimer = setTimeout(() => { conn.isLost = true; Q.setOffline(true); status('lost'); }, 1200);
    }
    function found() {
      clearTimeout(conn.lostTimer);
      conn.lostTimer = null;
      const was = conn.isLost;
      conn.isLost = false;
      Q.setOffline(false);
      if (was) status('online');
    }

    function open() {
      if (conn.closed) return;
      let ws;
      try {
        ws = new WebSocket(url());
      } catch (e) {
        retry();
        return;
      }
      conn.ws = ws;
      conn.synced = false;
      ws.onmessage = (m) => {
        conn.lastMessage = Date.now();
        let msg;
        try { msg = JSON.parse(m.data); } catch (e) { return; }
        switch (msg.type) {
          case 'pong':
            return;
          case 'snapshot':
            if (conn.refused) { conn.refused = false; Q.setRefused(null); }
            conn.seq = msg.seq;
            conn.synced = true;
            conn.attempts = 0;
            found();
            if (opts.onSnapshot) opts.onSnapshot(msg);
            return;
          case 'state':
            if (msg.seq < conn.seq && conn.synced) return; // older than what is shown
            conn.seq = Math.max(conn.seq, msg.seq);
            if (!conn.synced) { conn.synced = true; conn.attempts = 0; if (conn.refused) { conn.refused = false; Q.setRefused(null); } found(); }
            if (opts.onState) opts.onState(msg);
            return;
          default:
            if (typeof msg.seq !== 'number') return;
            if (msg.seq <= conn.seq) return; // had it already
            conn.seq = msg.seq;
            if (opts.onEvent) opts.onEvent(msg, conn.synced);
        }
      };
      let heard = false; // this connection had a message
      ws.addEventListener('message', () => { heard = true; });
      ws.onclose = async (e) => {
        if (conn.ws !== ws) return;
        conn.ws = null;
        conn.synced = false;
        if (conn.closed) return; // closed on purpose: nothing was lost
        if (e.code === 4001) {
          // The session ended (a logout in another tab, or its 12 hours):
          // it cannot reconnect. A manager page goes back to its login and
          // says so (onSessionEnded), as when an action is refused; any
          // other page starts again, at its login.
          conn.close();
          if (Q.onSessionEnded) Q.onSessionEnded();
          else location.reload();
          return;
        }
        if (opts.onClose && opts.onClose(e) === false) { conn.closed = true; return; }
        if (!heard && opts.client !== 'phone') {
          // Refused before a word: say why when it is the device's token or
          // address, and ask again only now and then.
          const why = await refusal(ws.url);
          if (conn.closed) return;
          if (why) {
            clearTimeout(conn.lostTimer);
            conn.lostTimer = null;
            conn.isLost = false;
            conn.refused = true;
            Q.setRefused(why);
            status('refused');
            setTimeout(open, 30000);
            return;
          }
        }
        if (conn.refused) { conn.refused = false; Q.setRefused(null); }
        lost();
        retry();
      };
      ws.onerror = () => { /* onclose follows */ };
    }

    function retry() {
      if (conn.closed) return;
      // 0.5 s, 1 s, 2 s, then every 3 s, each ±25 %, so that a hall's screens
      // do not all knock at once after a restart.
      const base = Math.min(500 * 2 ** conn.attempts, 3000);
      conn.attempts++;
      setTimeout(open, base * (0.75 + Math.random() * 0.5));
    }

    // A ping every 20 s; a connection silent for 50 s is dead (a browser does
    // not see the server's own pings), so it is closed and made again.
    setInterval(() => {
      const ws = conn.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - conn.lastMessage > 50000) { ws.close(); return; }
      try { ws.send('{"type":"ping"}'); } catch (e) { /* closing */ }
    }, 20000);
    window.addEventListener('online', () => { if (!conn.ws) { conn.attempts = 0; } });

    open();
    return conn;
  };

  // idle calls fn after ms without a touch, click or key; the returned
  // function re-arms it, and .stop() disarms it.
  Q.idle = function (ms, fn) {
    let timer = null;
    const arm = () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
    const onAct = () => { if (timer) arm(); };
    ['pointerdown', 'keydown', 'touchstart'].forEach((t) => document.addEventListener(t, onAct, { passive: true }));
    arm.stop = () => { clearTimeout(timer); timer = null; };
    return arm;
  };

  // photo returns an <img> of a staff member's photo, or a disc with the
  // first character of the name when there is none or it fails to load.
  Q.photo = function (staff, cls) {
    const box = Q.el('div', { class: 'photo ' + (cls || '') });
    const initial = () => {
      box.replaceChildren(Q.el('span', { class: 'photo-initial', text: (Q.staffName(staff) || '?').slice(0, 1) }));
    };
    if (staff && staff.photo) {
      let src = staff.photo;
      if (!/^(https?:|data:|\/)/.test(src)) src = '/photos/' + encodeURIComponent(src);
      const img = Q.el('img', { src: src, alt: Q.t('web.staff.photo') });
      img.addEventListener('error', initial);
      box.append(img);
    } else {
      initial();
    }
    return box;
  };

  Q.LANGS = LANGS;
  window.Q = Q;
})();
