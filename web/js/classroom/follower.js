/**
 * The follower's side of a class: a banner ("Following AB12CD · 12 watching", Explore on my own / Follow
 * again, the connection, keeping the screen on), the page mirroring the presenter's view, and the question
 * card (answer, then see whether it was right). A phone that slept or changed networks rejoins as soon as
 * its tab is visible or online again, at the presenter's current view.
 */
import { formatNumber } from "../shared/format.js";
import { makeElement } from "./dom.js";
import { emptyRoom, followTarget, isRight, parseAnswer, reduceRoom, setFollowing } from "./protocol.js";
import { connectRoom } from "./socket.js";
import { createWakeLock } from "./wake.js";

const BANNER = `
  <span class="class-banner-text"><span class="class-banner-state"></span> <strong class="class-banner-code"></strong>
    <span class="class-banner-audience"></span></span>
  <span class="class-banner-conn" role="status"></span>
  <span class="class-banner-actions">
    <button type="button" class="class-wake" aria-pressed="false" hidden
      title="Keep this screen from dimming and sleeping while you follow the class"><span class="class-wake-glyph" aria-hidden="true">☀</span> <span class="class-wake-label">Keep screen on</span></button>
    <span class="class-wake-note" hidden title="This browser cannot keep the screen on: if it sleeps, the class comes back when you wake it">Screen may sleep</span>
    <button type="button" class="class-explore">Explore on my own</button>
    <button type="button" class="class-follow" hidden>Follow again</button>
  </span>`;

const CARD = `
  <p class="class-card-title">Question from the presenter</p>
  <label class="class-card-prompt" for="class-answer"></label>
  <form class="class-answer-form">
    <button type="button" class="class-sign" aria-label="Change the sign" title="Change the sign (+/−)">±</button>
    <input type="text" inputmode="decimal" enterkeyhint="send" autocomplete="off" id="class-answer" class="class-answer" aria-describedby="class-answer-note">
    <button type="submit" class="primary">Send</button>
  </form>
  <p class="class-answer-note" id="class-answer-note" role="status"></p>`;

/**
 * Follow room `code` on this page (`page`: "stepper" or "studio"). `show(query, {again})` mirrors a
 * presenter state of this page; `onEnded(message)` when the room is unknown or ends; `onWaiting()` when the
 * room says hello with no state yet (its presenter shows nothing). The banner goes after `anchor`.
 */
export function startFollowing({ code, page, show, onEnded = () => {}, onWaiting = () => {}, anchor, host = document.body }) {
  const banner = makeElement("section", "class-banner", "Class", BANNER);
  anchor.after(banner);
  const card = makeElement("section", "class-card", "Question", CARD);
  card.hidden = true;
  host.append(card);
  const $ = (root, sel) => root.querySelector(sel);
  let room = emptyRoom(code, "follower");
  let status = { connected: false, message: "Joining…", ended: false };
  document.body.dataset.classRole = "follower";
  const wake = createWakeLock({ onChange: () => render() });

  $(banner, ".class-explore").addEventListener("click", () => follow(false));
  $(banner, ".class-follow").addEventListener("click", () => follow(true));
  $(banner, ".class-wake").addEventListener("click", () => wake.want(!wake.wanted()));
  $(card, "form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    answer($(card, ".class-answer").value);
  });
  // a numeric keypad has no minus sign on every phone: ± turns the answer's sign
  $(card, ".class-sign").addEventListener("click", () => {
    const input = $(card, ".class-answer");
    const text = input.value.trim();
    input.value = /^[-\u2212]/.test(text) ? text.slice(1) : `\u2212${text}`;
    input.focus();
  });

  const conn = connectRoom(code, {
    onMessage: (msg) => {
      const r = reduceRoom(room, msg);
      room = r.room;
      render();
      if (r.mirror) mirror();
      else if (msg.type === "hello" && !room.state) onWaiting();
    },
    onStatus: (next) => {
      status = next;
      render();
      if (next.ended) onEnded(next.message);
    },
  });

  // a phone that slept, or moved to another network, rejoins at once: the room says hello with the
  // presenter's current view (the socket may have died in its sleep without a word)
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    conn.rejoin();
    wake.resume();
  });
  window.addEventListener("online", () => conn.rejoin());

  function follow(on) {
    const r = setFollowing(room, on);
    room = r.room;
    render();
    if (r.mirror) mirror({ again: true });
  }

  /** Show the presenter's state; `again`: the follower asked to (the page may have moved on its own). */
  function mirror({ again = false } = {}) {
    const target = followTarget(code, room.state, page);
    if (target) location.replace(target);
    else show(String(room.state?.query ?? ""), { again });
  }

  function answer(text) {
    const value = parseAnswer(text);
    const q = room.question;
    if (!q) return;
    if (value === null) return note("Type a number, e.g. −3 or 0.5.");
    if (!conn.send({ type: "answer", id: q.id, value })) return note("Not connected: try again in a moment.");
    room = { ...room, answered: value };
    render();
  }

  function note(text, kind = "info") {
    const el = $(card, ".class-answer-note");
    el.textContent = text;
    el.dataset.kind = kind;
  }

  function render() {
    banner.dataset.following = String(room.following);
    document.body.dataset.following = String(room.following && !status.ended);
    banner.dataset.connected = String(status.connected);
    $(banner, ".class-banner-state").textContent = room.following ? "Following" : "Exploring on your own ·";
    $(banner, ".class-banner-code").textContent = code;
    const n = room.followers;
    $(banner, ".class-banner-audience").textContent = status.ended ? "" : `· ${n} watching`;
    $(banner, ".class-banner-audience").dataset.followers = String(n);
    $(banner, ".class-banner-conn").textContent = status.connected ? "" : status.message ?? "";
    $(banner, ".class-explore").hidden = !room.following || status.ended;
    $(banner, ".class-follow").hidden = room.following || status.ended || !room.state;
    banner.dataset.ended = String(status.ended);
    renderWake();
    renderCard();
  }

  /** The screen is kept on while following, if the student wants it and the browser can. */
  function renderWake() {
    wake.hold(room.following && !status.ended);
    const state = wake.state();
    banner.dataset.wake = state;
    const button = $(banner, ".class-wake");
    button.hidden = state === "unsupported" || status.ended;
    button.setAttribute("aria-pressed", String(wake.wanted()));
    $(banner, ".class-wake-note").hidden = state !== "unsupported" || status.ended;
  }

  function renderCard() {
    const q = room.question;
    card.hidden = !q || status.ended;
    if (!q) return;
    if (card.dataset.question !== String(q.id)) {
      card.dataset.question = String(q.id);
      $(card, ".class-answer").value = "";
      note("");
    }
    $(card, ".class-card-prompt").textContent = q.prompt;
    const revealed = room.reveal ? Number(room.reveal.value) : null;
    const form = $(card, "form");
    form.querySelector("input").disabled = revealed !== null;
    for (const button of form.querySelectorAll("button")) button.disabled = revealed !== null;
    card.dataset.result = revealed === null ? "" : room.answered === null ? "none" : isRight(room.answered, revealed) ? "right" : "wrong";
    if (revealed !== null) {
      const truth = formatNumber(revealed, 4);
      note(room.answered === null ? `The total is ${truth}.`
        : isRight(room.answered, revealed) ? `Right! The total is ${truth}.`
        : `The total is ${truth}; you answered ${formatNumber(room.answered, 4)}.`, card.dataset.result);
    } else if (room.answered !== null) {
      note(`Sent: ${formatNumber(room.answered, 4)}. You can change it until the reveal.`);
    }
  }

  render();
  return { room: () => room, close: () => conn.close() };
}
