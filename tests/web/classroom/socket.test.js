import test from "node:test";
import assert from "node:assert/strict";
import { connectRoom, roomStreamUrl } from "../../../web/js/classroom/socket.js";

/** A WebSocket stand-in: records what is sent; the test fires its events. */
function fakeSockets() {
  const made = [];
  class FakeSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.sent = [];
      this.readyState = 0;
      made.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1000) { this.fire("close", { code }); }
    fire(type, fields = {}) {
      if (type === "open") this.readyState = 1;
      if (type === "close") this.readyState = 3;
      this.dispatchEvent(Object.assign(new Event(type), fields));
    }
  }
  return { made, FakeSocket };
}

function fakeTimers() {
  const pending = [];
  return {
    pending,
    setTimeout: (fn, ms) => (pending.push({ fn, ms }), pending.length),
    clearTimeout: (id) => { pending[id - 1].fn = () => {}; },
    runNext() { pending.shift().fn(); },
  };
}

test("the stream URL follows the page's scheme", () => {
  assert.equal(roomStreamUrl("AB12CD", { protocol: "http:", host: "h:1" }), "ws://h:1/api/v1/rooms/AB12CD/stream");
  assert.equal(roomStreamUrl("AB12CD", { protocol: "https:", host: "h" }), "wss://h/api/v1/rooms/AB12CD/stream");
});

test("a presenter authenticates, a follower follows; messages are parsed", () => {
  const { made, FakeSocket } = fakeSockets();
  const got = [];
  const statuses = [];
  const p = connectRoom("AB12CD", { token: "tok", url: "ws://x", WebSocketImpl: FakeSocket, timers: fakeTimers(), onMessage: (m) => got.push(m), onStatus: (s) => statuses.push(s) });
  made[0].fire("open");
  assert.deepEqual(made[0].sent, [{ type: "auth", token: "tok" }]);
  made[0].fire("message", { data: JSON.stringify({ type: "hello", role: "presenter" }) });
  made[0].fire("message", { data: "not json" });
  assert.deepEqual(got, [{ type: "hello", role: "presenter" }]);
  assert.equal(statuses.at(-1).connected, true);
  assert.equal(p.send({ type: "state", state: {} }), true);
  const timers = fakeTimers();
  connectRoom("AB12CD", { url: "ws://x", WebSocketImpl: FakeSocket, timers });
  made[1].fire("open");
  assert.equal(made[1].sent[0].type, "follow");
  assert.match(made[1].sent[0].id, /^[A-Za-z0-9_-]{16,64}$/);
  made[1].fire("close", { code: 1006 });
  timers.runNext();
  made[2].fire("open");
  assert.deepEqual(made[2].sent, made[1].sent, "a reconnect follows as the same follower");
});

test("a dropped socket reconnects with growing delays; hello resets them", () => {
  const { made, FakeSocket } = fakeSockets();
  const timers = fakeTimers();
  const statuses = [];
  connectRoom("AB12CD", { url: "ws://x", WebSocketImpl: FakeSocket, timers, onStatus: (s) => statuses.push(s) });
  made[0].fire("close", { code: 1006 });
  assert.equal(statuses.at(-1).connected, false);
  assert.equal(statuses.at(-1).ended, false);
  timers.runNext();
  assert.equal(made.length, 2);
  made[1].fire("close", { code: 1006 });
  assert.ok(timers.pending[0].ms > 600, "the second wait is longer than the first could be");
  timers.runNext();
  made[2].fire("open");
  made[2].fire("message", { data: JSON.stringify({ type: "hello" }) });
  made[2].fire("close", { code: 1006 });
  assert.ok(timers.pending[0].ms <= 600, "after a hello the delays start again");
});

test("an unknown room ends without reconnecting; close() stops reconnecting", () => {
  const { made, FakeSocket } = fakeSockets();
  const timers = fakeTimers();
  const statuses = [];
  const c = connectRoom("AB12CD", { url: "ws://x", WebSocketImpl: FakeSocket, timers, onStatus: (s) => statuses.push(s) });
  made[0].fire("close", { code: 4404 });
  assert.equal(timers.pending.length, 0);
  assert.equal(statuses.at(-1).ended, true);
  assert.match(statuses.at(-1).message, /no class/);
  assert.equal(c.send({ type: "x" }), false);
  const d = connectRoom("AB12CD", { url: "ws://x", WebSocketImpl: FakeSocket, timers });
  d.close();
  assert.equal(timers.pending.length, 0);
  assert.equal(made.length, 2);
});

test("rejoin connects again at once and forgets the socket it replaces", () => {
  const { made, FakeSocket } = fakeSockets();
  const timers = fakeTimers();
  const got = [];
  const statuses = [];
  const conn = connectRoom("AB12CD", { url: "ws://x", WebSocketImpl: FakeSocket, timers, onMessage: (m) => got.push(m.type), onStatus: (s) => statuses.push(s) });
  made[0].fire("open");
  made[0].fire("message", { data: JSON.stringify({ type: "hello" }) });
  // a phone wakes: its socket looks open but may be dead; a new one opens now, the old one is closed
  conn.rejoin();
  assert.equal(made.length, 2);
  assert.equal(made[0].readyState, 3);
  assert.equal(timers.pending.length, 0, "the replaced socket's close schedules no reconnect");
  assert.equal(statuses.length, 1, "nor reports a disconnection");
  made[0].fire("message", { data: JSON.stringify({ type: "state" }) });
  made[1].fire("open");
  assert.equal(made[1].sent[0].type, "follow");
  made[1].fire("message", { data: JSON.stringify({ type: "hello" }) });
  assert.deepEqual(got, ["hello", "hello"], "the replaced socket's messages are dropped");
  // waiting to reconnect after a drop: rejoin does not wait for the timer
  made[1].fire("close", { code: 1006 });
  assert.equal(timers.pending.length, 1);
  conn.rejoin();
  assert.equal(made.length, 3);
  timers.runNext(); // the cancelled timer opens nothing
  assert.equal(made.length, 3);
  conn.close();
  conn.rejoin();
  assert.equal(made.length, 3, "a closed connection stays closed");
});
