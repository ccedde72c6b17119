// Live dashboard for PushGateway: polls /dashboard/stats once a second and draws the last minutes
// with uPlot (vendored in lib/uplot). Everything comes from the gateway itself; nothing else is loaded.
(() => {
  'use strict';

  const POLL_MS = 1000;
  // Ask again for the last few seconds: another node's point for a second reaches Redis a moment
  // after this node's, so the cluster sum of a recent second may still grow.
  const OVERLAP_MS = 5000;
  const CLUSTER = '';

  const $ = (id) => document.getElementById(id);
  const statusEl = $('status');
  const picker = $('node');
  const nodesBody = $('nodes');

  const series = new Map();   // node id (or CLUSTER) -> Map(t -> point)
  let self = '';
  let windowMs = 5 * 60 * 1000;
  let newest = 0;
  let failures = 0;

  const setStatus = (state, text) => {
    statusEl.dataset.state = state;
    if (statusEl.textContent !== text) statusEl.textContent = text;
  };

  const setText = (el, text) => {
    if (el.textContent !== text) el.textContent = text;
  };

  const count = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
  const ms = (n) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toPrecision(2));
  const latency = (l) => (l ? `${ms(l.p50)} / ${ms(l.p90)} / ${ms(l.p99)} ms` : '—');
  const backplane = (up) => (up === true ? 'Up' : up === false ? 'Down' : '—');
  const shortId = (node) => node.slice(0, 8);
  const nodeLabel = (node) => (node === self ? `${shortId(node)} (this node)` : shortId(node));
  const pad = (n) => String(n).padStart(2, '0');
  const clock = (t) => {
    const d = new Date(t);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  };

  // ---- Charts -----------------------------------------------------------------------------------

  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const axis = () => ({ stroke: color('--muted'), grid: { stroke: color('--border'), width: 1 }, ticks: { stroke: color('--border'), width: 1 } });
  const line = (label, colorName, extra = {}) => ({ label, stroke: color(colorName), width: 2, spanGaps: false, ...extra });

  const chartSpecs = [
    {
      id: 'chart-connections',
      series: [line('WebSocket', '--series-1'), line('SSE', '--series-2')],
      values: (p) => [p.connections.ws ?? 0, p.connections.sse ?? 0],
    },
    {
      id: 'chart-messages',
      series: [line('In', '--series-1'), line('Out', '--series-2'), line('Dropped', '--series-3')],
      values: (p) => [p.published, p.delivered, p.dropped],
    },
    {
      id: 'chart-latency',
      series: [line('p50', '--series-1'), line('p90', '--series-2'), line('p99', '--series-3')],
      values: (p) => (p.latencyMs ? [p.latencyMs.p50, p.latencyMs.p90, p.latencyMs.p99] : [null, null, null]),
    },
    {
      id: 'chart-backplane',
      series: [line('Up', '--series-1', { stepped: true })],
      values: (p) => [p.backplaneUp === null ? null : p.backplaneUp ? 1 : 0],
      range: [0, 1],
    },
  ];

  const width = (el) => Math.max(240, el.clientWidth);

  const charts = chartSpecs.map((spec) => {
    const el = $(spec.id);
    const opts = {
      width: width(el),
      height: 180,
      scales: { x: { time: true }, y: spec.range ? { range: spec.range } : {} },
      axes: [axis(), axis()],
      series: [{ label: 'Time (UTC)' }, ...spec.series],
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const empty = [[], ...spec.series.map(() => [])];
    return { spec, el, plot: new uPlot(opts, empty, el) };
  });

  const resize = new ResizeObserver(() => {
    for (const chart of charts) chart.plot.setSize({ width: width(chart.el), height: 180 });
  });
  for (const chart of charts) resize.observe(chart.el);

  // ---- Data -------------------------------------------------------------------------------------

  const merge = (key, points) => {
    let byTime = series.get(key);
    if (!byTime) series.set(key, (byTime = new Map()));
    for (const point of points) {
      byTime.set(point.t, point);
      if (point.t > newest) newest = point.t;
    }
  };

  const absorb = (stats) => {
    self = stats.node;
    windowMs = stats.windowMs;
    const present = new Set([CLUSTER]);
    for (const node of stats.nodes) {
      present.add(node.node);
      merge(node.node, node.points);
    }
    merge(CLUSTER, stats.cluster.points);
    for (const key of [...series.keys()]) {
      if (!present.has(key)) series.delete(key);
    }
    const oldest = newest - windowMs;
    for (const byTime of series.values()) {
      for (const t of byTime.keys()) {
        if (t <= oldest) byTime.delete(t);
      }
    }
  };

  const sorted = (key) => [...(series.get(key)?.values() ?? [])].sort((a, b) => a.t - b.t);
  const latest = (key) => {
    const points = sorted(key);
    return points.length ? points[points.length - 1] : null;
  };

  // ---- Rendering --------------------------------------------------------------------------------

  const renderPicker = (nodes) => {
    const wanted = [CLUSTER, ...nodes];
    const have = [...picker.options].map((o) => o.value);
    if (wanted.join('\n') === have.join('\n')) return;
    const selected = picker.value;
    picker.replaceChildren(...wanted.map((node) => {
      const option = document.createElement('option');
      option.value = node;
      option.textContent = node === CLUSTER ? `Cluster (${nodes.length} node${nodes.length === 1 ? '' : 's'})` : nodeLabel(node);
      return option;
    }));
    picker.value = wanted.includes(selected) ? selected : CLUSTER;
  };

  const renderTiles = (point) => {
    setText($('ws'), point ? count(point.connections.ws ?? 0) : '—');
    setText($('sse'), point ? count(point.connections.sse ?? 0) : '—');
    setText($('published'), count(point?.published));
    setText($('delivered'), count(point?.delivered));
    setText($('dropped'), count(point?.dropped));
    setText($('latency'), latency(point?.latencyMs));
    const bp = $('backplane');
    setText(bp, backplane(point?.backplaneUp));
    bp.dataset.state = point?.backplaneUp === true ? 'up' : point?.backplaneUp === false ? 'down' : 'unknown';
    const asOf = $('as-of');
    asOf.dataset.t = point ? String(point.t) : '';
    setText(asOf, point ? `Last point: ${clock(point.t)}.` : '');
  };

  const renderNodes = (nodes) => {
    const rows = nodes.map((node) => {
      const point = latest(node);
      const tr = document.createElement('tr');
      tr.dataset.node = node;
      const cells = [
        nodeLabel(node),
        count(point?.connections.ws ?? 0),
        count(point?.connections.sse ?? 0),
        count(point?.published),
        count(point?.delivered),
        count(point?.dropped),
        point?.latencyMs ? `${ms(point.latencyMs.p99)} ms` : '—',
        backplane(point?.backplaneUp),
      ];
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) cell.scope = 'row';
        cell.textContent = text;
        tr.append(cell);
      });
      return tr;
    });
    nodesBody.replaceChildren(...rows);
  };

  const renderCharts = (points) => {
    const xs = points.map((p) => p.t / 1000);
    for (const chart of charts) {
      const columns = chart.spec.series.map(() => []);
      for (const point of points) {
        chart.spec.values(point).forEach((value, i) => columns[i].push(value ?? null));
      }
      chart.plot.setData([xs, ...columns]);
    }
  };

  const render = () => {
    const nodes = [...series.keys()].filter((key) => key !== CLUSTER);
    nodes.sort((a, b) => (a === self ? -1 : b === self ? 1 : a.localeCompare(b)));
    renderPicker(nodes);
    const key = picker.value;
    renderTiles(latest(key));
    renderNodes(nodes);
    renderCharts(sorted(key));
    setText($('window'), windowMs >= 120000 ? `${Math.round(windowMs / 60000)} minutes` : `${Math.round(windowMs / 1000)} seconds`);
  };

  picker.addEventListener('change', render);

  // ---- Polling ----------------------------------------------------------------------------------

  // With authorization on, the numbers need an admin token: the page's ?access_token=, sent as a Bearer
  // header (or the pushgateway_token cookie, which the browser sends by itself).
  const token = new URLSearchParams(location.search).get('access_token');
  const headers = token ? { Accept: 'application/json', Authorization: `Bearer ${token}` } : { Accept: 'application/json' };

  const poll = async () => {
    const url = newest ? `dashboard/stats?since=${newest - OVERLAP_MS}` : 'dashboard/stats';
    try {
      const response = await fetch(url, { cache: 'no-store', headers });
      if (response.status === 401 || response.status === 403) {
        setStatus('disconnected', 'Needs a token with "admin": true — open dashboard.html?access_token=…');
        setTimeout(poll, POLL_MS);
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      absorb(await response.json());
      failures = 0;
      setStatus('connected', 'Live');
      render();
    } catch {
      failures += 1;
      setStatus(failures > 3 ? 'disconnected' : 'reconnecting', failures > 3 ? 'Disconnected — retrying' : 'Reconnecting…');
    }
    setTimeout(poll, POLL_MS);
  };

  poll();
})();
