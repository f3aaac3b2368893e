// Live dashboard: one WebSocket to /ws/{client_id}; renders metrics snapshots and draft runs.
"use strict";
(function () {
  const MAX_ROWS = 50;
  const params = new URLSearchParams(location.search);
  const apiKey = params.get("api_key") || "";
  const clientId = "dashboard-" + Math.random().toString(36).slice(2, 10);
  const runs = new Map(); // request_id -> {row, steps}
  const $ = (id) => document.getElementById(id);
  let retryMs = 500;

  function setText(id, value) { $(id).textContent = value; }
  function seconds(ms) { return ms == null ? "–" : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s"; }

  function showMetrics(m) {
    setText("m-workflows", m.workflows);
    setText("m-in-flight", m.in_flight);
    setText("m-p50", seconds(m.p50_ms));
    setText("m-p95", seconds(m.p95_ms));
    setText("m-degraded", m.degraded);
    setText("m-llm", (m.llm.ok || 0) + (m.llm.error || 0) + " / " + (m.llm.error || 0));
    const slackCalls = Object.values(m.slack).reduce((a, b) => a + b, 0);
    setText("m-slack", slackCalls + " / " + (m.slack.rate_limited || 0));
    setText("m-batch", (m.batch_rows.ok || 0) + (m.batch_rows.failed || 0));
    const layers = Object.entries(m.cache);
    setText("cache", layers.length === 0 ? "no lookups yet" : layers.map(([name, c]) =>
      name + " " + Math.round(c.hit_rate * 100) + "% (" + c.hit + "/" + (c.hit + c.miss) + ")").join(" · "));
  }

  function rowFor(requestId) {
    let run = runs.get(requestId);
    if (run) return run;
    const row = document.createElement("tr");
    row.dataset.requestId = requestId;
    for (let i = 0; i < 6; i++) row.appendChild(document.createElement("td"));
    row.cells[0].textContent = requestId;
    row.cells[5].className = "preview";
    $("drafts").prepend(row);
    $("empty").hidden = true;
    run = { row: row, steps: {} };
    runs.set(requestId, run);
    while ($("drafts").rows.length > MAX_ROWS) {
      const last = $("drafts").rows[$("drafts").rows.length - 1];
      runs.delete(last.dataset.requestId);
      last.remove();
    }
    setStatus(run, "running");
    return run;
  }

  function setStatus(run, status) {
    run.row.cells[1].textContent = status;
    run.row.cells[1].className = status;
    run.row.dataset.status = status;
  }

  function showSteps(run) {
    run.row.cells[3].textContent = ["profile", "analysis", "reply"].map((name) => {
      const s = run.steps[name];
      if (!s) return name + " ·";
      if (s.status === "started") return name + " …";
      if (s.status === "ok") return name + " ✓ " + (s.source || "");
      return name + " ✗";
    }).join("  ");
  }

  function onStep(e) {
    const run = rowFor(e.request_id);
    run.steps[e.name] = e;
    showSteps(run);
  }

  function onResult(r) {
    const run = rowFor(r.request_id);
    for (const s of r.steps) run.steps[s.name] = s;
    showSteps(run);
    setStatus(run, r.degraded ? "degraded" : "done");
    run.row.cells[2].textContent = r.mode;
    run.row.cells[4].textContent = seconds(r.total_ms);
    run.row.cells[5].textContent = r.draft ? r.draft.text : "";
    run.row.cells[5].title = r.draft ? r.draft.text : "";
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const query = apiKey ? "?api_key=" + encodeURIComponent(apiKey) : "";
    const socket = new WebSocket(scheme + location.host + "/ws/" + clientId + query);
    socket.onopen = () => { retryMs = 500; $("status").className = "live"; setText("status", "live"); };
    socket.onclose = () => {
      $("status").className = "down";
      setText("status", "disconnected; retrying…");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "metrics") showMetrics(data);
      else if (data.type === "step") onStep(data);
      else if (data.type === "result") onResult(data);
    };
  }

  connect();
})();
