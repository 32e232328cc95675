// trailwatch's page: plain JavaScript and SVG, no libraries, nothing fetched from elsewhere.
"use strict";

const $ = (selector) => document.querySelector(selector);
const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attributes = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.setAttribute("class", value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch (_) { json = { problem: text || response.statusText }; }
  return { status: response.status, json };
}

// ---- tabs -------------------------------------------------------------------------------
for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav button")) other.classList.toggle("active", other === button);
    for (const pane of document.querySelectorAll(".pane")) pane.classList.toggle("active", pane.id === "pane-" + button.dataset.tab);
    if (button.dataset.tab === "replay") loadFiles();
  });
}

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function loadFileInto(input, textarea, then) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { textarea.value = reader.result; then(); };
    reader.readAsText(file);
  });
}

// ---- the metric filter test pane --------------------------------------------------------
let testSequence = 0;

async function testPattern() {
  const sequence = ++testSequence;
  const pattern = $("#pattern").value;
  const events = $("#events").value;
  const { json } = await postJson("/api/test-pattern", { pattern, events });
  if (sequence !== testSequence) return; // a newer keystroke's answer will follow
  showDiagnosis($("#diagnosis"), $("#pattern"), pattern, json.error);
  showExplanation(json);
  showResults(json);
}

/// The caret diagnosis: the pattern with the fault marked, AWS's message and what was expected.
function showDiagnosis(box, textarea, pattern, error, code = "InvalidParameterException") {
  box.replaceChildren();
  textarea.classList.toggle("invalid", Boolean(error));
  if (!error) {
    box.className = "diagnosis ok";
    box.textContent = pattern.trim() === "" ? "empty pattern: every event matches" : "valid pattern";
    return;
  }
  box.className = "diagnosis error";
  const start = Math.min(error.start, pattern.length);
  const end = Math.max(start + 1, Math.min(error.end, pattern.length));
  const lineStart = pattern.lastIndexOf("\n", start - 1) + 1;
  let lineEnd = pattern.indexOf("\n", start);
  if (lineEnd < 0) lineEnd = pattern.length;
  const line = pattern.slice(lineStart, lineEnd);
  const column = start - lineStart;
  const width = Math.max(1, Math.min(end, lineEnd) - start);
  const pre = el("pre", {},
    el("span", { text: line.slice(0, column) }),
    el("span", { class: "fault", text: line.slice(column, column + width) || " " }),
    el("span", { text: line.slice(column + width) }),
    "\n",
    el("span", { class: "caret", text: " ".repeat(column) + "^".repeat(width) + (error.expected ? " " + (code === "InvalidParameterException" ? "expected " : "") + error.expected : "") }));
  box.append(el("div", { class: "aws-message", text: code + ": " + error.awsMessage }), pre);
}

function showExplanation(answer) {
  const meta = $("#explain-meta");
  const tree = $("#explain");
  meta.replaceChildren();
  tree.replaceChildren();
  if (answer.error || answer.problem) {
    tree.append(el("li", { class: "muted", text: answer.problem || "(fix the pattern to see how it reads)" }));
    return;
  }
  for (const [name, value] of [["kind", answer.kind], ["normalised", answer.normalised || "(empty)"],
    ["prefilter", answer.prefilter], ["evaluation", answer.evaluation]]) {
    meta.append(el("dt", { text: name }), el("dd", { text: value }));
  }
  for (const [depth, line] of answer.explain) {
    tree.append(el("li", { style: `padding-left: ${depth * 1.2}rem`, text: (depth ? "└ " : "") + line }));
  }
}

function showResults(answer) {
  const list = $("#results");
  list.replaceChildren();
  const events = answer.events || [];
  const summary = $("#summary");
  if (answer.problem) summary.textContent = answer.problem;
  else if (answer.error) summary.textContent = `${events.length} event(s); the pattern is invalid`;
  else summary.textContent = `${answer.matched} of ${events.length} event(s) match`;
  if (answer.rejected && answer.rejected.length) summary.textContent += ` · ${answer.rejected.length} record(s) not read: ${answer.rejected[0]}`;
  for (const event of events) {
    const item = el("li", { class: event.matched ? "match" : "nomatch" },
      el("span", { class: "number", text: "#" + event.number }), el("span", { class: "message", text: event.message }));
    if (event.matched && event.extractedValues.length) {
      const table = el("table", { class: "extracted" });
      for (const [name, value] of event.extractedValues) {
        table.append(el("tr", {}, el("td", { class: "name", text: name }), el("td", { class: "value", text: value })));
      }
      item.append(table);
    }
    list.append(item);
  }
}

