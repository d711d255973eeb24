// The status page: it polls /status.json, each request waiting for the
// next sample, and draws what comes back. Everything the server sends is
// put into the page as text (textContent, attribute values), never as
// markup: guests and tenants choose much of it.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const HISTORY = 600; // samples kept, as the server keeps them
  const MAX_ERRORS = 100;
  const W = 600, H = 150; // the charts' viewBox

  let after = 0; // the number of the newest sample received
  let errorsAfter = 0; // likewise for errors
  const samples = [];

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) {
      if (c instanceof Node) {
        const td = document.createElement('td');
        td.appendChild(c);
        tr.appendChild(td);
      } else if (typeof c === 'number') {
        tr.appendChild(el('td', c, 'num'));
      } else {
        tr.appendChild(el('td', c));
      }
    }
    return tr;
  }

  function bytes(n) {
    if (!n) return '0 B';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
  }

  function millis(v) {
    if (!v) return '0 ms';
    if (v < 0.01) return (v * 1000).toFixed(1) + ' µs';
    if (v < 10) return v.toPrecision(3) + ' ms';
    return v.toFixed(0) + ' ms';
  }

  function rate(v) { return v < 10 ? v.toFixed(1) : v.toFixed(0); }

  function duration(ms) {
    let s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + s + 's';
  }

  // chart draws one SVG chart of the given sample fields, a path each;
  // a field marked sparse has no value in a second without requests (a
  // latency), so its line breaks there. The chart's data-max and
  // data-last attributes hold the peak and the newest values drawn.
  function chart(svg, fields) {
    if (!svg.firstChild) {
      for (const y of [0.25, 0.5, 0.75]) {
        const l = document.createElementNS(SVG, 'line');
        l.setAttribute('class', 'grid');
        l.setAttribute('x1', '0'); l.setAttribute('x2', String(W));
        l.setAttribute('y1', String(H * y)); l.setAttribute('y2', String(H * y));
        l.setAttribute('vector-effect', 'non-scaling-stroke');
        svg.appendChild(l);
      }
      for (const f of fields) {
        const p = document.createElementNS(SVG, 'path');
        p.setAttribute('class', 'line ' + f.cls);
        p.setAttribute('vector-effect', 'non-scaling-stroke');
        svg.appendChild(p);
      }
    }
    const has = (s, f) => !f.sparse || s.requests > 0;
    let peak = 0;
    for (const s of samples) for (const f of fields) if (has(s, f)) peak = Math.max(peak, s[f.key] || 0);
    const top = peak > 0 ? peak * 1.1 : 1;
    const step = W / (HISTORY - 1);
    const x0 = W - (samples.length - 1) * step;
    const paths = svg.querySelectorAll('path');
    fields.forEach((f, j) => {
      let d = '', pen = 'M';
      samples.forEach((s, i) => {
        if (!has(s, f)) { pen = 'M'; return; }
        d += pen + (x0 + i * step).toFixed(1) + ' ' + (H - (H * (s[f.key] || 0)) / top).toFixed(1) + ' ';
        pen = 'L';
      });
      paths[j].setAttribute('d', d.trim());
    });
    const last = samples.length ? samples[samples.length - 1] : {};
    svg.dataset.max = String(peak);
    svg.dataset.last = fields.map((f) => String(last[f.key] || 0)).join(' ');
    return peak;
  }

  function drawCharts() {
    const last = samples.length ? samples[samples.length - 1] : null;
    const rps = chart($('chart-rps'), [{ key: 'rps', cls: 'rps' }]);
    $('max-rps').textContent = rate(rps) + ' req/s';
    const lat = chart($('chart-latency'), [
      { key: 'p50_ms', cls: 'p50', sparse: true }, { key: 'p90_ms', cls: 'p90', sparse: true },
      { key: 'p99_ms', cls: 'p99', sparse: true }]);
    $('max-latency').textContent = millis(lat);
    const mem = chart($('chart-memory'), [{ key: 'rss', cls: 'rss' }, { key: 'heap', cls: 'heap' }]);
    $('max-memory').textContent = bytes(mem);
    if (!last) return;
    $('now-rps').textContent = rate(last.rps) + ' req/s';
    // No requests in the last second: no latency to tell.
    const latency = (v) => (last.requests > 0 ? millis(v) : '–');
    $('now-p50').textContent = latency(last.p50_ms);
    $('now-p90').textContent = latency(last.p90_ms);
    $('now-p99').textContent = latency(last.p99_ms);
    $('now-rss').textContent = bytes(last.rss);
    $('now-heap').textContent = bytes(last.heap);
  }

  function drawSnapshot(snap, now) {
    const b = snap.build || {};
    $('build').textContent = 'wasmweb ' + b.version + ' · ' + b.goversion + ' · wazero ' + b.wazero + ' · ABI ' + b.abi;
    $('uptime').textContent = duration(Date.parse(now) - Date.parse(snap.started));
    $('conns').textContent = String(snap.conns);
    $('parked').textContent = String(snap.parked);
    const sites = [], plugins = [];
    for (const s of snap.sites || []) {
      const routes = el('div');
      for (const r of s.routes || []) {
        const target = r.plugin + (r.handler ? ' · ' + r.handler : '');
        routes.appendChild(el('div', (r.methods ? r.methods + ' ' : '') + r.path + ' → ' + target));
      }
      sites.push(row([s.name, (s.hosts || []).join(', '), routes, s.parked + ' / ' + s.max_waiters]));
      for (const p of s.plugins || []) {
        plugins.push(row([s.name, p.name, p.generation + (p.draining ? ' (' + p.draining + ' draining)' : ''), p.instances, p.idle, p.busy, p.max, p.calls, p.traps, p.kills]));
      }
    }
    $('sites').replaceChildren(...sites);
    $('plugins').replaceChildren(...plugins);
  }

  function errorRow(e) {
    const what = el('div');
    what.appendChild(el('div', e.msg));
    if (e.message) what.appendChild(el('div', e.message, 'message'));
    for (const a of e.attrs || []) what.appendChild(el('div', a.key + ': ' + a.value, 'attr'));
    if (e.stack) {
      const d = el('details');
      d.appendChild(el('summary', 'stack'));
      d.appendChild(el('pre', e.stack));
      what.appendChild(d);
    }
    const route = (e.route || '') + (e.handler ? ' · ' + e.handler : '');
    const tr = row([new Date(e.time).toLocaleTimeString(), e.level, e.request_id, e.site || '', route, e.plugin || '', e.kind || '', what]);
    tr.children[1].className = 'level-' + String(e.level).replace(/[^A-Z]/g, '');
    tr.lastChild.classList.add('what');
    return tr;
  }

  function apply(u) {
    // Numbers that start over mean a restarted server.
    if (u.samples.length && u.samples_first <= after) samples.length = 0;
    if (u.errors.length && u.errors_first <= errorsAfter) $('errors').replaceChildren();
    if (u.samples.length) {
      for (const s of u.samples) samples.push(s);
      if (samples.length > HISTORY) samples.splice(0, samples.length - HISTORY);
      after = u.samples_first + u.samples.length - 1;
    }
    if (u.errors.length) {
      const tbody = $('errors');
      for (const e of u.errors) tbody.insertBefore(errorRow(e), tbody.firstChild);
      while (tbody.children.length > MAX_ERRORS) tbody.removeChild(tbody.lastChild);
      errorsAfter = u.errors_first + u.errors.length - 1;
    }
    drawSnapshot(u.snapshot, u.now);
    drawCharts();
    $('updated').textContent = new Date(u.now).toLocaleTimeString();
    document.body.dataset.samples = String(after);
  }

  function poll() {
    const url = '/status.json?wait=' + (after > 0 ? '1' : '0') + '&after=' + after + '&errors_after=' + errorsAfter;
    fetch(url, { cache: 'no-store' })
      .then((r) => {
        if (!r.ok) throw new Error('/status.json: ' + r.status);
        return r.json();
      })
      .then((u) => {
        $('problem').hidden = true;
        apply(u);
        setTimeout(poll, 0);
      })
      .catch((err) => {
        const p = $('problem');
        p.textContent = String(err && err.message ? err.message : err) + '; retrying';
        p.hidden = false;
        setTimeout(poll, 2000);
      });
  }

  poll();
})();
