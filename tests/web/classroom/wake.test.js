import test from "node:test";
import assert from "node:assert/strict";
import { WAKE_KEY, createWakeLock } from "../../../web/js/classroom/wake.js";

/** A Screen Wake Lock stand-in: hands out sentinels, or refuses. */
function fakeWakeLock({ refuse = false } = {}) {
  const made = [];
  return {
    made,
    async request(type) {
      assert.equal(type, "screen");
      if (refuse) throw Object.assign(new Error("refused"), { name: "NotAllowedError" });
      const sentinel = Object.assign(new EventTarget(), { released: false });
      sentinel.release = async () => {
        sentinel.released = true;
        sentinel.dispatchEvent(new Event("release"));
      };
      made.push(sentinel);
      return sentinel;
    },
  };
}

function memoryStorage(entries = {}) {
  const data = new Map(Object.entries(entries));
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)) };
}

test("the screen stays on while following, if the student wants it; the choice is remembered", async () => {
  const wakeLock = fakeWakeLock();
  const storage = memoryStorage();
  const seen = [];
  const wake = createWakeLock({ wakeLock, storage, visible: () => true, onChange: (s) => seen.push(s) });
  assert.equal(wake.state(), "off");
  assert.equal(wake.wanted(), true, "on by default");
  await wake.hold(true);
  assert.equal(wake.state(), "on");
  await wake.want(false);
  assert.equal(wake.state(), "off");
  assert.equal(wakeLock.made[0].released, true);
  assert.equal(storage.getItem(WAKE_KEY), "off");
  await wake.want(true);
  assert.equal(wake.state(), "on");
  await wake.hold(false); // exploring on one's own: the student touches the screen anyway
  assert.equal(wake.state(), "off");
  assert.ok(seen.includes("on") && seen.at(-1) === "off");
  const again = createWakeLock({ wakeLock, storage: memoryStorage({ [WAKE_KEY]: "off" }), visible: () => true });
  await again.hold(true);
  assert.equal(again.state(), "off", "a student who turned it off keeps it off");
});

test("a lock the browser dropped with the hidden tab is taken again when the tab is back", async () => {
  const wakeLock = fakeWakeLock();
  let visible = true;
  const wake = createWakeLock({ wakeLock, storage: memoryStorage(), visible: () => visible });
  await wake.hold(true);
  visible = false;
  await wakeLock.made[0].release(); // what the browser does to a hidden page's lock
  assert.equal(wake.state(), "off");
  await wake.resume();
  assert.equal(wakeLock.made.length, 1, "not asked while hidden");
  visible = true;
  await wake.resume();
  assert.equal(wake.state(), "on");
  assert.equal(wakeLock.made.length, 2);
});

test("without the API, or refused, the screen may sleep and nothing fails", async () => {
  const none = createWakeLock({ wakeLock: undefined, storage: memoryStorage(), visible: () => true });
  await none.hold(true);
  assert.equal(none.state(), "unsupported");
  const refused = createWakeLock({ wakeLock: fakeWakeLock({ refuse: true }), storage: memoryStorage(), visible: () => true });
  await refused.hold(true);
  assert.equal(refused.state(), "off");
});
