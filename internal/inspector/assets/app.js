// The openai-webhooks inspector: a live list of listen's deliveries. Everything a
// delivery carries is attacker-controlled, so it is only ever put in the page as text
// (textContent, dataset), never as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const rows = $("rows");
  const state = { byN: new Map(), selected: 0, forwardTo: "", history: 500 };

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function verdictText(d) {
    switch (d.verdict) {
      case "accepted": return "accepted";
      case "duplicate": return "duplicate";
      case "replayed": return "replay of #" + d.replay_of;
      case "failed": return d.app && d.app.status ? "app failed " + d.app.status : "app unreachable";
      default: return "refused " + d.status;
    }
  }

  function ms(v) { return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + " ms"; }

  function appText(d) {
    if (!d.app) return "—";
    if (d.app.error && !d.app.status) return "unreachable";
    return d.app.status + " · " + ms(d.app.latency_ms);
  }

  function timeText(iso) {
    const t = new Date(iso);
    return isNaN(t) ? iso : t.toLocaleTimeString([], { hour12: false });
  }

  function flash(text, bad) {
    const f = $("flash");
    f.textContent = text;
    f.className = bad ? "bad" : "good";
    f.hidden = false;
  }

  function renderRow(d) {
    const tr = el("tr", "row v-" + d.verdict);
    tr.dataset.n = String(d.n);
    tr.dataset.webhookId = d.webhook_id;
    tr.dataset.verdict = d.verdict;
    const type = el("td", "type", d.type || "—");
    const wid = el("td", "wid", d.webhook_id || "(none)");
    type.title = type.textContent; // shown whole on hover when the cell cuts it
    wid.title = wid.textContent;
    tr.append(el("td", "n", "#" + d.n), el("td", "time", timeText(d.time)), type, wid);
    const verdict = el("td", "verdict");
    const failedReplay = d.verdict === "replayed" && d.app && !(d.app.status >= 200 && d.app.status < 300);
    verdict.append(el("span", "badge b-" + d.verdict + (failedReplay ? " b-failed" : ""), verdictText(d)));
    if (d.reason) {
      // The first clause in the row, the whole reason in the detail view.
      const reason = el("div", "reason", d.reason.split(":")[0]);
      reason.title = d.reason;
      verdict.append(reason);
    }
    tr.append(verdict, el("td", "app", appText(d)));
    const action = el("td", "action");
    const button = el("button", "replay", "Replay");
    button.type = "button";
    button.dataset.action = "replay";
    button.disabled = !replayable(d);
    button.title = replayTitle(d);
    button.addEventListener("click", (ev) => { ev.stopPropagation(); replay(d, button); });
    action.append(button);
    tr.append(action);
    tr.addEventListener("click", () => select(d.n));
    if (d.n === state.selected) tr.classList.add("selected");
    return tr;
  }

  // Only a delivery whose signature verifies under listen's secret is re-signed: a
  // forgery is never offered a re-signing Replay.
  function replayable(d) { return !!state.forwardTo && !d.truncated && !!d.resign; }

  function replayTitle(d) {
    if (!state.forwardTo) return "Start listen with --forward-to to replay deliveries to your app";
    if (d.truncated) return "Over the body limit: only its start was kept";
    if (!d.resign) return "Not re-signed: its signature does not verify under listen's secret";
    return "Send it to " + state.forwardTo + " again, re-signed with listen's secret";
  }

  function insert(d) {
    if (state.byN.has(d.n)) return; // the snapshot and the live events can overlap
    state.byN.set(d.n, d);
    let before = null;
    for (const r of rows.children) {
      if (Number(r.dataset.n) < d.n) { before = r; break; }
    }
    rows.insertBefore(renderRow(d), before);
    while (rows.children.length > state.history) {
      const last = rows.lastElementChild;
      state.byN.delete(Number(last.dataset.n));
      last.remove();
    }
    $("empty").hidden = rows.children.length > 0;
  }

  function setInfo(info) {
    state.forwardTo = info.forward_to || "";
    state.history = info.history || 500;
    let text = "receiving at " + info.receiver;
    text += state.forwardTo ? " → forwarding to " + state.forwardTo : " (no --forward-to: nothing is forwarded)";
    text += " · keeps the last " + state.history;
    if (info.history_bytes) text += " within " + Math.round(info.history_bytes / 1048576) + " MiB";
    $("info").textContent = text;
  }

  function replaceAll(list) {
    state.byN.clear();
    rows.replaceChildren();
    for (const d of list) insert(d);
    $("empty").hidden = rows.children.length > 0;
    if (state.byN.has(state.selected)) select(state.selected);
  }

  function pretty(body) {
    try { return JSON.stringify(JSON.parse(body), null, 2); } catch (e) { return body; }
  }

  // select shows delivery n whole: the list carries no headers, body or diagnosis, so
  // they are fetched for the one shown.
  let selecting = 0;
  async function select(n) {
    if (!state.byN.has(n)) return;
    state.selected = n;
    for (const r of rows.children) r.classList.toggle("selected", Number(r.dataset.n) === n);
    const token = ++selecting;
    let d;
    try {
      const resp = await fetch("/api/deliveries/" + n, { headers: { Accept: "application/json" } });
      d = await resp.json();
      if (!resp.ok) {
        if (token === selecting) flash("delivery #" + n + ": " + d.error, true);
        return;
      }
    } catch (e) {
      if (token === selecting) flash("delivery #" + n + ": " + e, true);
      return;
    }
    if (token !== selecting) return; // another row was chosen meanwhile
    $("detail").hidden = false;
    let summary = d.method + " " + d.path + " at " + d.time + " · answered " + d.status;
    if (d.reason) summary += " · " + d.reason;
    if (d.truncated) summary += " · body over the limit: only its start is kept";
    else if (!d.resign && d.verdict === "refused") summary += " · not re-signable: its signature does not verify under listen's secret";
    $("detail-summary").textContent = summary;
    $("diagnosis-box").hidden = !d.diagnosis;
    $("diagnosis").textContent = d.diagnosis || "";
    $("app-box").hidden = !d.app;
    if (d.app) {
      $("app-answer").textContent = d.app.status
        ? d.app.status + " in " + ms(d.app.latency_ms) + "\n" + (d.app.body || "")
        : "no answer: " + (d.app.error || "unreachable");
    }
    const lines = [];
    for (const name of Object.keys(d.headers).sort()) {
      for (const v of d.headers[name]) lines.push(name + ": " + v);
    }
    $("headers").textContent = lines.join("\n");
    $("body").textContent = pretty(d.body);
    // The title last: it says the whole view is this delivery's.
    $("detail-title").textContent = "#" + d.n + " " + (d.type || "delivery") + " · " + verdictText(d);
  }

  async function replay(d, button) {
    const n = d.n;
    button.disabled = true;
    try {
      const resp = await fetch("/api/deliveries/" + n + "/replay", { method: "POST", headers: { Accept: "application/json" } });
      const got = await resp.json();
      if (!resp.ok) {
        flash("replay of #" + n + " failed: " + got.error, true);
        return;
      }
      insert(got);
      flash("replayed #" + n + " as #" + got.n + ": app " + appText(got), !got.app || !got.app.status || got.app.status >= 300);
    } catch (e) {
      flash("replay of #" + n + " failed: " + e, true);
    } finally {
      button.disabled = !replayable(d);
    }
  }

  const live = $("live");
  const events = new EventSource("/api/events");
  events.addEventListener("snapshot", (e) => {
    const info = JSON.parse(e.data);
    setInfo(info);
    replaceAll(info.deliveries);
    live.textContent = "live";
    live.className = "live on";
  });
  events.addEventListener("delivery", (e) => insert(JSON.parse(e.data)));
  events.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.className = "live off";
  });
})();