const retest = debounce(testPattern, 120);
$("#pattern").addEventListener("input", retest);
$("#events").addEventListener("input", retest);
loadFileInto($("#events-file"), $("#events"), retest);
testPattern();

// ---- the EventBridge pane -----------------------------------------------------------------
let eventSequence = 0;

async function testEventPattern() {
  const sequence = ++eventSequence;
  const { json } = await postJson("/api/test-event-pattern", { pattern: $("#ev-pattern").value, events: $("#ev-events").value });
  if (sequence !== eventSequence) return;
  const box = $("#ev-diagnosis");
  const list = $("#ev-results");
  list.replaceChildren();
  if (json.problem) { box.className = "diagnosis"; box.textContent = json.problem; $("#ev-summary").textContent = ""; return; }
  showDiagnosis(box, $("#ev-pattern"), $("#ev-pattern").value, json.error, "InvalidEventPatternException");
  const events = json.events || [];
  const matched = events.filter((e) => e.matched).length;
  $("#ev-summary").textContent = json.error ? `${events.length} event(s)` : `${matched} of ${events.length} event(s) match`;
  for (const event of events) {
    const item = el("li", { class: event.matched ? "match" : "nomatch" },
      el("span", { class: "number", text: "#" + event.number }), el("span", { class: "message", text: event.message }));
    if (event.problem) item.append(el("div", { class: "state-ALARM", text: event.problem }));
    list.append(item);
  }
}

const retestEvents = debounce(testEventPattern, 150);
$("#ev-pattern").addEventListener("input", retestEvents);
$("#ev-events").addEventListener("input", retestEvents);
loadFileInto($("#ev-events-file"), $("#ev-events"), retestEvents);

// ---- replay -------------------------------------------------------------------------------
let filesLoaded = false;

async function loadFiles() {
  if (filesLoaded) return;
  const response = await fetch("/api/files");
  const listing = await response.json();
  if (listing.problem) { $("#replay-status").textContent = listing.problem; return; }
  filesLoaded = true;
  $("#replay-root").textContent = `Files under ${listing.root}` + (listing.truncated ? " (list truncated)" : "");
  const templates = $("#replay-template");
  const archives = $("#replay-archive");
  templates.replaceChildren();
  archives.replaceChildren();
  const packs = el("optgroup", { label: "built-in packs" });
  packs.append(el("option", { value: "pack:cis", text: "CIS AWS Foundations (cis)" }),
    el("option", { value: "pack:securityhub", text: "Security Hub CloudWatch.1-14 (securityhub)" }));
  const fileGroup = el("optgroup", { label: "templates under the root" });
  for (const entry of listing.entries) {
    const path = entry.path;
    if (entry.kind === "file" && /\.(json|ya?ml|template)$/i.test(path)) fileGroup.append(el("option", { value: "file:" + path, text: path }));
    if (entry.kind === "dir" && /cdk\.out$/.test(path)) fileGroup.append(el("option", { value: "file:" + path, text: path + "/" }));
    archives.append(el("option", { value: path, text: entry.kind === "dir" ? path + "/" : path }));
  }
  templates.append(fileGroup, packs);
}

