// The request inspector: polls the mock's request log, shows each call's request, answer and
// violations, and the mock's configuration. Plain JavaScript, no dependencies. Everything the
// log holds is shown with textContent (never as HTML): request bodies are anyone's input.
"use strict";

const state = { calls: [], after: 0, selected: null, polling: false };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...(options || {}) });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return text;
  }
}

// ---------------------------------------------------------------- the list

function shown(call) {
  const op = $("f-op").value, status = $("f-status").value;
  if (op && (call.operation_id || "(no operation)") !== op) return false;
  if (status && String(call.status)[0] !== status) return false;
  if ($("f-viol").checked && violationCount(call) === 0) return false;
  return true;
}

// Request violations, plus what the proxy found wrong with the upstream's answer (drift).
function violationCount(call) {
  return call.violations.length + (call.response_violations || []).length;
}

function violationList(id, list, empty) {
  const box = el("div", { id });
  if (!list.length && empty) box.append(el("p", { class: "muted", text: empty }));
  for (const v of list) {
    box.append(el("div", { class: "violation" },
      el("code", { class: "field", text: v.location || "(body)" }),
      el("span", { class: "rule", text: v.rule }),
      el("span", { class: "message", text: v.message })));
  }
  return box;
}

function renderList() {
  const body = $("calls").tBodies[0];
  body.replaceChildren();
  for (const call of [...state.calls].reverse()) {
    if (!shown(call)) continue;
    const when = new Date(call.time * 1000).toLocaleTimeString();
    const target = call.path + (call.query ? "?" + call.query : "");
    const row = el("tr", { "data-seq": String(call.seq) },
      el("td", { text: String(call.seq) }),
      el("td", { text: when }),
      el("td", { text: `${call.method} ${target}` }),
      el("td", { text: call.operation_id || "—" }),
      el("td", { class: "s" + String(call.status)[0], text: String(call.status) }),
      el("td", { class: violationCount(call) ? "nviol" : "", text: String(violationCount(call) || "") }),
      el("td", { text: call.duration_ms.toFixed(1) }));
    if (call.seq === state.selected) row.classList.add("selected");
    row.addEventListener("click", () => select(call.seq));
    body.append(row);
  }
}

async function poll() {
  if (state.polling) return; // a slow answer: the next tick waits for it (no call listed twice)
  state.polling = true;
  try {
    const fresh = (await api(`/__mock/requests?after=${state.after}`)).filter((c) => c.seq > state.after);
    $("live").classList.remove("down");
    if (fresh.length) {
      state.calls.push(...fresh);
      state.calls = state.calls.slice(-1000);
      state.after = fresh[fresh.length - 1].seq;
      noteOperations(fresh);
      renderList();
    }
  } catch (_) {
    $("live").classList.add("down");
  } finally {
    state.polling = false;
  }
}

function noteOperations(calls) {
  const select = $("f-op");
  const known = new Set([...select.options].map((o) => o.value));
  for (const call of calls) {
    const name = call.operation_id || "(no operation)";
    if (!known.has(name)) {
      select.append(el("option", { value: name, text: name }));
      known.add(name);
    }
  }
}

// ---------------------------------------------------------------- one call

async function select(seq) {
  state.selected = seq;
  renderList();
  const detail = $("detail");
  let call;
  try {
    call = await api(`/__mock/requests/${seq}`);
  } catch (error) {
    if (state.selected === seq) detail.replaceChildren(el("p", { class: "hint", text: `Request ${seq} is no longer in the log.` }));
    return;
  }
  if (state.selected !== seq) return; // another row was clicked meanwhile: its answer wins
  const target = call.path + (call.query ? "?" + call.query : "");
  const parts = [
    el("h2", { text: `#${call.seq} ${call.method} ${target}` }),
    el("p", { class: "muted", text: `${call.operation_id || "no documented operation"} · ${call.status} · ${call.duration_ms} ms` +
      (call.notes.length ? " · " + call.notes.join(", ") : "") }),
    el("button", { type: "button", class: "copy", id: "copy-curl", text: "copy as curl" }),
    el("pre", { id: "curl", text: curl(call) }),
  ];
  parts.push(el("h3", { text: `Violations (${call.violations.length})` }));
  const violations = violationList("violations", call.violations, "none: the request follows the spec");
  if (call.nearest.length) violations.append(el("p", { class: "muted", text: "nearest: " + call.nearest.join(", ") }));
  parts.push(violations);
  const drift = call.response_violations || [];
  if (drift.length) {
    parts.push(el("h3", { text: `Answer violations (${drift.length}): the upstream's answer breaks the spec` }));
    parts.push(violationList("response-violations", drift, ""));
  }
  parts.push(el("h3", { text: "Request" }));
  parts.push(el("pre", { id: "request-headers", text: Object.entries(call.headers).map(([k, v]) => `${k}: ${v}`).join("\n") }));
  if (call.body !== null && call.body !== "") parts.push(el("pre", { id: "request-body", text: pretty(call.body) }));
  else if (call.body_base64) parts.push(el("p", { class: "muted", text: `binary body, ${call.body_size} bytes` }));
  parts.push(el("h3", { text: `Answer: ${call.status} ${call.response.media_type || ""}` }));
  parts.push(el("pre", { id: "response-headers", text: Object.entries(call.response.headers).map(([k, v]) => `${k}: ${v}`).join("\n") }));
  parts.push(answer(call.response));
  const spec = el("details", { id: "spec" }, el("summary", { text: "The operation in the spec" }));
  parts.push(spec);
  detail.replaceChildren(...parts);
  $("copy-curl").addEventListener("click", () => copy(curl(call)));
  if (call.operation_id) {
    try {
      const op = await api(`/__mock/spec/operations/${encodeURIComponent(call.operation_id)}`);
      spec.append(el("p", { text: `${op.method} ${op.path}: ${op.summary || ""}` }), el("pre", { text: JSON.stringify(op.spec, null, 2) }));
      spec.open = violationCount(call) > 0;
    } catch (_) {
      spec.append(el("p", { class: "muted", text: "not found in the spec" }));
    }
  }
}

