// reports.js — statistics, evaluations and downloads for the director and
// admin: a period and a grouping, four charts (arrivals by hour over the
// days of the week, waiting by service, satisfaction over time, staff
// ranking), the tables under them, the CSV/XLSX downloads, and a printable
// A4 monthly report (the browser's print, styled by reports.css).
//
// Address: /reports.html[?lang=en][&from=YYYY-MM-DD&to=YYYY-MM-DD&by=…&month=YYYY-MM]
(async function () {
  'use strict';
  const { $, el, t } = Q;
  await Q.init();
  const params = new URLSearchParams(location.search);
  const charts = {};
  const BYS = ['day', 'week', 'month', 'hour', 'service', 'window', 'staff'];
  const STAT_COLS = ['issued', 'called', 'served', 'no_show_rate', 'avg_wait_s', 'p90_wait_s', 'max_wait_s',
    'within_limit_rate', 'avg_service_s', 'rated', 'satisfaction_rate', 'unrated', 'transferred', 'suspended',
    'express', 'refused', 'cases_on_time_rate', 'cover_gap_s'];
  const EVAL_COLS = ['rank', 'key', 'name', 'served', 'volume_points', 'satisfaction_rate', 'satisfaction_points',
    'within_limit_rate', 'service_level_points', 'cases_on_time_rate', 'cases_points', 'complaint_deduction',
    'spot_deduction', 'cover_deduction', 'total_points'];

  const pad = (n) => String(n).padStart(2, '0');
  const isoDay = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());

  function defaults() {
    // This month to today, in the hall's days.
    const today = Q.day();
    $('#r-from').value = params.get('from') || today.slice(0, 8) + '01';
    $('#r-to').value = params.get('to') || today;
    $('#r-month').value = params.get('month') || today.slice(0, 7);
    $('#r-by').replaceChildren(...BYS.map((b) => el('option', { value: b, text: t('web.rep.by.' + b) })));
    $('#r-by').value = params.get('by') || 'day';
  }

  const start = Q.managerPage('r', 'web.rep.not_allowed', async (me) => {
    defaults();
    $('#r-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
    $('#r-month').addEventListener('change', load);
    $('#r-print').addEventListener('click', printMonth);
    window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
    await load();
  }, () => {
    location.reload();
  });

  const q = (o) => new URLSearchParams(Object.assign({ lang: Q.lang }, o)).toString();

  function links(from, to, by, month) {
    $('#r-dl-csv').href = '/api/stats?' + q({ from, to, by, format: 'csv' });
    $('#r-dl-xlsx').href = '/api/stats?' + q({ from, to, by, format: 'xlsx' });
    $('#r-dl-feed-csv').href = '/api/reports/ratings?' + q({ from, to, format: 'csv' });
    $('#r-dl-feed-jsonl').href = '/api/reports/ratings?' + q({ from, to, format: 'jsonl' });
    $('#r-dl-eval-csv').href = '/api/reports/evaluation?' + q({ month, format: 'csv' });
    $('#r-dl-eval-xlsx').href = '/api/reports/evaluation?' + q({ month, format: 'xlsx' });
  }

  async function load() {
    const from = $('#r-from').value, to = $('#r-to').value, by = $('#r-by').value, month = $('#r-month').value;
    $('#r-msg').textContent = '';
    links(from, to, by, month);
    try {
      const long = (new Date(to) - new Date(from)) / 86400000 > 62;
      const [stats, heat, svc, time, ev] = await Promise.all([
        Q.api('GET', '/api/stats?' + q({ from, to, by })),
        Q.api('GET', '/api/stats?' + q({ from, to, by: 'weekday_hour' })),
        Q.api('GET', '/api/stats?' + q({ from, to, by: 'service' })),
        Q.api('GET', '/api/stats?' + q({ from, to, by: long ? 'week' : 'day' })),
        Q.api('GET', '/api/reports/evaluation?' + q({ month })),
      ]);
      summary(stats.total);
      heatChart(heat.rows);
      waitChart(svc.rows.filter((r) => r.key !== ''));
      satChart(time.rows);
      rankChart(ev.staff);
      table($('#r-stats'), ['key', 'label'].concat(STAT_COLS), stats.rows.concat([Object.assign({}, stats.total, { key: t('report.total'), label: '' })]));
      table($('#r-eval'), EVAL_COLS, ev.staff);
      $('#r-print-title').textContent = t('web.rep.print_title', { month });
      $('#r-print-period').textContent = from + ' — ' + to;
    } catch (err) {
      $('#r-msg').textContent = err.message;
    }
  }

  const pct = (v) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%');
  function fmt(key, v) {
    if (v === null || v === undefined) return '—';
    if (key.endsWith('_rate')) return pct(v);
    if (key.endsWith('_points') || key.endsWith('_deduction')) return Number(v).toFixed(2);
    return String(v);
  }

  function summary(total) {
    const keys = ['issued', 'served', 'avg_wait_s', 'within_limit_rate', 'satisfaction_rate', 'no_show_rate'];
    $('#r-summary').replaceChildren(...keys.map((k) => el('div', {},
      el('b', { text: fmt(k, total[k]) }), el('span', { text: t('report.col.' + k) }))));
  }

  function table(tb, cols, rows) {
    const head = el('tr', {}, ...cols.map((c) => el('th', { text: t('report.col.' + c) })));
    tb.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows.map((r) => el('tr', {},
      ...cols.map((c) => el('td', { class: typeof r[c] === 'number' || r[c] === null ? 'num' : '', text: fmt(c, r[c]) }))))));
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  function heatChart(rows) {
    const hours = [];
    for (let h = 0; h < 24; h++) hours.push(pad(h));
    const days = [1, 2, 3, 4, 5, 6, 7].map((d) => t('web.rep.wd.' + d));
    const data = [];
    let maxv = 0;
    for (const r of rows) {
      const [d, h] = r.key.split('-').map(Number);
      data.push([h, d - 1, r.issued]);
      maxv = Math.max(maxv, r.issued);
    }
    chart('#r-chart-heat').setOption({
      animation: false, tooltip: { position: 'top' },
      grid: { left: 60, right: 20, top: 10, bottom: 60 },
      xAxis: { type: 'category', data: hours, splitArea: { show: true } },
      yAxis: { type: 'category', data: days, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(maxv, 1), calculable: true, orient: 'horizontal', left: 'center', bottom: 0 },
      series: [{ name: t('report.col.issued'), type: 'heatmap', data }],
    }, true);
  }

  function waitChart(rows) {
    chart('#r-chart-wait').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 60 },
      xAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', name: t('web.rep.minutes') },
      // In minutes, as the axis says; the legend names the figure without
      // the tables' seconds.
      series: [['avg_wait_s', 'web.rep.avg_wait'], ['p90_wait_s', 'web.rep.p90_wait']].map(([k, name]) => ({ name: t(name), type: 'bar',
        data: rows.map((r) => (r[k] === null ? 0 : Math.round(r[k] / 6) / 10)) })),
    }, true);
  }

  function satChart(rows) {
    chart('#r-chart-sat').setOption({
      animation: false, tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: 'category', data: rows.map((r) => r.label) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ name: t('report.col.satisfaction_rate'), type: 'line', connectNulls: true,
        data: rows.map((r) => (r.satisfaction_rate === null ? null : Math.round(r.satisfaction_rate * 1000) / 10)) }],
    }, true);
  }

  function rankChart(staff) {
    const top = staff.slice(0, 15).reverse();
    chart('#r-chart-rank').setOption({
      animation: false, tooltip: { trigger: 'axis' },
      grid: { left: 90, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value', min: 0 },
      yAxis: { type: 'category', data: top.map((r) => r.rank + '. ' + r.name) },
      series: [{ name: t('report.col.total_points'), type: 'bar', data: top.map((r) => r.total_points),
        label: { show: true, position: 'right' } }],
    }, true);
  }

  function printMonth() {
    const m = $('#r-month').value;
    const [y, mo] = m.split('-').map(Number);
    $('#r-from').value = m + '-01';
    $('#r-to').value = isoDay(new Date(y, mo, 0));
    load().then(() => {
      Object.values(charts).forEach((c) => c.resize());
      window.print();
    });
  }

  await start();
})();
