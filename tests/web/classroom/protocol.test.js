import test from "node:test";
import assert from "node:assert/strict";
import {
  STATE_LIMIT, askPrompt, closeReason, emptyRoom, followCode, followTarget, isRight, normalizeCode, parseAnswer,
  followerId, planMirror, readPresenter, reconnectDelay, reduceRoom, setFollowing, stateMessage,
} from "../../../web/js/classroom/protocol.js";

const view = (query) => ({ page: "stepper", query });

test("room codes are six letters or digits, case-insensitive", () => {
  assert.equal(normalizeCode(" ab12cd "), "AB12CD");
  assert.equal(normalizeCode("AB12C"), null);
  assert.equal(normalizeCode("AB-12C"), null);
  assert.equal(normalizeCode(null), null);
  assert.equal(followCode("/join/xy34zq"), "XY34ZQ");
  assert.equal(followCode("/join/xy34zq/"), "XY34ZQ");
  assert.equal(followCode("/studio", "?follow=xy34zq"), "XY34ZQ");
  assert.equal(followCode("/", ""), null);
  assert.equal(followCode("/join/nope"), null);
});

test("a follower mirrors hello and newer states, and ignores stale or repeated seq", () => {
  let room = emptyRoom("AB12CD", "follower");
  let r = reduceRoom(room, { type: "hello", role: "follower", code: "AB12CD", seq: 5, state: view("step=3"), followers: 2, question: null });
  assert.equal(r.mirror, true);
  assert.equal(r.room.seq, 5);
  assert.deepEqual(r.room.state, view("step=3"));
  room = r.room;
  r = reduceRoom(room, { type: "state", seq: 5, state: view("step=9") });
  assert.equal(r.mirror, false, "a repeated seq is not applied again");
  assert.equal(r.room.state.query, "step=3");
  r = reduceRoom(room, { type: "state", seq: 4, state: view("step=1") });
  assert.equal(r.mirror, false, "an older seq is stale");
  r = reduceRoom(room, { type: "state", seq: 8, state: view("step=4") });
  assert.equal(r.mirror, true, "a gap does no harm: states are whole snapshots");
  assert.equal(r.room.seq, 8);
  room = r.room;
  // out of order: 10 arrives before 9; 9 is then stale
  room = reduceRoom(room, { type: "state", seq: 10, state: view("step=6") }).room;
  r = reduceRoom(room, { type: "state", seq: 9, state: view("step=5") });
  assert.equal(r.mirror, false);
  assert.equal(r.room.state.query, "step=6");
});

test("a hello after a reconnect brings the current state; an older hello keeps the newer state", () => {
  let room = reduceRoom(emptyRoom("AB12CD", "follower"), { type: "state", seq: 7, state: view("step=7") }).room;
  const r = reduceRoom(room, { type: "hello", seq: 3, state: view("step=1"), followers: 1 });
  assert.equal(r.room.state.query, "step=7");
  assert.equal(r.room.seq, 7);
  room = reduceRoom(room, { type: "hello", seq: 12, state: view("step=2"), followers: 4 }).room;
  assert.equal(room.state.query, "step=2");
  assert.equal(room.followers, 4);
});

test("exploring stops mirroring; following again mirrors the last state received", () => {
  let room = reduceRoom(emptyRoom("AB12CD", "follower"), { type: "hello", seq: 1, state: view("step=1"), followers: 1 }).room;
  room = setFollowing(room, false).room;
  const r = reduceRoom(room, { type: "state", seq: 2, state: view("step=2") });
  assert.equal(r.mirror, false, "no mirroring while exploring");
  assert.equal(r.room.state.query, "step=2", "but the state is kept");
  const back = setFollowing(r.room, true);
  assert.equal(back.mirror, true);
  assert.equal(back.room.state.query, "step=2");
  assert.equal(setFollowing(emptyRoom("AB12CD", "follower"), true).mirror, false, "nothing to mirror before hello");
});

