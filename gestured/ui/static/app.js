// gestured's page: live state over server-sent events, changes as POSTs with the token.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const ACTIONS = ["key", "type", "shell"];
const HANDS = ["any", "left", "right"];
const VALUE_FIELDS = ["key", "type", "shell", "use_shell", "timeout", "value"];
let labels = [];
let bindings = [];
let lastTraining = null;

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Gestured-Token": TOKEN},
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (error) { data = {error: response.statusText}; }
  return {ok: response.ok, status: response.status, data};
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- live view --------------------------------------------------------------
function showLive(live) {
  const hand = live.hands[0];
  if (!hand) {
    $("current-gesture").textContent = "no hand";
    $("current-detail").textContent = live.frame === null ? "waiting for the first frame" : `frame ${live.frame}`;
  } else {
    $("current-gesture").textContent = hand.gesture.replace(/_/g, " ");
    $("current-detail").textContent = `${hand.hand} hand, confidence ${hand.confidence.toFixed(2)}`;
  }
  showBars(live.labels, hand ? hand.probabilities : {});
  showHolds(live.holds || []);
  if (live.labels.join() !== labels.join()) {
    labels = live.labels;
    fillGestureChoices();
  }
}

function showBars(names, probabilities) {
  const bars = $("bars");
  if (bars.dataset.names !== names.join()) {
    bars.replaceChildren(...names.map((name) => element("div", {class: "bar", "data-label": name},
      element("span", {class: "bar-name"}, name), element("span", {class: "bar-track"}, element("span", {class: "bar-fill"})),
      element("span", {class: "bar-value"}, ""))));
    bars.dataset.names = names.join();
  }
  for (const row of bars.children) {
    const value = probabilities[row.dataset.label] || 0;
    row.querySelector(".bar-fill").style.width = `${Math.round(value * 100)}%`;
    row.querySelector(".bar-value").textContent = value.toFixed(2);
    row.classList.toggle("top", value >= 0.5);
  }
}

function showHolds(holds) {
  $("holds").replaceChildren(...holds.map((hold) => {
    const parts = [`${hold.gesture}: holding ${hold.held.toFixed(2)} / ${hold.hold.toFixed(2)} s`];
    if (hold.steady !== undefined) parts.push(hold.steady ? "steady" : "moving");
    if (hold.armed !== undefined) parts.push(hold.armed ? "armed" : "not armed");
    if (hold.fired) parts.push("fired");
    return element("div", {class: "hold"}, parts.join(", "));
  }));
}

// ---- event log --------------------------------------------------------------
function addEvents(events) {
  const body = $("events");
  for (const event of events) {
    body.querySelector(".empty")?.remove();
    const time = new Date(event.wall * 1000).toLocaleTimeString();
    let ran = event.executed ? "yes" : "dry run";
    if (event.reason) ran = `${ran} (${event.reason})`;
    const row = element("tr", {class: "event", "data-gesture": event.gesture},
      element("td", {}, time), element("td", {}, event.gesture), element("td", {}, event.confidence.toFixed(2)),
      element("td", {}, event.action || "no action"), element("td", {}, ran));
    body.prepend(row);
    while (body.children.length > 50) body.lastChild.remove();
  }
}

// ---- bindings editor --------------------------------------------------------
function showBindings(view) {
  bindings = view.bindings;
  $("config-path").textContent = view.path;
  $("model-name").textContent = `model: ${view.model || "shipped"}`;
  $("binding-rows").replaceChildren(...bindings.map(bindingRow));
  fillGestureChoices();
}

function bindingRow(binding) {
  const select = (name, options, value) => element("select", {name},
    ...options.map((option) => element("option", {value: option, selected: option === value}, option)));
  const input = (name, value, size) => element("input", {name, value: value ?? "", size: String(size), autocomplete: "off"});
  const row = element("tr", {class: "binding", "data-gesture": binding.gesture},
    element("td", {class: "gesture"}, binding.gesture),
    element("td", {}, select("action", ACTIONS, binding.action || "key")),
    element("td", {}, input("value", binding.value, 18)),
    element("td", {}, input("hold", binding.hold, 4)),
    element("td", {}, input("threshold", binding.threshold, 4)),
    element("td", {}, input("repeat", binding.repeat, 4)),
    element("td", {}, select("hand", HANDS, binding.hand || "any")),
    element("td", {class: "buttons"},
      element("button", {type: "button", class: "save", onclick: () => saveBinding(row, binding)}, "Save"),
      element("button", {type: "button", class: "remove", onclick: () => removeBinding(binding.gesture)}, "Remove")));
  return row;
}

function number(text) {
  if (text.trim() === "") return null;
  const value = Number(text);
  return Number.isNaN(value) ? text : value;
}

async function saveBinding(row, binding) {
  const field = (name) => row.querySelector(`[name=${name}]`).value;
  const body = {gesture: binding.gesture, action: field("action"), value: field("value"),
    hold: number(field("hold")), threshold: number(field("threshold")), repeat: number(field("repeat")),
    hand: field("hand"), use_shell: binding.use_shell, timeout: binding.timeout, release: binding.release};
  clearProblems(row);
  if (body.action === "shell") {
    const sure = window.confirm(`"${binding.gesture}" will RUN COMMANDS on this computer:\n${body.value}\n\nSave this shell action?`);
    if (!sure) return;
    body.confirm_shell = true;
  }
  const {data} = await post("/api/bindings", body);
  if (data.saved) {
    showBindings(data.bindings);
    $("bindings-message").textContent = `saved ${binding.gesture}: ${body.action} ${body.value}`;
  } else if (data.problems) {
    showProblems(row, data.problems);
  } else {
    showProblems(row, [{field: "action", text: data.error}]);
  }
}

