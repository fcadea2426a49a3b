// The playground: POST /invoke with "stream": true and show the answer as its deltas arrive.
// Whatever the server or the model wrote goes into the page as text (textContent, Text nodes),
// never as HTML. The API key lives in its input field only: gone when the tab closes.
"use strict";

const $ = (id) => document.getElementById(id);
const history = []; // the finished turns, sent as `messages`: user, assistant, user, ...
let running = null; // the AbortController of the request in flight, if any

// Keeps the newest text in view, unless the reader has scrolled up to read something earlier.
function follow(write) {
  const box = $("conversation");
  const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  write();
  if (atEnd) box.scrollTop = box.scrollHeight;
}

function turn(role, text) {
  const box = document.createElement("div");
  box.className = `turn ${role}`;
  const label = document.createElement("div");
  label.className = "role";
  label.textContent = role === "user" ? "You" : "Model";
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  box.append(label, body);
  follow(() => $("conversation").append(box));
  return box;
}

function span(className, text) {
  const part = document.createElement("span");
  part.className = className;
  part.textContent = text;
  return part;
}

// A line under an answer; its parts are elements or strings (which append() makes Text nodes).
function note(box, className, ...parts) {
  const line = document.createElement("div");
  line.className = className;
  line.append(...parts);
  follow(() => box.append(line));
}

function showError(box, status, error) {
  const code = status ? `${status} ${error.code}` : error.code;
  note(box, "error", span("code", code), span("message", String(error.message)));
}

function requestBody(prompt) {
  const body = { messages: [...history, { role: "user", content: prompt }], stream: true };
  const system = $("system").value;
  if (system.trim()) body.system = system;
  const maxTokens = $("max-tokens").value;
  if (maxTokens !== "") body.max_tokens = Number(maxTokens);
  const temperature = $("temperature").value;
  if (temperature !== "") body.temperature = Number(temperature);
  return body;
}

// The error body of a refused request: the API's own shape, or the status line when there is none.
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.code) return body.error;
  } catch (ignored) { /* not JSON: described by its status below */ }
  return { code: "http_error", message: response.statusText || "the server refused the request" };
}

// Server-sent events, one {name, data} per event; comments (": ...") are skipped.
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).replace(/^ /, "");
      }
      if (data) yield { name, data: JSON.parse(data) };
    }
  }
}

function describe(done, firstTokenMs) {
  const usage = done.usage || {};
  const parts = [done.model, `stop: ${done.stop_reason}`,
    `tokens in ${usage.input_tokens ?? "?"} / out ${usage.output_tokens ?? "?"}`];
  if (firstTokenMs !== null) parts.push(`first token ${Math.round(firstTokenMs)} ms`);
  return parts.join(" · ");
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("clear").disabled = busy;
  $("stop").disabled = !busy;
  document.body.dataset.state = busy ? "busy" : "idle";
}

async function send() {
  const prompt = $("prompt").value;
  if (running || !prompt.trim()) return;
  const body = requestBody(prompt);
  $("prompt").value = "";
  turn("user", prompt);
  const answer = turn("assistant", "");
  const text = answer.querySelector(".text");
  const controller = new AbortController();
  running = controller;
  setBusy(true);
  const started = performance.now();
  let firstTokenMs = null;
  let finished = null;
  try {
    const headers = { "Content-Type": "application/json" };
    const key = $("key").value.trim();
    if (key) headers["x-api-key"] = key;
    const response = await fetch("invoke", {
      method: "POST", headers, body: JSON.stringify(body), signal: controller.signal,
    });
    const type = response.headers.get("content-type") || "";
    if (!response.ok || !type.startsWith("text/event-stream")) {
      showError(answer, response.status, await errorOf(response));
      return;
    }
    for await (const event of events(response)) {
      if (event.name === "delta") {
        if (firstTokenMs === null) firstTokenMs = performance.now() - started;
        follow(() => text.append(event.data.text)); // a Text node: markup in the answer stays text
      } else if (event.name === "done") {
        finished = event.data;
      } else if (event.name === "error") {
        showError(answer, null, event.data.error);
        return;
      }
    }
    if (finished === null) {
      showError(answer, null, { code: "stream_cut", message: "the answer ended without its done event" });
      return;
    }
    history.push({ role: "user", content: prompt }, { role: "assistant", content: text.textContent });
    note(answer, "meta", describe(finished, firstTokenMs));
  } catch (error) {
    if (error.name === "AbortError") {
      note(answer, "stopped", "Stopped: this exchange is left out of the conversation.");
    } else {
      showError(answer, null, { code: "network_error", message: error.message || String(error) });
    }
  } finally {
    running = null;
    setBusy(false);
    $("prompt").focus();
  }
}

$("send").addEventListener("click", send);
$("stop").addEventListener("click", () => running && running.abort());
$("clear").addEventListener("click", () => {
  history.length = 0;
  $("conversation").replaceChildren();
});
$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
setBusy(false);
