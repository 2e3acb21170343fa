/**
 * The presenter's side of a class: "Start a class" creates a room, the panel shows its code (large, for
 * the back row), join link, QR code and audience; the page's view state is published whenever it
 * changes (debounced); "Ask the room" puts a question about the selected node and shows the answers as a
 * histogram; "Reveal" marks the true value. The room's token stays in sessionStorage, so a reload
 * presents again.
 */
import { formatNumber } from "../shared/format.js";
import { makeElement } from "./dom.js";
import { createHistogramView } from "./histogram-view.js";
import { STORAGE_KEY, askPrompt, emptyRoom, readPresenter, reduceRoom, stateMessage } from "./protocol.js";
import { connectRoom } from "./socket.js";

/** Wait after the last change before the view is sent: a burst of changes goes as one state. */
export const PUBLISH_DEBOUNCE_MS = 100;

const PANEL = `
  <div class="class-head">
    <h2>Class <span class="class-code-small"></span></h2>
    <button type="button" class="class-fold" aria-expanded="true">Hide code</button>
  </div>
  <div class="class-join">
    <p class="class-code" aria-label="class code"></p>
    <p class="class-join-text"><span class="class-join-hint">Join at</span> <span class="class-url"></span></p>
    <img class="class-qr" alt="QR code of the join link">
  </div>
  <p class="class-note" role="status" hidden></p>
  <div class="class-ask">
    <button type="button" class="class-ask-button">Ask the room</button>
    <span class="class-ask-why muted"></span>
  </div>
  <div class="class-question covers-graph" hidden>
    <p class="class-prompt"></p>
    <div class="class-histogram-host"></div>
    <p class="class-tally" aria-live="polite"></p>
    <div class="class-question-actions">
      <button type="button" class="class-reveal">Reveal</button>
      <button type="button" class="class-close-question">Close question</button>
    </div>
  </div>
  <p class="class-conn" role="status"></p>
  <div class="class-foot">
    <span class="class-audience" aria-live="polite"></span>
    <button type="button" class="class-end">End class</button>
  </div>`;

/**
 * Present from this page. `page`: "stepper" or "studio"; `query()` the view state (the URL's);
 * `askable()` → {question: {node, label, truth} | null, why} (absent: no questions on this page);
 * `button` the "Start a class" button. Returns {changed()} for the page to call on every change.
 */
