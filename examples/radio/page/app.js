// The live status page of the onair demo radio: now playing from the
// events stream (Server-Sent Events), listeners, outputs and clocks from
// the status document, a player for the mounts and HLS, and a skip button
// that posts an action with the operator's token.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { config: null, stream: null, title: "" };

// The token comes from the page's fragment (#token=..., never sent to the
// server) or from what the operator typed before.
function initToken() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    localStorage.setItem("onair-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  $("token").value = localStorage.getItem("onair-token") || "";
  $("token").addEventListener("change", () => localStorage.setItem("onair-token", $("token").value));
}

function setTitle(title, why) {
  if (!title) return;
  state.title = title;
  $("title").textContent = title;
  $("title-at").textContent = why + " at " + new Date().toLocaleTimeString();
  document.title = title + " · onair demo radio";
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function fill(id, rows) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren(...rows);
}

function bytes(n) {
  if (n > 1 << 20) return (n / (1 << 20)).toFixed(1) + " MiB";
  if (n > 1 << 10) return (n / (1 << 10)).toFixed(1) + " KiB";
  return n + " B";
}

function render(s) {
  const mounts = [], outputs = [], clocks = [];
  // Outputs of passive clocks are the internal readers of read-ahead
  // operators (the crossfade's): not the station's outputs.
  const passive = new Set((s.clocks || []).filter((c) => c.kind === "passive").map((c) => c.name));
  for (const o of s.outputs || []) {
    if (o.kind === "mount") {
      const tr = document.createElement("tr");
      tr.dataset.mount = o.mount;
      cell(tr, o.mount); cell(tr, String(o.listeners), "listeners"); cell(tr, String(o.peak_listeners || 0)); cell(tr, o.heard_title || o.title || "", "mount-title");
      mounts.push(tr);
    }
    if (passive.has(o.clock)) continue;
    const tr = document.createElement("tr");
    tr.dataset.output = o.id;
    cell(tr, o.id); cell(tr, o.kind); cell(tr, o.state, "state-" + o.state); cell(tr, bytes(o.bytes)); cell(tr, String(o.drops));
    outputs.push(tr);
  }
  for (const c of s.clocks || []) {
    if (c.kind === "passive") continue;
    const tr = document.createElement("tr");
    cell(tr, c.name); cell(tr, c.kind); cell(tr, c.time_seconds.toFixed(1) + " s");
    cell(tr, (c.lag_seconds * 1000).toFixed(0) + " ms", c.lag_seconds >= 0.2 ? "late" : "");
    clocks.push(tr);
  }
  fill("mounts", mounts); fill("outputs", outputs); fill("clocks", clocks);
  if (!state.title) setTitle(s.title, "status");
}

async function poll() {
  try {
    const r = await fetch("api/status", { cache: "no-store" });
    if (r.ok) render(await r.json());
  } catch (e) { /* the events stream shows the connection state */ }
}

function events() {
  const es = new EventSource("api/events");
  es.addEventListener("open", () => { $("conn").textContent = "live"; $("conn").className = "conn live"; });
  es.addEventListener("error", () => { $("conn").textContent = "reconnecting…"; $("conn").className = "conn down"; });
  es.addEventListener("hello", (ev) => setTitle(JSON.parse(ev.data).title, "on air"));
  // The graph's track change comes first; the title a mount's listeners
  // get comes when the mount's stream reaches it, which is what the
  // player of that mount plays.
  es.addEventListener("track", (ev) => {
    const e = JSON.parse(ev.data);
    if (!state.stream || !state.stream.mount) setTitle(e.title, "new track");
  });
  es.addEventListener("metadata", (ev) => {
    const e = JSON.parse(ev.data);
    if (!state.stream || !state.stream.mount) setTitle(e.title, "metadata");
  });
  es.addEventListener("mount_title", (ev) => {
    const e = JSON.parse(ev.data);
    if (state.stream && state.stream.mount === e.mount) setTitle(e.title, "on " + e.mount);
    const td = document.querySelector(`#mounts tr[data-mount="${CSS.escape(e.mount)}"] .mount-title`);
    if (td) td.textContent = e.title;
  });
  es.addEventListener("listeners", (ev) => {
    const e = JSON.parse(ev.data);
    const tr = document.querySelector(`#mounts tr[data-mount="${CSS.escape(e.mount)}"] .listeners`);
    if (tr) tr.textContent = String(e.listeners);
  });
  es.addEventListener("output", poll);
  es.addEventListener("lag", poll);
}

function player() {
  const sel = $("stream"), audio = $("player");
  for (const s of state.config.streams) {
    const o = document.createElement("option");
    o.value = s.url; o.textContent = s.name;
    sel.appendChild(o);
  }
  const choose = () => {
    state.stream = state.config.streams.find((s) => s.url === sel.value);
    if (state.stream.hls && !audio.canPlayType("application/vnd.apple.mpegurl")) {
      $("action-result").textContent = "this browser does not play HLS natively: pick a mount";
      return;
    }
    const playing = !audio.paused;
    audio.src = state.stream.url;
    if (playing) audio.play().catch(() => {});
  };
  sel.addEventListener("change", choose);
  choose();
  audio.addEventListener("timeupdate", () => { $("position").textContent = audio.currentTime.toFixed(1); });
}

async function skip() {
  const out = $("action-result");
  out.textContent = "…";
  try {
    const r = await fetch("api/skip", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + $("token").value },
      body: JSON.stringify({ source: state.config.skip }),
    });
    const body = await r.json();
    out.textContent = r.ok
      ? `skipped at tick ${body.tick} of clock ${body.clock} (${body.time_seconds.toFixed(2)} s)`
      : `refused (${r.status}): ${body.error}`;
  } catch (e) {
    out.textContent = "failed: " + e;
  }
}

async function main() {
  initToken();
  state.config = await (await fetch("page/config.json")).json();
  player();
  $("skip").addEventListener("click", skip);
  events();
  await poll();
  setInterval(poll, 2000);
}

main();
