/**
 * Keeping a follower's screen on (the Screen Wake Lock API, where the browser has it: a secure page, a
 * recent browser). Phones dim and sleep after a minute without a touch; a student watching the class
 * touches nothing. The lock is held while the page asks for it (`hold(true)`: following) and the student
 * wants it (`want(on)`, remembered in localStorage, on by default); the browser drops it whenever the tab
 * is hidden, and `resume()` (the tab is visible again) takes it back. `onChange(state)` hears every change
 * of `state()`: "on", "off", "unsupported".
 */

/** Where the student's choice is remembered (per browser, across classes). */
export const WAKE_KEY = "backprop-playground.classroom.keep-screen-on";

export function createWakeLock({ wakeLock = globalThis.navigator?.wakeLock, storage = globalThis.localStorage, visible = () => globalThis.document?.visibilityState !== "hidden", onChange = () => {} } = {}) {
  const s = { wanted: readWanted(storage), holding: false, sentinel: null, asking: null };

  function state() {
    if (!wakeLock) return "unsupported";
    return s.sentinel && !s.sentinel.released ? "on" : "off";
  }

  /** Take or drop the lock as the page and the student want; resolves once settled. */
  async function sync() {
    if (!wakeLock) return;
    if (s.wanted && s.holding) {
      if (state() === "on" || s.asking || !visible()) return;
      s.asking = wakeLock.request("screen").then((sentinel) => {
        s.sentinel = sentinel;
        sentinel.addEventListener?.("release", () => onChange(state()));
        // the page or the student may have changed their mind while the browser answered
        if (!(s.wanted && s.holding)) return release();
      }, () => {
        s.sentinel = null; // refused (a battery saver, a hidden tab): the screen may sleep
      }).finally(() => {
        s.asking = null;
        onChange(state());
      });
      return s.asking;
    }
    return release();
  }

  async function release() {
    const sentinel = s.sentinel;
    s.sentinel = null;
    if (sentinel && !sentinel.released) await sentinel.release().catch(() => {});
    onChange(state());
  }

  return {
    state,
    wanted: () => s.wanted,
    /** The student turns keeping the screen on on or off. */
    want(on) {
      s.wanted = !!on;
      try {
        storage?.setItem(WAKE_KEY, s.wanted ? "on" : "off");
      } catch {
        // storage can be blocked: the choice holds for this page
      }
      return sync();
    },
    /** The page needs the screen on (following) or not. */
    hold(on) {
      if (s.holding === !!on) return Promise.resolve();
      s.holding = !!on;
      return sync();
    },
    /** The tab is visible again: the browser let go of the lock when it was hidden. */
    resume: () => sync(),
  };
}

function readWanted(storage) {
  try {
    return storage?.getItem(WAKE_KEY) !== "off";
  } catch {
    return true;
  }
}