export function startPresenting({ page, api, query, askable = null, button, storage = globalThis.sessionStorage, host = document.body, timers = globalThis }) {
  // while a question is open the panel is the histogram's own region (classroom.css): a graph it overlaps
  // refits around it (views/graph.js reads --covers of a covers-graph element; the question's showing and
  // hiding is what tells the graph to fit again)
  const panel = makeElement("section", "class-panel covers-graph", "Class", PANEL);
  panel.hidden = true;
  host.append(panel);
  const $ = (s) => panel.querySelector(s);
  const histogram = createHistogramView($(".class-histogram-host"));
  const s = { conn: null, room: null, saved: null, timer: null, sent: null, truth: null, connected: false };

  button.addEventListener("click", () => (s.room ? setFolded(!panel.classList.contains("folded")) : start()));
  $(".class-fold").addEventListener("click", () => setFolded(!panel.classList.contains("folded")));
  $(".class-end").addEventListener("click", () => end());
  $(".class-ask-button").addEventListener("click", () => ask());
  $(".class-reveal").addEventListener("click", () => reveal());
  $(".class-close-question").addEventListener("click", () => closeQuestion());

  const resumed = readPresenter(storage?.getItem(STORAGE_KEY));
  if (resumed) open(resumed, { folded: true });

  async function start() {
    button.disabled = true;
    try {
      const r = await api.request("POST", "/rooms", { body: {} });
      const saved = { code: r.code, token: r.presenter_token, joinUrl: r.join_url };
      storage?.setItem(STORAGE_KEY, JSON.stringify(saved));
      open(saved, { folded: false });
    } catch (err) {
      panel.hidden = false;
      note(`The class could not start: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  function open(saved, { folded }) {
    s.saved = saved;
    s.room = emptyRoom(saved.code, "presenter");
    s.sent = null;
    const url = new URL(saved.joinUrl || `/join/${saved.code}`, location.href);
    $(".class-url").textContent = `${url.host}${url.pathname}`;
    $(".class-code").textContent = saved.code;
    $(".class-code-small").textContent = saved.code;
    $(".class-qr").src = `/api/v1/rooms/${encodeURIComponent(saved.code)}/qr.svg`;
    note(null);
    setFolded(folded);
    panel.hidden = false;
    button.setAttribute("aria-pressed", "true");
    document.body.dataset.classRole = "presenter";
    s.conn = connectRoom(saved.code, { token: saved.token, onMessage, onStatus });
    render();
  }

  function onMessage(msg) {
    if (msg.type === "error") note(msg.message);
    s.room = reduceRoom(s.room, msg).room;
    if (msg.type === "hello") {
      s.sent = null; // the room may hold an older view (a reload): send ours
      publish();
    }
    render();
  }

  function onStatus({ connected, message, ended }) {
    s.connected = connected;
    if (ended) {
      close();
      panel.hidden = false;
      note(message);
      timers.setTimeout(() => { if (!s.room) panel.hidden = true; }, 10_000);
      return;
    }
    $(".class-conn").textContent = connected ? "" : message ?? "Disconnected";
    render();
  }

  function setFolded(folded) {
    panel.classList.toggle("folded", folded);
    $(".class-fold").setAttribute("aria-expanded", String(!folded));
    $(".class-fold").textContent = folded ? "Show code" : "Hide code";
  }

  function note(text) {
    $(".class-note").hidden = !text;
    $(".class-note").textContent = text ?? "";
  }

  /** Send the view now if it changed since the last one sent. */
  function publish() {
    timers.clearTimeout(s.timer);
    s.timer = null;
    if (!s.conn) return;
    const q = query();
    if (q === null || q === s.sent) return;
    const text = stateMessage(page, q);
    if (!text) return note("This view is too large to share with the class; followers keep the last one.");
    if (s.conn.send(text)) s.sent = q;
  }

  function changed() {
    if (!s.conn) return;
    timers.clearTimeout(s.timer);
    s.timer = timers.setTimeout(publish, PUBLISH_DEBOUNCE_MS);
    renderAsk();
  }

  function ask() {
    const { question } = askable?.() ?? {};
    if (!question || !s.conn) return;
    const prompt = askPrompt(question.label);
    if (!s.conn.send({ type: "ask", node: question.node, label: question.label, prompt })) return;
    s.truth = question.truth;
    setFolded(true); // the answers need the room; the code is one click away
    s.room = { ...s.room, question: { id: null, node: question.node, label: question.label, prompt }, answers: null, reveal: null };
    render();
  }

  /** The true value of the open question: kept when it was asked, else (after a reload) from the page. */
  function truthOf(q) {
    if (Number.isFinite(s.truth)) return s.truth;
    const again = askable?.().question;
    return again && again.node === q.node ? again.truth : null;
  }

  function reveal() {
    const q = s.room?.question;
    const truth = q ? truthOf(q) : null;
    if (!q || q.id === null || truth === null) return;
    s.conn.send({ type: "reveal", id: q.id, value: truth });
  }

  function closeQuestion() {
    s.conn?.send({ type: "close_question" });
    s.room = { ...s.room, question: null, answers: null, reveal: null };
    s.truth = null;
    render();
  }

  async function end() {
    const saved = s.saved;
    close();
    panel.hidden = true;
    if (saved) await api.request("DELETE", `/rooms/${encodeURIComponent(saved.code)}`, { token: saved.token }).catch(() => {});
  }

  function close() {
    s.conn?.close();
    timers.clearTimeout(s.timer);
    Object.assign(s, { conn: null, room: null, saved: null, truth: null, connected: false });
    storage?.removeItem(STORAGE_KEY);
    button.setAttribute("aria-pressed", "false");
    delete document.body.dataset.classRole;
    render();
  }

  function render() {
    const room = s.room;
    panel.dataset.connected = String(s.connected);
    if (!room) {
      panel.classList.remove("asking");
      $(".class-question").hidden = true;
      $(".class-ask").hidden = true;
      $(".class-join").hidden = true;
      $(".class-head").hidden = true;
      $(".class-foot").hidden = true;
      return;
    }
    for (const sel of [".class-join", ".class-head", ".class-foot"]) $(sel).hidden = false;
    const n = room.followers;
    $(".class-audience").textContent = `${n} watching`;
    $(".class-audience").dataset.followers = String(n);
    const q = room.question;
    panel.classList.toggle("asking", !!q);
    $(".class-question").hidden = !q;
    $(".class-ask").hidden = !!q || !askable;
    if (q) {
      $(".class-prompt").textContent = q.prompt;
      const values = room.answers?.values ?? [];
      const truth = room.reveal ? Number(room.reveal.value) : null;
      const h = histogram.update(values, truth);
      const count = room.answers?.count ?? 0;
      const tally = `${count} ${count === 1 ? "answer" : "answers"}`;
      $(".class-tally").textContent = truth === null ? tally : `${tally} · ${h.right} right · true value ${formatNumber(truth, 4)}`;
      $(".class-tally").dataset.count = String(count);
      $(".class-reveal").disabled = !!room.reveal || q.id === null || truthOf(q) === null;
    }
    renderAsk();
  }

  function renderAsk() {
    if (!askable || !s.room || s.room.question) return;
    const { question, why } = askable();
    $(".class-ask-button").disabled = !question || !s.connected;
    $(".class-ask-why").textContent = question ? `about ${question.label}` : why ?? "";
  }

  return { changed, publish, active: () => !!s.conn };
}