$("#replay-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const request = { templates: [], packs: [], inputs: [$("#replay-archive").value], region: $("#replay-region").value.trim() };
  for (const option of $("#replay-template").selectedOptions) {
    if (option.value.startsWith("pack:")) request.packs.push(option.value.slice(5));
    else request.templates.push(option.value.slice(5));
  }
  $("#replay-status").textContent = "replaying…";
  $("#replay-alarms").replaceChildren();
  const started = performance.now();
  const { json } = await postJson("/api/replay", request);
  if (json.problem) { $("#replay-status").textContent = json.problem; return; }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const fired = json.alarms.filter((a) => a.timesFired > 0).length;
  $("#replay-status").textContent = `${json.alarms.length} alarm(s), ${fired} fired · ${seconds} s`;
  const a = json.accounting;
  $("#replay-accounting").textContent = `${a.filesRead ?? ""} file(s) · ${a.recordsRead} record(s) read, ${a.rejected} rejected`
    + (json.notes && json.notes.length ? ` · notes: ${json.notes.join("; ")}` : "");
  const deliveryTimes = (json.deliveries || []).map((d) => Date.parse(d.time)).filter((t) => !Number.isNaN(t));
  for (const alarm of json.alarms) $("#replay-alarms").append(alarmCard(alarm, json.from, json.to, deliveryTimes));
  if (!json.alarms.length) $("#replay-alarms").append(el("p", { class: "muted", text: "no alarm in this configuration" }));
  showDeliveries(json);
});

/// The rules' deliveries beside the charts: per rule its counts, then each delivery (the
/// first ones; all are counted) with the target and what it received.
function showDeliveries(json) {
  const box = $("#replay-deliveries");
  box.replaceChildren();
  const rules = json.accounting.rules || [];
  if (!rules.length) return; // no rules: the charts take the whole width
  box.append(el("h2", { text: "EventBridge deliveries" }));
  const table = el("table", { class: "rule-counts" },
    el("tr", {}, el("th", { text: "rule" }), el("th", { text: "matched" }), el("th", { text: "delivered" }), el("th", { text: "not received" })));
  for (const rule of rules) {
    table.append(el("tr", {}, el("td", { text: rule.ruleName }), el("td", { text: rule.matched }),
      el("td", { text: rule.delivered }), el("td", { text: rule.notReceived })));
  }
  box.append(table);
  const shown = json.deliveries.length;
  box.append(el("p", { class: "muted", text: shown < json.deliveriesTotal
    ? `the first ${shown} of ${json.deliveriesTotal} deliveries` : `${shown} deliveries` }));
  const list = el("div", { class: "delivery-list" });
  for (const delivery of json.deliveries) {
    const input = typeof delivery.input === "string" ? delivery.input : JSON.stringify(delivery.input, null, 2);
    list.append(el("details", { class: "delivery" },
      el("summary", {}, `${delivery.time.replace("T", " ")} `, el("b", { text: delivery.rule }), ` → ${delivery.target.id}`),
      el("div", { class: "muted", text: delivery.target.arn }),
      el("pre", { class: "input", text: input })));
  }
  box.append(list);
}

const STATE_COLOURS = { ALARM: "#d13c3c", OK: "#2e9d57", INSUFFICIENT_DATA: "#9aa1ad" };

function utc(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.000Z$/, "Z").replace(/:00Z$/, "Z");
}

function alarmCard(alarm, from, to, deliveryTimes) {
  const card = el("div", { class: "alarm-card", "data-alarm": alarm.name });
  card.append(el("h2", { text: alarm.name }),
    el("div", { class: "muted", text: `${alarm.statistic} of ${alarm.namespace}/${alarm.metricName} over ${alarm.period} s · `
      + `ALARM when ${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm ?? alarm.evaluationPeriods} of ${alarm.evaluationPeriods} period(s)`
      + ` · fired ${alarm.timesFired} time(s)`
      + (alarm.columnMinutes > 1 ? ` · each ${alarm.columnMinutes} min summarised (lowest to highest)` : "") }));
  const columns = el("div", { class: "columns" });
  const chartBox = el("div", { class: "chart" });
  columns.append(chartBox, changesList(alarm));
  card.append(columns);
  new AlarmChart(chartBox, alarm, from, to, deliveryTimes);
  return card;
}

function changesList(alarm) {
  const box = el("div", { class: "changes" }, el("h2", { text: "State changes and SNS messages" }));
  if (!alarm.changes.length) box.append(el("p", { class: "muted", text: "no state change" }));
  else if (alarm.changesTotal > alarm.changes.length) box.append(el("p", { class: "muted", text: `the first ${alarm.changes.length} of ${alarm.changesTotal} state changes` }));
  for (const change of alarm.changes) {
    let pretty = change.message;
    try { pretty = JSON.stringify(JSON.parse(change.message), null, 2); } catch (_) { /* keep as sent */ }
    box.append(el("details", {},
      el("summary", {}, `${utc(change.time)} `, el("span", { class: "state-" + change.old, text: change.old }), " → ",
        el("span", { class: "state-" + change.new, text: change.new })),
      el("p", { text: change.reason }),
      el("pre", { class: "sns", text: pretty })));
  }
  return box;
}