const IMAGE_PREFIXES = { "iVBORw0KGgo": "image/png", "/9j/": "image/jpeg", "UklGR": "image/webp" };

function imagesIn(value, found) {
  if (typeof value === "string" && value.length > 64) {
    for (const [prefix, type] of Object.entries(IMAGE_PREFIXES)) {
      if (value.startsWith(prefix)) found.push(`data:${type};base64,${value}`);
    }
  } else if (value && typeof value === "object") {
    for (const item of Object.values(value)) imagesIn(item, found);
  }
  return found;
}

function answer(response) {
  const box = el("div", { id: "response-body" });
  const type = (response.media_type || "").split(";")[0];
  if (response.truncated) box.append(el("p", { class: "muted", text: `an answer of ${response.size} bytes: the log keeps only its first part (images and audio are shown when whole)` }));
  if (type === "text/event-stream" && response.body !== null) {
    const events = response.body.split(/\r?\n\r?\n/).filter((e) => e.trim());
    box.append(el("p", { class: "muted", text: `${events.length} stream events` }));
    for (const event of events) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      box.append(el("pre", { class: "event", text: data ? pretty(data) : event }));
    }
    return box;
  }
  if (type.startsWith("image/") && response.body_base64 && !response.truncated) {
    box.append(el("img", { class: "answer", alt: "the answer's image", src: `data:${type};base64,${response.body_base64}` }));
    return box;
  }
  if (type.startsWith("audio/") && response.body_base64 && !response.truncated) {
    box.append(el("audio", { controls: "", src: `data:${type};base64,${response.body_base64}` }));
    return box;
  }
  if (response.body !== null) {
    box.append(el("pre", { text: type.endsWith("json") ? pretty(response.body) : response.body }));
    if (type.endsWith("json")) {
      try {
        for (const src of imagesIn(JSON.parse(response.body), [])) box.append(el("img", { class: "answer", alt: "an image in the answer", src }));
      } catch (_) { /* not JSON after all: shown as text above */ }
    }
  } else if (response.body_base64) {
    box.append(el("p", { class: "muted", text: `binary answer, ${response.size} bytes` }));
  } else if (response.streamed) {
    box.append(el("p", { class: "muted", text: "the stream has not ended yet: select the call again later" }));
  }
  return box;
}

// ---------------------------------------------------------------- copy as curl

// Headers curl sets itself, or that only describe the original client or its connection.
const SKIPPED = /^(host|content-length|connection|accept-encoding|user-agent|authorization|cookie|x-stainless-.*)$/i;

function quoted(text) {
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

function curl(call) {
  const url = location.origin + call.path + (call.query ? "?" + call.query : "");
  const lines = [`curl -sS -X ${call.method} ${quoted(url)}`];
  if ("authorization" in call.headers) lines.push(`-H "Authorization: Bearer $VENICE_API_KEY"`);
  for (const [name, value] of Object.entries(call.headers)) {
    if (!SKIPPED.test(name)) lines.push(`-H ${quoted(`${name}: ${value}`)}`);
  }
  if (call.body) lines.push(`--data-raw ${quoted(call.body)}`);
  return lines.join(" \\\n  ");
}

async function copy(text) {
  const button = $("copy-curl");
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch (_) {
    const area = el("textarea", {});
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    button.textContent = "copied (select the text if not)";
  }
}

// ---------------------------------------------------------------- the mock tab

function items(list, target, empty) {
  const ul = $(target);
  ul.replaceChildren(...(list.length ? list : [empty]).map((text) => el("li", { text })));
}

async function loadMock() {
  const [spec, config, scenarios, scripts] = await Promise.all([
    api("/__mock/spec"), api("/__mock/config"), api("/__mock/scenarios"), api("/__mock/scripts"),
  ]);
  $("spec-title").textContent = `${spec.title} ${spec.version} (OpenAPI ${spec.openapi}), ${spec.operations.length} operations under ${spec.base_path}; state: ${config.state}; seed ${config.seed}`;
  items(spec.warnings.map((w) => `${w.location}: ${w.message}`), "warnings", "none");
  items([...config.faults.map((f) => `fault ${f} (every answer)`), ...config.scenarios.map((s) => `scenario ${s}`)], "active", "none: answers follow the spec");
  items(scenarios.map((s) => `${s.name}: ${s.description}`), "scenarios", "none");
  items(scripts.map((s) => `${s.operation_id}: ${s.status ?? ""} (${s.remaining === null ? "every call" : s.remaining + " left"})`), "scripts", "none");
  noteOperations(spec.operations.map((o) => ({ operation_id: o.operation_id })));
}

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll(".tab, .panel")) other.classList.remove("active");
    tab.classList.add("active");
    $(tab.dataset.tab).classList.add("active");
    if (tab.dataset.tab === "mock") loadMock();
  });
}
for (const id of ["f-op", "f-status", "f-viol"]) $(id).addEventListener("change", renderList);
$("clear").addEventListener("click", async () => {
  await api("/__mock/requests", { method: "DELETE" });
  state.calls = [];
  renderList();
});

loadMock().catch(() => {});
poll();
setInterval(poll, 1000);
