/**
 * Classroom mode, the pure part: room codes, the follower's view of a room (messages applied in seq
 * order), what a presenter's state changes on a follower's page, reconnect delays, close codes and
 * answers within tolerance. No DOM, no sockets (docs/contracts.md, rooms).
 */

/** Longest state message a presenter sends (the server closes with 4413 above it). */
export const STATE_LIMIT = 16 * 1024;
/** An answer counts as right within this much of the true value (absolute), or this share of it. */
export const TOLERANCE = { abs: 0.01, rel: 0.01 };
/** Where a presenter's room lives across reloads of the same tab. */
export const STORAGE_KEY = "backprop-playground.classroom";

const CODE = /^[A-Za-z0-9]{6}$/;

/** A room code as typed or found in a URL → its canonical form (upper case), or null. */
export function normalizeCode(text) {
  const code = String(text ?? "").trim();
  return CODE.test(code) ? code.toUpperCase() : null;
}

/** The room code of a follower's page: "/join/ab12cd" → "AB12CD"; the studio's "?follow=AB12CD"; else null. */
export function followCode(pathname, search = "") {
  const m = /^\/join\/([^/]+)\/?$/.exec(pathname);
  if (m) return normalizeCode(decodeURIComponent(m[1]));
  return normalizeCode(new URLSearchParams(search).get("follow"));
}

/** The stored presenter room ({code, token, joinUrl}) from sessionStorage text, or null. */
export function readPresenter(text) {
  try {
    const v = JSON.parse(text);
    const code = normalizeCode(v?.code);
    return code && typeof v.token === "string" && v.token ? { code, token: v.token, joinUrl: String(v.joinUrl ?? "") } : null;
  } catch {
    return null;
  }
}

/** A follower's or presenter's knowledge of a room before the first hello. */
export function emptyRoom(code, role) {
  return { code, role, seq: -1, state: null, followers: 0, question: null, answers: null, reveal: null, following: true, answered: null };
}

/**
 * Apply one server message to a room; returns {room, mirror} where `mirror` is true when a follower's
 * page should now show `room.state` (a newer state while following). A state older than or equal to
 * the last seq seen is ignored: states are whole snapshots, so the newest wins and gaps do no harm.
 */
export function reduceRoom(room, msg) {
  switch (msg?.type) {
    case "hello": {
      const seq = Number.isInteger(msg.seq) ? msg.seq : room.seq;
      const question = msg.question ?? null;
      const same = question && room.question && question.id === room.question.id;
      const next = {
        ...room, role: msg.role ?? room.role, code: msg.code ?? room.code, followers: msg.followers ?? room.followers,
        seq: Math.max(seq, room.seq), state: seq >= room.seq && msg.state ? msg.state : room.state,
        question: question && pick(question, ["id", "node", "label", "prompt"]),
        answers: same ? room.answers : null, answered: same ? room.answered : null,
        reveal: same && room.reveal ? room.reveal : Number.isFinite(question?.revealed) ? { value: question.revealed } : null,
      };
      return { room: next, mirror: next.following && !!next.state };
    }
    case "state": {
      if (!Number.isInteger(msg.seq) || msg.seq <= room.seq || !msg.state) return { room, mirror: false };
      const next = { ...room, seq: msg.seq, state: msg.state };
      return { room: next, mirror: next.following };
    }
    case "audience":
      return { room: { ...room, followers: Number(msg.followers) || 0 }, mirror: false };
    case "ask":
      if (room.question && msg.id === room.question.id) return { room, mirror: false }; // an echo of the open one
      return { room: { ...room, question: pick(msg, ["id", "node", "label", "prompt"]), answers: null, reveal: null, answered: null }, mirror: false };
    case "answers":
      // a presenter's own question learns its id from the first answers (or the ask's echo)
      if (!room.question || (room.question.id !== null && msg.id !== room.question.id)) return { room, mirror: false };
      return {
        room: { ...room, question: { ...room.question, id: msg.id }, answers: { values: (msg.values ?? []).filter(Number.isFinite), count: msg.count ?? 0 } },
        mirror: false,
      };
    case "reveal":
      if (!room.question || msg.id !== room.question.id) return { room, mirror: false };
      return { room: { ...room, reveal: { value: msg.value } }, mirror: false };
    case "close_question":
    case "closed":
      return { room: { ...room, question: null, answers: null, reveal: null, answered: null }, mirror: false };
    default:
      return { room, mirror: false };
  }
}

