// The mesh view: polls /api/mesh and draws it. Every text from the document goes in through
// textContent (never innerHTML): names and config errors are user input.
(function () {
  'use strict';
  const POLL_MS = 3000;
  const colors = { ok: '#1f9d55', warn: '#d98e04', bad: '#d64545', idle: '#9aa3b5', plain: '#8a93a6',
    workload: '#2f6fed', service: '#6f42c1' };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined) return;
      if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
    });
    children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return e;
  }

  const XDS_SHORT = { Cluster: 'CDS', ClusterLoadAssignment: 'EDS', Listener: 'LDS', RouteConfiguration: 'RDS',
    Secret: 'SDS' };
  const short = host => host.replace(/\.svc\.cluster\.local$/, '');
  const name = id => id.split('/').pop();
  const pct = (v, digits = 1) => v === null || v === undefined ? '–' : (v * 100).toFixed(digits) + '%';
  const ms = v => v === null || v === undefined ? '–' : (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms';
  const rps = v => v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  const health = s => s === null || s === undefined ? 'idle' : s >= 0.99 ? 'ok' : s >= 0.95 ? 'warn' : 'bad';

  // One edge per source workload and service in the graph: its subsets summed.
  function serviceEdges(doc) {
    const byPair = new Map();
    doc.edges.forEach(e => {
      const key = e.source + ' ' + e.destination;
      const agg = byPair.get(key) || { source: e.source, destination: e.destination, requests: 0, rps: 0,
        errors: 0, p50: null, p99: null, mtls: true };
      agg.requests += e.requests;
      agg.rps += e.rps;
      if (e.successRate !== null) agg.errors += e.requests * (1 - e.successRate);
      // The slowest subset's percentiles: an upper bound for the service edge.
      if (e.p50Ms !== null) agg.p50 = Math.max(agg.p50 || 0, e.p50Ms);
      if (e.p99Ms !== null) agg.p99 = Math.max(agg.p99 || 0, e.p99Ms);
      agg.mtls = agg.mtls && e.mtls;
      byPair.set(key, agg);
    });
    return [...byPair.values()].map(a => ({ ...a, success: a.requests ? 1 - a.errors / a.requests : null }));
  }

  function elements(doc) {
    const nodes = [];
    const edges = [];
    const known = new Set();
    doc.services.forEach(s => {
      known.add('svc:' + s.host);
      nodes.push({ data: { id: 'svc:' + s.host, label: short(s.host), kind: 'service' } });
    });
    doc.workloads.forEach(w => {
      known.add('wl:' + w.id);
      // The version label only where the name does not say it already (reviews-v2 does).
      const version = w.labels.version && !w.name.endsWith(w.labels.version) ? ' · ' + w.labels.version : '';
      nodes.push({ data: { id: 'wl:' + w.id, label: w.name + version, kind: 'workload',
        reporting: w.reporting ? 'yes' : 'no' } });
    });
    serviceEdges(doc).forEach(e => {
      if (!known.has('wl:' + e.source) || !known.has('svc:' + e.destination)) return;
      const lines = [rps(e.rps) + ' req/s · ' + pct(e.success), 'p50 ' + ms(e.p50) + ' · p99 ' + ms(e.p99)];
      edges.push({ data: { id: 'call:' + e.source + '>' + e.destination, source: 'wl:' + e.source,
        target: 'svc:' + e.destination, kind: 'call', label: (e.mtls ? 'mTLS · ' : 'plaintext · ') + lines.join('\n'),
        health: health(e.success), mtls: e.mtls ? 'yes' : 'no', width: Math.min(8, 2 + Math.log2(1 + e.rps)) } });
    });
    doc.services.forEach(s => {
      const observed = new Map(((s.split || {}).subsets || []).map(x => [x.subset, x]));
      const subsetOf = new Map();
      s.subsets.forEach(sub => sub.workloads.forEach(w => subsetOf.set(w, sub.name)));
      s.workloads.forEach(w => {
        const sub = subsetOf.get(w);
        const o = sub ? observed.get(sub) : null;
        let label = sub || '';
        if (o && o.observedPercent !== null) label += ' ' + o.observedPercent.toFixed(1) + '%';
        if (o && o.configuredPercent !== null) label += ' (cfg ' + o.configuredPercent + '%)';
        edges.push({ data: { id: 'member:' + s.host + '>' + w, source: 'svc:' + s.host, target: 'wl:' + w,
          kind: 'member', label: label } });
      });
    });
    return nodes.concat(edges);
  }

  const cy = cytoscape({
    container: document.getElementById('graph'),
    wheelSensitivity: 0.2,
    minZoom: 0.3,
    maxZoom: 2.5,
    style: [
      { selector: 'node', style: { 'label': 'data(label)', 'font-size': 13.5, 'color': '#1d2433',
        'text-valign': 'bottom', 'text-margin-y': 6, 'font-weight': 600, 'text-background-color': '#ffffff',
        'text-background-opacity': 0.85, 'text-background-padding': 2, 'text-background-shape': 'roundrectangle' } },
      { selector: 'node[kind = "workload"]', style: { 'shape': 'round-rectangle', 'width': 34, 'height': 34,
        'background-color': colors.workload, 'border-width': 3, 'border-color': '#d6e2fb' } },
      { selector: 'node[kind = "workload"][reporting = "no"]', style: { 'background-color': colors.idle } },
      { selector: 'node[kind = "service"]', style: { 'shape': 'ellipse', 'width': 42, 'height': 42,
        'background-color': colors.service, 'border-width': 3, 'border-color': '#e4dbf6' } },
      { selector: 'edge', style: { 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 1.1,
        'label': 'data(label)', 'font-size': 12.5, 'text-wrap': 'wrap', 'color': '#1d2433',
        'text-background-color': '#ffffff', 'text-background-opacity': 0.92, 'text-background-padding': 3,
        'text-background-shape': 'roundrectangle', 'text-border-width': 1, 'text-border-color': '#e3e7ef',
        'text-border-opacity': 1 } },
      { selector: 'edge[kind = "call"]', style: { 'width': 'data(width)' } },
      { selector: 'edge[kind = "call"][health = "ok"]', style: { 'line-color': colors.ok, 'target-arrow-color': colors.ok } },
      { selector: 'edge[kind = "call"][health = "warn"]', style: { 'line-color': colors.warn, 'target-arrow-color': colors.warn } },
      { selector: 'edge[kind = "call"][health = "bad"]', style: { 'line-color': colors.bad, 'target-arrow-color': colors.bad } },
      { selector: 'edge[kind = "call"][health = "idle"]', style: { 'line-color': colors.idle, 'target-arrow-color': colors.idle } },
      { selector: 'edge[kind = "call"][mtls = "no"]', style: { 'line-style': 'dashed' } },
      { selector: 'edge[kind = "member"]', style: { 'width': 1.5, 'line-style': 'dotted', 'line-color': colors.service,
        'target-arrow-color': colors.service, 'arrow-scale': 0.8, 'font-size': 12, 'color': '#4b3a78',
        'text-border-width': 0 } },
    ],
  });

  window.addEventListener('resize', () => { cy.resize(); cy.fit(cy.elements(), 36); });
  let shape = '';
  function drawGraph(doc) {
    const els = elements(doc);
    const ids = els.map(e => e.data.id).sort().join('|');
    if (ids !== shape) {
      shape = ids;
      cy.elements().remove();
      cy.add(els);
      cy.resize();
      // Roots: what nothing calls (the entry services). breadthfirst lays callers above callees;
      // swapping x and y turns it left to right, and the wide container gets the long axis.
      const roots = cy.nodes().filter(n => n.incomers('edge[kind = "call"]').length === 0
        && n.incomers('edge').length === 0);
      cy.layout({ name: 'breadthfirst', directed: true, roots: roots.length ? roots : undefined, spacingFactor: 1,
        animate: false, fit: false,
        transform: (node, pos) => ({ x: pos.y * 3.4, y: pos.x }) }).run();
      cy.fit(cy.elements(), 36);
    } else {
      cy.batch(() => els.forEach(e => cy.getElementById(e.data.id).data(e.data)));
    }
  }

  function drawSplits(doc) {
    const box = document.getElementById('splits');
    const withSplit = doc.services.filter(s => s.split);
    if (!withSplit.length) {
      box.replaceChildren(el('p', { class: 'empty' }, 'No service with subsets.'));
      return;
    }
    box.replaceChildren(...withSplit.map(s => el('div', { class: 'split', 'data-split': s.host },
      el('h3', {}, short(s.host), ' ', el('span', { class: 'vs' }, s.split.virtualService ? 'VirtualService ' + s.split.virtualService : 'no VirtualService')),
      s.split.subsets.map(x => el('div', { class: 'split-row', 'data-subset': x.subset },
        el('span', { class: 'mono' }, x.subset),
        el('div', { class: 'bars' },
          el('div', { class: 'bar observed', style: 'width:' + (x.observedPercent || 0) + '%' }),
          x.configuredPercent === null ? '' : el('div', { class: 'bar configured', style: 'left:calc(' + x.configuredPercent + '% - 1px)' })),
        el('div', { class: 'split-nums' },
          el('span', { class: 'observed' }, x.observedPercent === null ? '–' : x.observedPercent.toFixed(1) + '%'),
          ' ', el('span', { class: 'configured' }, x.configuredPercent === null ? '' : '/ ' + x.configuredPercent + '% cfg')))),
      el('div', { class: 'total' }, s.split.requests + ' requests in the last ' + doc.windowSeconds + ' s'))));
  }

  function drawEdges(doc) {
    const rows = doc.edges.map(e => el('tr', { 'data-source': e.source, 'data-destination': e.destination,
      'data-subset': e.subset, 'data-mtls': String(e.mtls) },
      el('td', {}, name(e.source)),
      el('td', {}, short(e.destination) + ':' + e.port),
      el('td', { class: 'mono' }, e.subset || '–'),
      el('td', { class: 'num' }, rps(e.rps)),
      el('td', { class: 'num rate-' + health(e.successRate) }, pct(e.successRate, 2)),
      el('td', { class: 'num' }, ms(e.p50Ms)),
      el('td', { class: 'num' }, ms(e.p99Ms)),
      el('td', {}, el('span', { class: 'badge ' + (e.mtls ? 'mtls' : 'plain') }, e.mtls ? 'mTLS' : 'plaintext'))));
    document.querySelector('#edges tbody').replaceChildren(...(rows.length ? rows
      : [el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No traffic reported yet.'))]));
  }

  function drawProxies(doc) {
    const rows = doc.proxies.map(p => el('tr', { 'data-proxy': p.proxy, 'data-state': p.state, class: 'state-' + p.state },
      el('td', {}, el('b', {}, p.workload || p.proxy), el('div', { class: 'muted mono small' }, p.proxy)),
      el('td', { class: 'mono' }, p.identity + (p.authenticated ? '' : ' (unauthenticated)')),
      el('td', {}, el('span', { class: 'badge ' + p.state }, p.state)),
      el('td', { class: 'types' }, Object.entries(p.types).map(([t, s]) =>
        el('span', { class: 'type ' + (s.inSync ? 'in-sync' : 'out-of-sync'), title: t + ' sent ' + s.sent + ', acked ' + s.acked },
          (XDS_SHORT[t] || t) + (s.inSync ? ' ✓' : ' ✗')))),
      el('td', {}, p.reportingMetrics ? 'streaming' : el('span', { class: 'muted' }, '–')),
      el('td', { class: 'nack' }, p.lastNack ? p.lastNack.type + ' v' + p.lastNack.version + ': ' + p.lastNack.error : '')));
    document.querySelector('#proxies tbody').replaceChildren(...(rows.length ? rows
      : [el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'No proxy connected.'))]));
  }

  function drawErrors(doc) {
    const list = document.getElementById('errors');
    const count = document.getElementById('error-count');
    count.textContent = doc.configErrors.length;
    count.className = 'count' + (doc.configErrors.length ? ' has' : '');
    list.replaceChildren(...(doc.configErrors.length
      ? doc.configErrors.map(e => el('li', {}, el('b', {}, e.kind + ' ' + (e.namespace ? e.namespace + '/' : '') + e.name), ': ', e.reason))
      : [el('li', { class: 'empty' }, 'None: every object is in force.')]));
  }

  function kpi(id, text, tone) {
    const node = document.getElementById(id);
    node.textContent = text;
    node.className = 'kpi-value' + (tone ? ' ' + tone : '');
  }

  function drawSummary(doc) {
    const total = doc.edges.reduce((sum, e) => sum + e.rps, 0);
    const synced = doc.proxies.filter(p => p.state === 'SYNCED').length;
    const summary = document.getElementById('summary');
    summary.replaceChildren(el('b', {}, doc.services.length), ' services · ', el('b', {}, doc.workloads.length),
      ' workloads · ', el('b', {}, synced + '/' + doc.proxies.length), ' proxies in sync · ',
      el('b', {}, rps(total)), ' req/s · mesh version ', el('b', {}, doc.meshVersion));
    const requests = doc.edges.reduce((sum, e) => sum + e.requests, 0);
    const failed = doc.edges.reduce((sum, e) => sum + (e.successRate === null ? 0 : e.requests * (1 - e.successRate)), 0);
    const success = requests ? 1 - failed / requests : null;
    const mtls = doc.edges.filter(e => e.mtls).length;
    kpi('kpi-rps', rps(total), '');
    kpi('kpi-success', pct(success, 2), health(success) === 'idle' ? '' : health(success));
    kpi('kpi-mtls', doc.edges.length ? mtls + ' / ' + doc.edges.length : '–', !doc.edges.length ? '' : mtls === doc.edges.length ? 'ok' : 'warn');
    kpi('kpi-sync', synced + ' / ' + doc.proxies.length, synced === doc.proxies.length ? 'ok' : 'bad');
    document.getElementById('window-hint').textContent = 'last ' + doc.windowSeconds + ' s';
    document.getElementById('window-note').textContent = 'Figures from the sidecars\' own stats over the last '
      + doc.windowSeconds + ' s; edge p50/p99 is the slowest subset\'s.';
  }

  async function poll() {
    const dot = document.getElementById('live-dot');
    try {
      const response = await fetch('/api/mesh', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const doc = await response.json();
      drawSummary(doc);
      drawGraph(doc);
      drawSplits(doc);
      drawEdges(doc);
      drawProxies(doc);
      drawErrors(doc);
      dot.className = 'dot live';
      document.getElementById('updated').textContent = 'updated ' + new Date(doc.generatedAt).toLocaleTimeString();
    } catch (err) {
      dot.className = 'dot down';
      document.getElementById('updated').textContent = 'control plane unreachable: ' + err.message;
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }
  poll();
}());
