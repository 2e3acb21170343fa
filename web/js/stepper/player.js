/**
 * The playback clock: which step is shown, whether it plays, how fast. The pace comes from the trace
 * (each event type has its own duration), never from the server. Timers are injected, so it is testable.
 */

/** Milliseconds one step of each kind lasts at speed 1. */
export const STEP_MS = { forward: 650, backward: 1100, update: 800 };

/** How long the step that leads to `step` lasts at `speed`. */
export function stepDuration(timeline, step, speed = 1) {
  const event = timeline.trace.steps[step - 1];
  const base = event ? STEP_MS[event.type] ?? 700 : 500;
  return base / Math.max(speed, 0.05);
}

/**
 * A player over a timeline. `onChange(step, {playing, animate})` is called after every change.
 * Returns {goto, next, prev, play, pause, toggle, setSpeed, state}.
 */
export function createPlayer(timeline, { step = 0, speed = 1, onChange = () => {}, timers = globalThis } = {}) {
  const s = { step: clamp(step), speed, playing: false, timer: null };

  function clamp(k) {
    const n = Number.isFinite(k) ? Math.round(k) : 0;
    return Math.max(0, Math.min(timeline.total, n));
  }

  function emit(animate) {
    onChange(s.step, { playing: s.playing, animate, speed: s.speed });
  }

  function goto(k, { animate = false } = {}) {
    const next = clamp(k);
    if (next === s.step) return emit(false);
    s.step = next;
    emit(animate);
  }

  function schedule() {
    timers.clearTimeout(s.timer);
    if (!s.playing) return;
    if (s.step >= timeline.total) return pause();
    s.timer = timers.setTimeout(() => {
      s.step += 1;
      emit(true);
      schedule();
    }, stepDuration(timeline, s.step + 1, s.speed));
  }

  function play() {
    if (s.step >= timeline.total) s.step = 0;
    s.playing = true;
    emit(false);
    schedule();
  }

  function pause() {
    s.playing = false;
    timers.clearTimeout(s.timer);
    emit(false);
  }

  return {
    goto,
    next: () => goto(s.step + 1, { animate: true }),
    prev: () => goto(s.step - 1),
    play,
    pause,
    toggle: () => (s.playing ? pause() : play()),
    setSpeed: (v) => {
      s.speed = v;
      if (s.playing) schedule();
    },
    state: () => ({ step: s.step, playing: s.playing, speed: s.speed, total: timeline.total }),
    destroy: () => timers.clearTimeout(s.timer),
  };
}