function clearProblems(row) {
  row.querySelectorAll(".problem").forEach((node) => node.remove());
  row.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
}

function showProblems(row, problems) {
  for (const problem of problems) {
    const name = VALUE_FIELDS.includes(problem.field) ? "value" : problem.field;
    const input = row.querySelector(`[name=${name}]`) || row.querySelector("[name=action]");
    input.classList.add("invalid");
    input.after(element("div", {class: "problem"}, problem.text));
  }
}

async function removeBinding(gesture) {
  const {data} = await post("/api/bindings/remove", {gesture});
  const message = data.saved ? `removed ${gesture}` : data.error || data.problems.map((problem) => problem.text).join("\n");
  if (data.saved) showBindings(data.bindings);
  $("bindings-message").textContent = message;
}

function fillGestureChoices() {
  const bound = new Set(bindings.map((binding) => binding.gesture));
  const free = labels.filter((label) => label !== "none" && !bound.has(label));
  const select = $("new-gesture");
  if (select.dataset.choices === free.join()) return;
  select.replaceChildren(...free.map((label) => element("option", {value: label}, label)));
  select.dataset.choices = free.join();
}

function addBinding() {
  const gesture = $("new-gesture").value;
  if (!gesture) return;
  const binding = {gesture, action: "key", value: ""};
  bindings.push(binding);
  const row = bindingRow(binding);
  $("binding-rows").append(row);
  row.querySelector("[name=value]").focus();
  fillGestureChoices();
}

// ---- teach ------------------------------------------------------------------
let recording = false;

async function startRecording() {
  if (recording) return;
  recording = true;
  $("record").classList.add("active");
  const {ok, data} = await post("/api/teach/start", {label: $("teach-label").value.trim()});
  if (!ok) { recording = false; $("record").classList.remove("active"); flash(data.error); }
}

async function stopRecording() {
  if (!recording) return;
  recording = false;
  $("record").classList.remove("active");
  const {data} = await post("/api/teach/stop");
  if (data.saved) flash(`saved ${data.samples} samples of ${data.label}`);
  else if (data.label) flash(`no samples of ${data.label}: no hand was found`);
}

function showTake(take) {
  if (!take) return;
  $("teach-count").textContent = `${take.samples} samples`;
  $("bad-sample").hidden = !(take.bad_sample && !take.done);
  const origin = take.origin === "live" ? "from the camera" : `from ${take.origin}`;
  let text = `${take.label} ${origin}: ${take.samples} samples of ${take.frames} frames (${take.missed} without a hand)`;
  if (take.done && take.saved) text += " – saved";
  if (take.error) text += ` – ${take.error}`;
  $("teach-status").textContent = text;
}

async function importSamples() {
  const {ok, data} = await post("/api/teach/import", {label: $("teach-label").value.trim(), path: $("teach-path").value.trim()});
  if (!ok) flash(data.error);
}

async function train() {
  const {ok, data} = await post("/api/train");
  if (!ok) flash(data.error);
}

function showTraining(training) {
  $("progress-bar").style.width = `${Math.round(training.progress * 100)}%`;
  $("train-step").textContent = training.state === "running" ? `${training.step}… ${training.message}` :
    training.state === "failed" ? `failed: ${training.message}` : "";
  $("train").disabled = training.state === "running";
  if (training.state === "done" && training.model !== lastTraining) {
    lastTraining = training.model;
    $("train-result").hidden = false;
    $("train-accuracy").textContent = `Cross-validated accuracy ${(training.accuracy * 100).toFixed(1)} % ` +
      `(balanced ${(training.balanced_accuracy * 100).toFixed(1)} %) on ${training.samples} samples; knows ${training.labels.join(", ")}.`;
    $("confusion").src = `/api/train/confusion.png?token=${encodeURIComponent(TOKEN)}&model=${encodeURIComponent(training.model)}`;
  }
}

async function useModel() {
  const {data} = await post("/api/model", {model: lastTraining});
  if (data.saved) {
    showBindings(data.bindings);
    flash("now using the new model: bind your gesture above");
  } else {
    flash(data.error || data.problems.map((problem) => problem.text).join("\n"));
  }
}

function flash(text) {
  $("teach-message").textContent = text || "";
}

// ---- wiring -----------------------------------------------------------------
function connect() {
  const stream = new EventSource(`/api/stream?token=${encodeURIComponent(TOKEN)}`);
  stream.onopen = () => { $("connection").textContent = "live"; $("connection").className = "pill live"; };
  stream.onerror = () => { $("connection").textContent = "disconnected"; $("connection").className = "pill down"; };
  stream.onmessage = (message) => {
    const data = JSON.parse(message.data);
    showLive(data.live);
    addEvents(data.events);
    showTake(data.teach);
    showTraining(data.training);
  };
}

async function start() {
  const response = await fetch(`/api/state?token=${encodeURIComponent(TOKEN)}`);
  const state = await response.json();
  labels = state.live.labels;
  showBindings(state.bindings);
  showLive(state.live);
  showTraining(state.training);
  connect();
  $("add-binding").onclick = addBinding;
  $("record").addEventListener("pointerdown", startRecording);
  for (const name of ["pointerup", "pointerleave", "pointercancel"]) $("record").addEventListener(name, stopRecording);
  document.addEventListener("keydown", (event) => {
    if (event.code === "Space" && !event.repeat && !["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(event.target.tagName)) {
      event.preventDefault();
      startRecording();
    }
  });
  document.addEventListener("keyup", (event) => { if (event.code === "Space") stopRecording(); });
  $("teach-import").onclick = importSamples;
  $("train").onclick = train;
  $("use-model").onclick = useModel;
}

start();