test("questions: ask, answers for the open question only, reveal, close", () => {
  let room = emptyRoom("AB12CD", "follower");
  room = reduceRoom(room, { type: "ask", id: "q1", node: "n3", label: "h₁", prompt: askPrompt("h₁") }).room;
  assert.equal(room.question.prompt, "What total will h₁ receive?");
  assert.equal(reduceRoom(room, { type: "reveal", id: "q0", value: 1 }).room.reveal, null, "another question's reveal");
  room = reduceRoom(room, { type: "reveal", id: "q1", value: -3 }).room;
  assert.deepEqual(room.reveal, { value: -3 });
  room = reduceRoom(room, { type: "close_question" }).room;
  assert.equal(room.question, null);
  // a presenter's own question learns its id from the answers
  let p = { ...emptyRoom("AB12CD", "presenter"), question: { id: null, node: "n3", label: "h₁", prompt: "?" } };
  p = reduceRoom(p, { type: "answers", id: "q7", values: [1, 2, null, 3], count: 4 }).room;
  assert.equal(p.question.id, "q7");
  assert.deepEqual(p.answers, { values: [1, 2, 3], count: 4 });
  assert.equal(reduceRoom(p, { type: "answers", id: "q8", values: [9], count: 1 }).room.answers.count, 4);
  assert.equal(reduceRoom(p, { type: "audience", followers: 30 }).room.followers, 30);
});

test("planMirror reloads when the source differs and otherwise changes only the view", () => {
  const base = { lesson: "chain-rule", panel: 0, expr: null, values: null, step: 3, node: null, table: null, camera: "overview", theme: "light", speed: 1, view: "graph" };
  assert.deepEqual(planMirror(base, { ...base, step: 7, node: "n2", theme: "projector", speed: 4 }), { load: false, changes: { step: 7, node: "n2" } });
  assert.deepEqual(planMirror(base, { ...base }), { load: false, changes: {} });
  assert.equal(planMirror(base, { ...base, panel: 1 }).load, true);
  assert.equal(planMirror(base, { ...base, lesson: null, expr: "x*y", values: { x: 1, y: 2 } }).load, true);
  const expr = { ...base, lesson: null, expr: "x*y", values: { x: 1, y: 2 } };
  assert.equal(planMirror(expr, { ...expr, values: { x: 1, y: 3 } }).load, true);
  assert.deepEqual(planMirror(expr, { ...expr, values: { x: 1, y: 2 }, table: "open" }), { load: false, changes: { table: "open" } });
  assert.deepEqual(planMirror({ ...base, node: "n2" }, base).changes, { node: null }, "a cleared selection is mirrored");
});

test("a follower goes to the presenter's page", () => {
  assert.equal(followTarget("AB12CD", { page: "stepper", query: "step=2" }, "stepper"), null);
  assert.equal(followTarget("AB12CD", { page: "studio", query: "s=1.abc" }, "stepper"), "/studio?follow=AB12CD#s=1.abc");
  assert.equal(followTarget("AB12CD", { page: "stepper", query: "lesson=a&step=2" }, "studio"), "/join/AB12CD?lesson=a&step=2");
  assert.equal(followTarget("AB12CD", { page: "stepper", query: "" }, "studio"), "/join/AB12CD");
});

test("state messages over the server's limit are not sent", () => {
  const msg = JSON.parse(stateMessage("stepper", "step=1"));
  assert.deepEqual(msg, { type: "state", state: { page: "stepper", query: "step=1" } });
  assert.equal(stateMessage("studio", "s=" + "a".repeat(STATE_LIMIT)), null);
  assert.notEqual(stateMessage("studio", "s=" + "a".repeat(STATE_LIMIT - 100)), null);
});

test("reconnect delays grow to a cap, with bounded jitter", () => {
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5, 20].map((a) => reconnectDelay(a, mid)), [500, 1000, 2000, 3000, 3000, 3000]);
  assert.ok(reconnectDelay(20, () => 1) <= 3600, "back within seconds of a restarted server");
  assert.equal(reconnectDelay(1, () => 0), 400);
  assert.equal(reconnectDelay(1, () => 1), 600);
});

