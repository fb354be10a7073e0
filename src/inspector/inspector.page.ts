/**
 * The Inspector page: plain HTML, CSS and browser JavaScript held here so the app serves them with
 * no front-end build or extra files at run time. The script avoids template literals on purpose
 * (it lives inside one).
 */
export const INSPECTOR_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenVidu Inspector</title>
<style>
  :root { --fg:#1d2430; --muted:#5d6778; --line:#dde2ea; --bg:#f6f8fb; --ok:#1f8a4c; --bad:#c62828; --warn:#b26a00; --accent:#2f5fd0; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
  header { display:flex; align-items:center; gap:16px; padding:10px 20px; background:#fff; border-bottom:1px solid var(--line); position:sticky; top:0; z-index:2; }
  header h1 { font-size:18px; margin:0; }
  header .meta { color:var(--muted); }
  #link { margin-left:auto; padding:3px 10px; border-radius:12px; font-weight:600; }
  #link.up { background:#e5f5ec; color:var(--ok); }
  #link.down { background:#fdeaea; color:var(--bad); }
  main { padding:16px 20px; display:grid; gap:16px; max-width:1400px; }
  section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
  h2 { font-size:15px; margin:0 0 8px; display:flex; gap:12px; align-items:baseline; }
  h2 small { color:var(--muted); font-weight:normal; }
  table { width:100%; border-collapse:collapse; table-layout:auto; }
  #config td:nth-child(2) { max-width:480px; }
  th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
  tr.down td { background:#fff5f5; }
  .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:700; }
  .badge.ok { background:#e5f5ec; color:var(--ok); }
  .badge.bad { background:#fdeaea; color:var(--bad); }
  .badge.warn { background:#fff3e0; color:var(--warn); }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; overflow-wrap:anywhere; }
  .muted { color:var(--muted); }
  button { font:inherit; font-size:12px; padding:3px 9px; border-radius:5px; border:1px solid var(--line); background:#fff; cursor:pointer; }
  button:hover { border-color:var(--accent); color:var(--accent); }
  button.danger:hover { border-color:var(--bad); color:var(--bad); }
  input, select { font:inherit; padding:4px 6px; border:1px solid var(--line); border-radius:5px; }
  form.inline { display:flex; gap:8px; margin-top:10px; }
  form.inline input { flex:1; max-width:420px; }
  ul.conns { list-style:none; margin:0; padding:0; }
  ul.conns li { padding:2px 0; }
  #notice { position:fixed; bottom:16px; right:16px; max-width:520px; padding:10px 14px; border-radius:6px; background:#1d2430; color:#fff; display:none; }
  #notice.error { background:var(--bad); }
  svg.spark { vertical-align:middle; }
  .empty { color:var(--muted); padding:8px; }
</style>
</head>
<body>
<header>
  <h1>OpenVidu Inspector</h1>
  <span class="meta" id="server-meta">connecting…</span>
  <span id="link" class="down">offline</span>
</header>
<main>
  <section id="media-servers-section">
    <h2>Media servers <small id="ms-summary"></small></h2>
    <table>
      <thead><tr><th>Id</th><th>URI</th><th>State</th><th>Status</th><th>Up / down for</th><th>Load</th><th>Sessions</th><th>Probe</th><th></th></tr></thead>
      <tbody id="media-servers"></tbody>
    </table>
    <form class="inline" id="register">
      <input name="uri" placeholder="ws://10.0.0.5:8888/kurento" aria-label="Media server URI" required>
      <button type="submit">Register media server</button>
    </form>
  </section>
  <section>
    <h2>Sessions <small id="sessions-summary"></small></h2>
    <table>
      <thead><tr><th>Session</th><th>Media server</th><th>State</th><th>Recording</th><th>Connections (publishers / subscriptions)</th><th></th></tr></thead>
      <tbody id="sessions"></tbody>
    </table>
  </section>
  <section>
    <h2>Configuration <small>applied in place through POST /pro/restart</small></h2>
    <table>
      <thead><tr><th>Property</th><th>Now</th><th>New value</th><th></th></tr></thead>
      <tbody id="config"></tbody>
    </table>
  </section>
</main>
<div id="notice" role="status"></div>
<script src="/inspector/app.js"></script>
</body>
</html>
`;

export const INSPECTOR_JS = String.raw`'use strict';
(function () {
  var HISTORY = 60;
  var state = null;
  var loads = {};
  var noticeTimer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }

  function duration(ms) {
    if (ms == null || ms < 0) return '–';
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  function notice(text, isError) {
    var n = document.getElementById('notice');
    n.textContent = text;
    n.className = isError ? 'error' : '';
    n.style.display = 'block';
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { n.style.display = 'none'; }, isError ? 8000 : 2500);
  }

  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        if (!r.ok) {
          var message = text;
          try { message = JSON.parse(text).message || text; } catch (e) { /* not JSON */ }
          throw new Error(method + ' ' + path + ' → ' + r.status + (message ? ': ' + message : ''));
        }
        return text;
      });
    });
  }

  function act(label, promise) {
    promise.then(function () { notice(label + ': done', false); }, function (e) { notice(e.message, true); });
  }

  function spark(values) {
    var w = 90, h = 22;
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', w);
    svg.setAttribute('height', h);
    if (values.length > 1) {
      var max = Math.max.apply(null, values.concat([1]));
      var pts = values.map(function (v, i) {
        return (i * (w - 2) / (HISTORY - 1) + 1).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 4)).toFixed(1);
      }).join(' ');
      var line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      line.setAttribute('points', pts);
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', '#2f5fd0');
      line.setAttribute('stroke-width', '1.5');
      svg.appendChild(line);
    }
    return svg;
  }

  function renderHeader() {
    var s = state.server;
    var phase = s.phase === 'serving' ? '' : ' · ' + s.phase.toUpperCase();
    document.getElementById('server-meta').textContent =
      'OpenVidu ' + s.version + ' · up ' + duration(state.at - s.startedAt) + ' · strategy ' + s.loadStrategy +
      (s.cluster ? '' : ' · cluster mode off (openvidu.pro.cluster=false)') + phase;
  }

  function renderMediaServers() {
    var body = document.getElementById('media-servers');
    body.textContent = '';
    var up = 0;
    state.mediaServers.forEach(function (m) {
      if (m.connected) up++;
      var hist = loads[m.id] || [];
      var draining = m.status !== 'running';
      var actions = el('td', {}, [
        draining
          ? el('button', { 'data-action': 'resume', text: 'Resume', onclick: function () {
              act('Resume ' + m.id, api('PATCH', '/pro/media-servers/' + m.id, { status: 'running' }));
            } })
          : el('button', { 'data-action': 'drain', text: 'Drain', title: 'No new sessions; deregistered after its last one', onclick: function () {
              act('Drain ' + m.id, api('PATCH', '/pro/media-servers/' + m.id, { status: 'waiting-idle-to-terminate' }));
            } }),
        ' ',
        el('button', { 'data-action': 'remove', class: 'danger', text: 'Remove', onclick: function () {
          var msg = m.sessions ? 'Remove ' + m.id + ' and close its ' + m.sessions + ' session(s)?' : 'Remove ' + m.id + '?';
          if (confirm(msg)) act('Remove ' + m.id, api('DELETE', '/pro/media-servers/' + m.id + '?force=true'));
        } }),
      ]);
      body.appendChild(el('tr', { 'data-media-server': m.id, 'data-connected': String(m.connected), class: m.connected ? '' : 'down' }, [
        el('td', { class: 'mono', text: m.id }),
        el('td', { class: 'mono', text: m.uri }),
        el('td', { class: 'state' }, [el('span', { class: 'badge ' + (m.connected ? 'ok' : 'bad'), text: m.connected ? 'connected' : 'DOWN' })]),
        el('td', {}, [el('span', { class: 'badge ' + (draining ? 'warn' : 'ok'), text: m.status })]),
        el('td', { text: m.since ? (m.connected ? 'up ' : 'down ') + duration(state.at - m.since) : (m.connected ? '–' : 'never connected') }),
        el('td', {}, [el('span', { class: 'mono', text: m.load == null ? '–' : String(Math.round(m.load * 100) / 100) + ' ' }), spark(hist)]),
        el('td', { text: m.sessions + ' (' + m.streams + ' streams)' }),
        el('td', { class: 'mono', text: m.probeRoundTripMs == null ? '–' : m.probeRoundTripMs + ' ms' }),
        actions,
      ]));
    });
    if (!state.mediaServers.length) body.appendChild(el('tr', {}, [el('td', { colspan: '9', class: 'empty', text: 'No media server registered.' })]));
    document.getElementById('ms-summary').textContent = up + ' of ' + state.mediaServers.length + ' connected';
  }

  function renderSessions() {
    var body = document.getElementById('sessions');
    body.textContent = '';
    state.sessions.forEach(function (s) {
      var conns = el('ul', { class: 'conns' }, s.connections.map(function (c) {
        return el('li', { 'data-connection': c.connectionId }, [
          el('span', { class: 'mono', text: c.connectionId }), ' ',
          el('span', { class: 'muted', text: c.role }), ' ',
          c.publisher ? el('span', { class: 'badge ok', text: 'publishing' }) : null, ' ',
          c.subscriptions.length ? el('span', { class: 'muted', text: '↓ ' + c.subscriptions.length }) : null, ' ',
          el('button', { 'data-action': 'disconnect', class: 'danger', text: 'Disconnect', onclick: function () {
            if (confirm('Force-disconnect ' + c.connectionId + '?')) {
              act('Disconnect ' + c.connectionId, api('DELETE', '/api/sessions/' + encodeURIComponent(s.sessionId) + '/connection/' + encodeURIComponent(c.connectionId)));
            }
          } }),
        ]);
      }));
      var pubs = s.connections.filter(function (c) { return c.publisher; }).length;
      var subs = s.connections.reduce(function (n, c) { return n + c.subscriptions.length; }, 0);
      body.appendChild(el('tr', { 'data-session': s.sessionId }, [
        el('td', {}, [el('span', { class: 'mono', text: s.sessionId }), el('div', { class: 'muted', text: 'for ' + duration(state.at - s.createdAt) })]),
        el('td', { class: 'mono', text: s.mediaServerId || '–' }),
        el('td', { text: s.state }),
        el('td', {}, [s.recording ? el('span', { class: 'badge bad', text: '● recording' }) : el('span', { class: 'muted', text: 'no' })]),
        el('td', {}, [el('div', { class: 'muted', text: s.connections.length + ' connection(s), ' + pubs + ' publisher(s), ' + subs + ' subscription(s)' }), conns]),
        el('td', {}, [el('button', { 'data-action': 'close-session', class: 'danger', text: 'Close session', onclick: function () {
          if (confirm('Close session ' + s.sessionId + ' for everyone in it?')) {
            act('Close ' + s.sessionId, api('DELETE', '/api/sessions/' + encodeURIComponent(s.sessionId)));
          }
        } })]),
      ]));
    });
    if (!state.sessions.length) body.appendChild(el('tr', {}, [el('td', { colspan: '6', class: 'empty', text: 'No session.' })]));
    document.getElementById('sessions-summary').textContent = state.sessions.length + ' shown' +
      (state.sessionsNotShown ? ', ' + state.sessionsNotShown + ' more not shown' : '');
  }

  function render() {
    renderHeader();
    renderMediaServers();
    renderSessions();
  }

  function record() {
    var seen = {};
    state.mediaServers.forEach(function (m) {
      seen[m.id] = true;
      var h = loads[m.id] || (loads[m.id] = []);
      h.push(m.load == null ? 0 : m.load);
      if (h.length > HISTORY) h.shift();
    });
    Object.keys(loads).forEach(function (id) { if (!seen[id]) delete loads[id]; });
  }

  function setLink(up) {
    var l = document.getElementById('link');
    l.className = up ? 'up' : 'down';
    l.textContent = up ? 'live' : 'connection to the server lost – retrying';
  }

  function loadConfig() {
    api('GET', '/inspector/config').then(function (text) {
      var body = document.getElementById('config');
      body.textContent = '';
      JSON.parse(text).forEach(function (p) {
        var input;
        if (p.type === 'boolean') {
          input = el('select', {}, [el('option', { value: 'true', text: 'true' }), el('option', { value: 'false', text: 'false' })]);
          input.value = String(p.value);
        } else {
          input = el('input', { value: p.secret ? '' : (p.type === 'string[]' ? JSON.stringify(p.value) : String(p.value)), placeholder: p.secret ? '(hidden)' : '' });
          if (p.secret) input.type = 'password';
        }
        body.appendChild(el('tr', { 'data-property': p.key }, [
          el('td', { class: 'mono', text: p.key }),
          el('td', { class: 'mono', text: p.secret ? '(hidden)' : JSON.stringify(p.value) }),
          el('td', {}, [input]),
          el('td', {}, [el('button', { text: 'Apply', onclick: function () {
            var value;
            try {
              if (p.type === 'boolean') value = input.value === 'true';
              else if (p.type === 'integer') value = Number(input.value);
              else if (p.type === 'string[]') value = JSON.parse(input.value);
              else value = input.value;
            } catch (e) { notice(p.key + ': ' + e.message, true); return; }
            var change = {};
            change[p.key] = value;
            act('Restart with ' + p.key, api('POST', '/pro/restart', change).then(function (t) { loadConfig(); return t; }));
          } })]),
        ]));
      });
    }, function (e) { notice(e.message, true); });
  }

  document.getElementById('register').addEventListener('submit', function (e) {
    e.preventDefault();
    var uri = e.target.elements.uri.value.trim();
    act('Register ' + uri, api('POST', '/pro/media-servers', { uri: uri }).then(function (t) { e.target.reset(); return t; }));
  });

  var source = new EventSource('/inspector/events');
  source.addEventListener('state', function (e) {
    state = JSON.parse(e.data);
    record();
    render();
    setLink(true);
  });
  source.addEventListener('error', function () { setLink(false); });
  loadConfig();
})();
`;