const TIME_STEPS = [60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3,
  2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3, 91 * 86400e3, 182 * 86400e3, 365 * 86400e3];

/// An interactive chart: wheel to zoom around the pointer, drag to pan, double-click to
/// show everything. The threshold is always inside the value range; states are bands.
class AlarmChart {
  constructor(box, alarm, from, to, deliveryTimes = []) {
    this.alarm = alarm;
    this.deliveryTimes = deliveryTimes;
    this.from = from;
    this.to = Math.max(to, from + 60e3);
    this.view = [this.from, this.to];
    this.width = 900;
    this.height = 320;
    this.margin = { left: 56, right: 16, top: 18, bottom: 34 };
    const tools = el("div", { class: "chart-tools" });
    const button = (label, action) => { const b = el("button", { type: "button", text: label }); b.addEventListener("click", action); tools.append(b); return b; };
    button("zoom in", () => this.zoom(0.5, 0.5));
    button("zoom out", () => this.zoom(2, 0.5));
    button("show all", () => { this.view = [this.from, this.to]; this.draw(); });
    const firstAlarm = alarm.states.find((s) => s.state === "ALARM");
    if (firstAlarm) button("first ALARM", () => this.focus(firstAlarm.from, firstAlarm.to));
    this.svg = el("svg:svg", { viewBox: `0 0 ${this.width} ${this.height}`, role: "img",
      "aria-label": `chart of ${alarm.name}` });
    const legend = el("div", { class: "legend" });
    for (const [state, colour] of Object.entries(STATE_COLOURS)) legend.append(el("span", {}, el("i", { style: `background:${colour};opacity:.35` }), state));
    legend.append(el("span", {}, el("i", { style: "background:#2962c9;height:3px" }), `${alarm.statistic} per ${alarm.period} s window`),
      el("span", {}, el("i", { style: "background:#1d2330;height:2px" }), `threshold ${alarm.threshold}`));
    if (deliveryTimes.length) legend.append(el("span", {}, el("i", { style: "background:#8a4fbf;width:3px" }), "EventBridge delivery"));
    box.append(tools, this.svg, legend);
    this.listen();
    this.draw();
  }

  x(t) { const [a, b] = this.view; return this.margin.left + (t - a) / (b - a) * (this.width - this.margin.left - this.margin.right); }
  t(x) { const [a, b] = this.view; return a + (x - this.margin.left) / (this.width - this.margin.left - this.margin.right) * (b - a); }
  y(v) { return this.margin.top + (1 - (v - this.low) / (this.high - this.low)) * (this.height - this.margin.top - this.margin.bottom); }

  focus(start, end) {
    const pad = Math.max(10 * 60e3, (end - start) * 0.5);
    this.view = [Math.max(this.from, start - pad), Math.min(this.to, end + pad)];
    this.draw();
  }

  zoom(factor, at) {
    const [a, b] = this.view;
    const centre = a + (b - a) * at;
    const span = Math.min(this.to - this.from, Math.max(5 * 60e3, (b - a) * factor));
    let start = centre - span * at;
    start = Math.min(Math.max(start, this.from), this.to - span);
    this.view = [start, start + span];
    this.draw();
  }

  svgX(event) {
    const box = this.svg.getBoundingClientRect();
    return (event.clientX - box.left) / box.width * this.width;
  }

