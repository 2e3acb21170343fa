/**
 * The follower's side of a class: a banner ("Following AB12CD · 12 watching", Explore on my own / Follow
 * again, the connection), the page mirroring the presenter's view, and the question card (answer, then
 * see whether it was right).
 */
import { formatNumber } from "../shared/format.js";
import { makeElement } from "./dom.js";
import { emptyRoom, followTarget, isRight, parseAnswer, reduceRoom, setFollowing } from "./protocol.js";
import { connectRoom } from "./socket.js";

const BANNER = `
  <span class="class-banner-text"><span class="class-banner-state"></span> <strong class="class-banner-code"></strong>
    <span class="class-banner-audience"></span></span>
  <span class="class-banner-conn"></span>
  <button type="button" class="class-explore">Explore on my own</button>
  <button type="button" class="class-follow" hidden>Follow again</button>`;

const CARD = `
  <p class="class-card-title">Question from the presenter</p>
  <label class="class-card-prompt" for="class-answer"></label>
  <form class="class-answer-form">
    <input type="text" inputmode="decimal" autocomplete="off" id="class-answer" class="class-answer" aria-describedby="class-answer-note">
    <button type="submit" class="primary">Send</button>
  </form>
  <p class="class-answer-note" id="class-answer-note" role="status"></p>`;

/**
 * Follow room `code` on this page (`page`: "stepper" or "studio"). `show(query, {again})` mirrors a
 * presenter state of this page; `onEnded(message)` when the room is unknown or ends. The banner goes after `anchor`.
 */
export function startFollowing({ code, page, show, onEnded = () => {}, anchor, host = document.body }) {
  const banner = makeElement("section", "class-banner", "Class", BANNER);
  anchor.after(banner);
  const card = makeElement("section", "class-card", "Question", CARD);
  card.hidden = true;
  host.append(card);
  const $ = (root, sel) => root.querySelector(sel);
  let room = emptyRoom(code, "follower");
  let status = { connected: false, message: "Joining…", ended: false };
  document.body.dataset.classRole = "follower";

  $(banner, ".class-explore").addEventListener("click", () => follow(false));
  $(banner, ".class-follow").addEventListener("click", () => follow(true));
  $(card, "form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    answer($(card, ".class-answer").value);
  });

  const conn = connectRoom(code, {
    onMessage: (msg) => {
      const r = reduceRoom(room, msg);
      room = r.room;
      render();
      if (r.mirror) mirror();
    },
    onStatus: (next) => {
      status = next;
      render();
      if (next.ended) onEnded(next.message);
    },
  });

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
    renderCard();
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
    form.querySelector("button").disabled = revealed !== null;
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