test("a follower's id is made once per class and kept, whatever storage allows", () => {
  const kept = new Map();
  const storage = { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, v) };
  const id = followerId("AB12CD", storage);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(followerId("AB12CD", storage), id, "a reload follows with the same id");
  assert.notEqual(followerId("XY34ZW", storage), id, "another class, another id");
  const refusing = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); } };
  assert.match(followerId("AB12CD", refusing), /^[0-9a-f]{32}$/);
  kept.set("backprop-playground.follower.AB12CD", "<script>");
  assert.match(followerId("AB12CD", storage), /^[0-9a-f]{32}$/, "a tampered id is replaced");
});

test("close codes: an unknown room or a bad token end it; the rest reconnect", () => {
  assert.deepEqual([4404, 4403].map((c) => closeReason(c).retry), [false, false]);
  assert.match(closeReason(4404).message, /no class with this code/);
  assert.deepEqual([4429, 4408, 4413, 4400, 1006, 1001].map((c) => closeReason(c).retry), [true, true, true, true, true, true]);
});

test("answers: typed text to numbers, right within tolerance", () => {
  assert.equal(parseAnswer("\u22123"), -3);
  assert.equal(parseAnswer(" 0,5 "), 0.5);
  assert.equal(parseAnswer("1e-2"), 0.01);
  assert.equal(parseAnswer(""), null);
  assert.equal(parseAnswer("abc"), null);
  assert.equal(parseAnswer("Infinity"), null);
  assert.equal(isRight(-3, -3), true);
  assert.equal(isRight(-2.995, -3), true);
  assert.equal(isRight(-2.9, -3), false);
  assert.equal(isRight(0.333, 1 / 3), true);
  assert.equal(isRight(1005, 1000), true, "1 % of a large value");
  assert.equal(isRight(1020, 1000), false);
  assert.equal(isRight(NaN, 1), false);
});

test("a stored presenter room is read back or refused", () => {
  assert.deepEqual(readPresenter(JSON.stringify({ code: "ab12cd", token: "t", joinUrl: "http://x/join/AB12CD" })), { code: "AB12CD", token: "t", joinUrl: "http://x/join/AB12CD" });
  assert.equal(readPresenter("{"), null);
  assert.equal(readPresenter(JSON.stringify({ code: "ab12cd" })), null);
  assert.equal(readPresenter(null), null);
});

test("a hello names the open question and whether it was revealed (a reload, a late joiner)", () => {
  const q = { id: 3, node: "n1", label: "y", prompt: "What total will y receive?", revealed: null };
  let room = reduceRoom(emptyRoom("AB12CD", "follower"), { type: "hello", seq: 2, state: null, followers: 5, question: q }).room;
  assert.deepEqual(room.question, { id: 3, node: "n1", label: "y", prompt: "What total will y receive?" });
  assert.equal(room.reveal, null);
  room = reduceRoom(emptyRoom("AB12CD", "follower"), { type: "hello", seq: 2, followers: 5, question: { ...q, revealed: 0.5 } }).room;
  assert.deepEqual(room.reveal, { value: 0.5 });
  // the presenter's own question gets its id from the echo of its ask, and keeps its answers after that
  let p = { ...emptyRoom("AB12CD", "presenter"), question: { id: null, node: "n1", label: "y", prompt: "?" } };
  p = reduceRoom(p, { type: "ask", id: 4, node: "n1", label: "y", prompt: "?", revealed: null }).room;
  assert.equal(p.question.id, 4);
  p = reduceRoom(p, { type: "answers", id: 4, values: [1], count: 1 }).room;
  assert.equal(reduceRoom(p, { type: "ask", id: 4, node: "n1", label: "y", prompt: "?" }).room.answers.count, 1);
  assert.equal(reduceRoom(p, { type: "close_question", id: 4 }).room.question, null);
});