  listen() {
    this.svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const at = Math.min(1, Math.max(0, (this.svgX(event) - this.margin.left) / (this.width - this.margin.left - this.margin.right)));
      this.zoom(event.deltaY < 0 ? 0.8 : 1.25, at);
    }, { passive: false });
    let drag = null;
    this.svg.addEventListener("mousedown", (event) => { drag = { x: this.svgX(event), view: [...this.view] }; this.svg.classList.add("dragging"); });
    window.addEventListener("mouseup", () => { drag = null; this.svg.classList.remove("dragging"); });
    this.svg.addEventListener("mousemove", (event) => {
      if (drag) {
        const [a, b] = drag.view;
        const shift = (drag.x - this.svgX(event)) / (this.width - this.margin.left - this.margin.right) * (b - a);
        const start = Math.min(Math.max(a + shift, this.from), this.to - (b - a));
        this.view = [start, start + (b - a)];
        this.draw();
      }
      this.hover(event);
    });
    this.svg.addEventListener("mouseleave", () => { $("#tooltip").hidden = true; this.marker && this.marker.remove(); });
    this.svg.addEventListener("dblclick", () => { this.view = [this.from, this.to]; this.draw(); });
  }

  visiblePoints() {
    const [a, b] = this.view;
    return this.alarm.points.filter(([t]) => t >= a && t <= b);
  }

  draw() {
    const alarm = this.alarm;
    const points = this.visiblePoints();
    const values = points.map(([, v]) => v);
    const threshold = alarm.threshold ?? 0;
    // The threshold is always in range, with room above the highest point.
    this.low = Math.min(0, threshold, ...values);
    this.high = Math.max(threshold, ...values, this.low + 1);
    this.high += (this.high - this.low) * 0.12;
    const svg = this.svg;
    svg.replaceChildren();
    const [a, b] = this.view;
    const left = this.margin.left, right = this.width - this.margin.right;
    const top = this.margin.top, bottom = this.height - this.margin.bottom;
    const clip = el("svg:clipPath", { id: "clip-" + cssId(alarm.name) }, el("svg:rect", { x: left, y: 0, width: right - left, height: this.height }));
    svg.append(el("svg:defs", {}, clip));
    const plot = el("svg:g", { "clip-path": `url(#clip-${cssId(alarm.name)})` });
    // State bands: a faint full-height band and a solid strip along the top, one per run of
    // pixels in one state; a pixel holding several shows ALARM if it holds any, else the
    // state it holds longest (as the SVG charts do per column).
    for (const [x0, x1, state] of this.pixelStates(a, b, left, right)) {
      const colour = STATE_COLOURS[state];
      plot.append(el("svg:rect", { class: "band band-" + state, x: x0, y: top, width: x1 - x0, height: bottom - top, fill: colour, "fill-opacity": state === "ALARM" ? 0.18 : 0.07 }),
        el("svg:rect", { class: "strip", x: x0, y: 2, width: x1 - x0, height: 10, fill: colour }));
    }
    // Datapoints: one path per run of consecutive minutes (a gap is no data); a summarised
    // column's points (first, lowest, highest, last) are joined within their column. A point
    // joined to neither neighbour gets a dot, so lone datapoints show.
    const width = Math.max(1, alarm.columnMinutes || 1) * 60e3;
    const column = (t) => Math.floor((t - this.from) / width);
    const joins = (p, q) => q[0] - p[0] <= 60e3 || (width > 60e3 && column(p[0]) === column(q[0]));
    let d = "";
    points.forEach((point, i) => {
      const joined = i > 0 && joins(points[i - 1], point);
      d += (joined ? "L" : "M") + this.x(point[0]).toFixed(1) + " " + this.y(point[1]).toFixed(1);
      const alone = !joined && !(i + 1 < points.length && joins(point, points[i + 1]));
      if (alone || points.length <= 400) {
        plot.append(el("svg:circle", { class: "point", cx: this.x(point[0]), cy: this.y(point[1]), r: 2.5, fill: "#2962c9" }));
      }
    });
    plot.append(el("svg:path", { class: "series", d, fill: "none", stroke: "#2962c9", "stroke-width": 1.8 }));
    // Rule deliveries as marks along the bottom (the list is beside the charts).
    for (const t of this.deliveryTimes) {
      if (t < a || t > b) continue;
      const x = this.x(t);
      plot.append(el("svg:line", { class: "delivery", x1: x, x2: x, y1: bottom - 8, y2: bottom, stroke: "#8a4fbf", "stroke-width": 1.5 }));
    }
    // The threshold across the whole width, labelled.
    const ty = this.y(threshold);
    plot.append(el("svg:line", { class: "threshold", x1: left, x2: right, y1: ty, y2: ty, stroke: "#1d2330", "stroke-width": 1.5, "stroke-dasharray": "6 3" }));
    svg.append(plot, el("svg:text", { x: right - 4, y: ty - 4, "text-anchor": "end", "font-size": 11, fill: "#1d2330", text: `threshold ${threshold}` }));
    this.axes(a, b, left, right, top, bottom);
    this.marker = null;
  }

  /// The states in view as runs of whole pixels: [x0, x1, state].
  pixelStates(a, b, left, right) {
    const pixels = Math.max(1, Math.ceil(right - left));
    const time = Array.from({ length: pixels }, () => [0, 0, 0]);
    const slot = { ALARM: 0, OK: 1, INSUFFICIENT_DATA: 2 };
    for (const span of this.alarm.states) {
      if (span.to <= a || span.from >= b) continue;
      const x0 = this.x(Math.max(span.from, a)) - left, x1 = this.x(Math.min(span.to, b)) - left;
      for (let p = Math.max(0, Math.floor(x0)); p < Math.min(pixels, Math.ceil(x1)); p++) {
        time[p][slot[span.state]] += Math.max(Math.min(x1, p + 1) - Math.max(x0, p), 1e-9);
      }
    }
    const runs = [];
    time.forEach(([alarm, ok, insufficient], p) => {
      if (alarm + ok + insufficient === 0) return;
      const state = alarm > 0 ? "ALARM" : ok > insufficient ? "OK" : "INSUFFICIENT_DATA";
      const last = runs[runs.length - 1];
      if (last && last[2] === state && last[1] === left + p) last[1] = left + p + 1;
      else runs.push([left + p, left + p + 1, state]);
    });
    return runs;
  }

  axes(a, b, left, right, top, bottom) {
    const axis = el("svg:g", { class: "axis" });
    axis.append(el("svg:line", { x1: left, x2: right, y1: bottom, y2: bottom }), el("svg:line", { x1: left, x2: left, y1: top, y2: bottom }));
    const step = TIME_STEPS.find((s) => (b - a) / s <= 8) || TIME_STEPS[TIME_STEPS.length - 1];
    const dayOrMore = step >= 86400e3;
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) {
      const x = this.x(t);
      const iso = new Date(t).toISOString();
      const label = dayOrMore ? iso.slice(0, 10) : iso.slice(5, 10) + " " + iso.slice(11, 16);
      axis.append(el("svg:line", { x1: x, x2: x, y1: bottom, y2: bottom + 4 }), el("svg:text", { x, y: bottom + 16, "text-anchor": "middle", text: label }));
    }
    axis.append(el("svg:text", { x: right, y: bottom + 30, "text-anchor": "end", text: `UTC · ${utc(a)} to ${utc(b)}` }));
    const span = this.high - this.low;
    const raw = span / 5;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const ystep = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || raw;
    for (let v = Math.ceil(this.low / ystep) * ystep; v <= this.high; v += ystep) {
      const y = this.y(v);
      axis.append(el("svg:line", { x1: left - 4, x2: left, y1: y, y2: y }),
        el("svg:text", { x: left - 6, y: y + 4, "text-anchor": "end", text: +v.toPrecision(6) + "" }));
    }
    this.svg.append(axis);
  }

  hover(event) {
    const points = this.visiblePoints();
    const tooltip = $("#tooltip");
    if (!points.length) { tooltip.hidden = true; return; }
    const t = this.t(this.svgX(event));
    let best = points[0];
    for (const p of points) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
    const state = this.alarm.states.find((s) => s.from <= best[0] && best[0] < s.to);
    tooltip.textContent = `${utc(best[0])}\n${this.alarm.statistic}: ${best[1]}\nstate: ${state ? state.state : "?"}`;
    tooltip.style.left = event.clientX + 12 + "px";
    tooltip.style.top = event.clientY + 12 + "px";
    tooltip.hidden = false;
    if (this.marker) this.marker.remove();
    this.marker = el("svg:circle", { class: "hovered", cx: this.x(best[0]), cy: this.y(best[1]), r: 5, fill: "none", stroke: "#1d2330", "stroke-width": 2 });
    this.svg.append(this.marker);
  }
}

function cssId(text) {
  let hash = 0;
  for (const c of text) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return "a" + hash.toString(36);
}
