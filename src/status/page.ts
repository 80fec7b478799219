/**
 * GET /: the live status page. One self-contained document (no external script, style, font
 * or image; works offline) that polls /status.json every second and fills its tables with
 * textContent only: targets and commands come from clients and the config, never markup.
 * Its script avoids template literals so that this file can hold it in one.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>mcp-proxy status</title>
<style>
  :root { --bg: #fff; --fg: #1d1d1f; --muted: #6e6e73; --line: #e3e3e8; --head: #f5f5f7; --bad: #c4211a; --good: #1a7f37; --accent: #0a58ca; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #17171a; --fg: #ececf0; --muted: #9a9aa3; --line: #2e2e34; --head: #222227; --bad: #ff6b61; --good: #4ccf70; --accent: #6ea8fe; }
  }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 16px 24px 40px; background: var(--bg); color: var(--fg);
         font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", system-ui, sans-serif; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 18px; border-bottom: 1px solid var(--line); padding-bottom: 10px; }
  h1 { font-size: 20px; margin: 0; }
  h2 { font-size: 16px; margin: 26px 0 6px; }
  h3 { font-size: 14px; margin: 16px 0 4px; color: var(--muted); font-weight: 600; }
  .muted, .empty { color: var(--muted); }
  .stale { color: var(--bad); font-weight: 600; }
  dl.totals { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 12px 0 0; }
  dl.totals div { display: flex; gap: 6px; }
  dl.totals dt { color: var(--muted); }
  dl.totals dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); vertical-align: baseline; }
  th { background: var(--head); font-weight: 600; padding-left: 6px; }
  td:first-child { padding-left: 6px; }
  td.num, th.num { text-align: right; }
  td.what { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; word-break: break-all; }
  .bad { color: var(--bad); font-weight: 600; }
  .good { color: var(--good); }
  details summary { cursor: pointer; color: var(--accent); margin: 10px 0 4px; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
</style>
</head>
<body>
<header>
  <h1>mcp-proxy</h1>
  <span id="version" class="muted"></span>
  <span id="listening" class="muted"></span>
  <span id="uptime" class="muted"></span>
  <span id="state" class="muted">connecting…</span>
</header>
<dl class="totals" id="totals"></dl>

<h2>Failing targets</h2>
<table id="failing"><thead><tr><th>Target</th><th>Cause</th><th class="num">Count</th><th>Last</th></tr></thead><tbody></tbody></table>

<h2>Proxy: open now</h2>
<table id="open"><thead><tr><th>Client</th><th>Request</th><th class="num">Up</th><th class="num">Down</th><th class="num">Age</th></tr></thead><tbody></tbody></table>

<h2>Bridge</h2>
<div id="bridge"></div>

<h2>Proxy: recently closed</h2>
<table id="recent"><thead><tr><th>Client</th><th>Request</th><th>Status</th><th class="num">Up</th><th class="num">Down</th><th class="num">Duration</th><th>Ended</th></tr></thead><tbody></tbody></table>

<script>
"use strict";
var el = function (tag, text, cls) {
  var node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
};
var bytes = function (n) {
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1073741824) return (n / 1048576).toFixed(1) + " MiB";
  return (n / 1073741824).toFixed(2) + " GiB";
};
var duration = function (s) {
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
};
var ago = function (iso, now) { return duration(Math.max(0, (Date.parse(now) - Date.parse(iso)) / 1000)) + " ago"; };
var row = function (cells, attrs) {
  var tr = document.createElement("tr");
  for (var key in attrs || {}) tr.setAttribute(key, attrs[key]);
  cells.forEach(function (cell) { tr.appendChild(cell); });
  return tr;
};
var fill = function (table, rows, emptyText, columns) {
  var body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    var td = el("td", emptyText, "empty");
    td.colSpan = columns;
    body.appendChild(row([td]));
  }
  rows.forEach(function (tr) { body.appendChild(tr); });
};
var num = function (text, cls) { return el("td", text, "num" + (cls ? " " + cls : "")); };
// Which "recently ended" lists the reader opened: the tables are rebuilt every second.
var opened = {};

function render(s) {
  document.getElementById("version").textContent = "v" + s.version;
  document.getElementById("listening").textContent = s.url;
  document.getElementById("uptime").textContent = "up " + duration(s.uptimeSeconds);
  var totals = document.getElementById("totals");
  totals.replaceChildren();
  [["open connections", s.totals.openConnections], ["tunnels", s.totals.tunnels], ["forwarded requests", s.totals.requests],
   ["upstream failures", s.totals.failures], ["bridge sessions", s.totals.bridgeSessions], ["servers started", s.totals.childStarts]]
    .forEach(function (pair) { var d = el("div"); d.appendChild(el("dt", pair[0])); d.appendChild(el("dd", pair[1])); totals.appendChild(d); });

  fill(document.getElementById("failing"), s.proxy.failing.map(function (f) {
    return row([el("td", f.target, "what"), el("td", f.cause, "bad"), num("×" + f.count), el("td", ago(f.lastAt, s.now))],
      { "data-target": f.target });
  }), "No failures since start.", 4);

  fill(document.getElementById("open"), s.proxy.open.map(function (f) {
    return row([el("td", f.client), el("td", f.what, "what"), num(bytes(f.up)), num(bytes(f.down)), num(duration(f.ageSeconds))],
      { "data-flow": String(f.id) });
  }), "Nothing open.", 5);

  fill(document.getElementById("recent"), s.proxy.recent.map(function (f) {
    var ok = f.outcome === "ok";
    var status = el("td", (f.status || "–") + " " + f.outcome + (f.error ? " · " + f.error : ""), ok ? "good" : "bad");
    return row([el("td", f.client), el("td", f.what, "what"), status, num(bytes(f.up)), num(bytes(f.down)),
      num(f.durationMs < 1000 ? f.durationMs + " ms" : duration(f.durationMs / 1000)), el("td", ago(f.endedAt, s.now))],
      { "data-flow": String(f.id) });
  }), "Nothing closed yet.", 7);

  var bridge = document.getElementById("bridge");
  bridge.replaceChildren();
  if (s.bridge.servers.length === 0) bridge.appendChild(el("p", "No MCP server is bridged (start with --sse CMD ARGS…).", "empty"));
  s.bridge.servers.forEach(function (server) {
    var box = el("section");
    box.setAttribute("data-server", server.name);
    var title = el("h3");
    title.appendChild(el("span", server.name + " "));
    title.appendChild(el("code", server.command));
    box.appendChild(title);
    var table = el("table");
    table.innerHTML = "<thead><tr><th>Transport</th><th>Session</th><th class=num>PID</th><th class=num>Age</th><th class=num>In</th><th class=num>Out</th><th>Last activity</th></tr></thead><tbody></tbody>";
    fill(table, server.sessions.map(function (x) {
      return row([el("td", x.transport), el("td", x.id, "what"), num(x.pid), num(duration(x.ageSeconds)), num(x.messagesIn), num(x.messagesOut),
        el("td", ago(x.lastActivity, s.now))], { "data-session": x.id });
    }), "No open sessions.", 7);
    box.appendChild(table);
    if (server.ended.length > 0) {
      var more = el("details");
      more.open = opened[server.name] === true;
      more.addEventListener("toggle", function () { opened[server.name] = more.open; });
      more.appendChild(el("summary", "Recently ended (" + server.ended.length + ")"));
      var ended = el("table");
      ended.innerHTML = "<thead><tr><th>Transport</th><th>Session</th><th class=num>PID</th><th>Ended because</th><th>Exit</th><th class=num>Lasted</th><th>When</th></tr></thead><tbody></tbody>";
      fill(ended, server.ended.map(function (x) {
        var exit = x.signal ? "signal " + x.signal : x.exitCode === null ? "–" : "code " + x.exitCode;
        return row([el("td", x.transport), el("td", x.id, "what"), num(x.pid), el("td", x.detail), el("td", exit),
          num(duration(x.durationSeconds)), el("td", ago(x.endedAt, s.now))]);
      }), "", 7);
      more.appendChild(ended);
      box.appendChild(more);
    }
    bridge.appendChild(box);
  });
}

var state = document.getElementById("state");
function poll() {
  fetch("status.json", { cache: "no-store", headers: { Accept: "application/json" } })
    .then(function (res) { if (!res.ok) throw new Error("HTTP " + res.status); return res.json(); })
    .then(function (s) { render(s); state.textContent = "live"; state.className = "muted"; })
    .catch(function (e) { state.textContent = "not reachable (" + e.message + "); retrying"; state.className = "stale"; })
    .finally(function () { setTimeout(poll, 1000); });
}
poll();
</script>
</body>
</html>
`;