/** Stop mirroring ("Explore on my own") or start again ("Follow again": mirror the last state at once). */
export function setFollowing(room, following) {
  return { room: { ...room, following }, mirror: following && !!room.state };
}

function pick(obj, keys) {
  return Object.fromEntries(keys.map((k) => [k, obj[k] ?? null]));
}

/** The URL-state properties that decide what is loaded; any change among them reloads the data. */
export const SOURCE_KEYS = ["lesson", "panel", "expr", "values", "spec", "weights", "model", "rows", "view"];
/** Shown without a reload: the step, the selected node, the gradient table, the camera. */
export const VIEW_KEYS = ["step", "node", "table", "camera"];

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What a follower's stepper does to show the presenter's (decoded) state `next` from its own `current`:
 * {load: true} when the source differs, else {load: false, changes: {key: value}} with the view
 * properties that differ. Theme and speed stay the follower's own (a laptop is not a projector).
 */
export function planMirror(current, next) {
  if (SOURCE_KEYS.some((k) => !same(current[k], next[k]))) return { load: true, changes: {} };
  const changes = {};
  for (const k of VIEW_KEYS) if (!same(current[k], next[k])) changes[k] = next[k] ?? null;
  return { load: false, changes };
}

/** Where a follower's page goes for a presenter state: null to stay on this page, else the URL to open. */
export function followTarget(code, state, here) {
  const page = state?.page === "studio" ? "studio" : "stepper";
  if (page === here) return null;
  const query = String(state?.query ?? "");
  return page === "studio" ? `/studio?follow=${code}${query ? `#${query}` : ""}` : `/join/${code}${query ? `?${query}` : ""}`;
}

/** The state message for a view, or null when it is larger than the server takes. */
export function stateMessage(page, query) {
  const text = JSON.stringify({ type: "state", state: { page, query } });
  return new TextEncoder().encode(text).length <= STATE_LIMIT ? text : null;
}

/**
 * Milliseconds before reconnect attempt `attempt` (1, 2, …): 0.5 s doubling to at most 3 s, ±20 % jitter,
 * so a class is back within seconds of the server (a restart, a deploy) and a hall's reconnects spread out.
 */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(3_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Where a follower's page keeps its id per class (localStorage, so a reload or a reconnect is the same). */
export const FOLLOWER_KEY = "backprop-playground.follower";

/**
 * The id this browser follows class `code` with: made once, kept, so one student's answer to a question
 * stays one answer across reconnects and reloads (and students behind one address stay apart).
 */
export function followerId(code, storage = globalThis.localStorage, random = globalThis.crypto) {
  const key = `${FOLLOWER_KEY}.${code}`;
  let id = null;
  try {
    id = storage?.getItem(key) ?? null;
  } catch {
    id = null; // storage refused (a private window's policy): an id for this page only
  }
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(id ?? "")) {
    const bytes = random.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    try {
      storage?.setItem(key, id);
    } catch {
      /* kept for this page only */
    }
  }
  return id;
}

/** What a closed socket means: {retry, message, ended} (ended: the room is gone or not ours). */
export function closeReason(code) {
  switch (code) {
    case 4404: return { retry: false, ended: true, message: "There is no class with this code (it may have ended)." };
    case 4403: return { retry: false, ended: true, message: "This page is no longer the class's presenter." };
    case 4429: return { retry: true, ended: false, message: "The class is full; trying again…" };
    case 4413: return { retry: true, ended: false, message: "A message was too large for the class." };
    case 4400: return { retry: true, ended: false, message: "The server did not understand a message." };
    case 4408: return { retry: true, ended: false, message: "The connection was too slow." };
    default: return { retry: true, ended: false, message: "The class is reconnecting…" };
  }
}

/** True when an answer is the true value within TOLERANCE. */
export function isRight(value, truth, tolerance = TOLERANCE) {
  if (!Number.isFinite(value) || !Number.isFinite(truth)) return false;
  return Math.abs(value - truth) <= Math.max(tolerance.abs, tolerance.rel * Math.abs(truth));
}

/** The question put to the room about a node's gradient. */
export function askPrompt(label) {
  return `What total will ${label} receive?`;
}

/** A typed answer → a number, or null ("−3", "-3", "1e-2", "0,5" all read). */
export function parseAnswer(text) {
  const t = String(text ?? "").trim().replaceAll("\u2212", "-").replace(/^([+-]?\d+),(\d+)$/, "$1.$2");
  if (t === "") return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}
