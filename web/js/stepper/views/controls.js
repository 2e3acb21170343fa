/**
 * Step-through controls: phase jumps, step back/forward, play/pause, speed, a scrubber, the step counter
 * and the aria-live narration line. Owns its DOM; `update(view)` shows the player state; user intent goes
 * out through `actions`. On a touch screen a swipe along the strip steps (left: forward, right: back); the
 * graph keeps its own gestures (pan, pinch), so the two never compete.
 */

const SPEEDS = [0.25, 0.5, 1, 2, 4];
/** The shortest swipe that steps, in CSS px. */
export const SWIPE_PX = 40;

/**
 * The step a swipe of (dx, dy) px asks for: +1 (a swipe to the left, forward), −1 (to the right, back), or
 * 0 for a tap, a short move or a mostly vertical one.
 */
export function swipeStep(dx, dy, min = SWIPE_PX) {
  if (Math.abs(dx) < min || Math.abs(dx) < 2 * Math.abs(dy)) return 0;
  return dx < 0 ? 1 : -1;
}

/**
 * Build the controls in `root`. `actions`: {goto(step), next(), prev(), toggle(), setSpeed(v), fit()}.
 * `minimal` leaves only prev / play / next, the counter and the narration (for the embed).
 */
export function createControls(root, actions, { minimal = false, camera = "overview" } = {}) {
  root.classList.add("controls");
  root.innerHTML = `
    <div class="controls-row">
      <div class="phase-jumps" role="group" aria-label="Jump to phase" ${minimal ? "hidden" : ""}>
        <button type="button" data-jump="forward" aria-label="Jump to the start of the forward pass">Forward</button>
        <button type="button" data-jump="backward" aria-label="Jump to the start of the backward pass">Backward</button>
        <button type="button" data-jump="update" aria-label="Jump to the update">Update</button>
      </div>
      <div class="transport" role="group" aria-label="Step through">
        <button type="button" class="icon" data-act="prev" aria-label="Step back" title="Step back (←)">${icon("prev")}</button>
        <button type="button" class="icon play" data-act="toggle" aria-label="Play" title="Play / pause (space)">${icon("play")}</button>
        <button type="button" class="icon" data-act="next" aria-label="Step forward" title="Step forward (→)">${icon("next")}</button>
      </div>
      <input type="range" class="scrubber" min="0" max="0" value="0" step="1" aria-label="Step" ${minimal ? "hidden" : ""}>
      <span class="counter" aria-hidden="true"><span class="phase-tag"></span> <span class="count">0 / 0</span></span>
      <label class="speed" ${minimal ? "hidden" : ""}><span class="visually-hidden">Speed</span>
        <select aria-label="Playback speed" title="Playback speed">${SPEEDS.map((s) => `<option value="${s}">${s}×</option>`).join("")}</select>
      </label>
      <button type="button" class="icon" data-act="follow" aria-pressed="false" aria-label="Follow the current node" title="Follow the current node; off: the whole graph stays in view">${icon("follow")}</button>
      <button type="button" class="icon" data-act="fit" aria-label="Fit graph to window" title="Fit (double-click the graph)">${icon("fit")}</button>
    </div>
    <p class="narration" aria-live="polite" role="status"></p>`;
  const $ = (s) => root.querySelector(s);
  const scrubber = $(".scrubber");
  const speed = $(".speed select");
  root.querySelector('[data-act="prev"]').addEventListener("click", () => actions.prev());
  root.querySelector('[data-act="next"]').addEventListener("click", () => actions.next());
  root.querySelector('[data-act="toggle"]').addEventListener("click", () => actions.toggle());
  root.querySelector('[data-act="fit"]').addEventListener("click", () => actions.fit());
  const followButton = root.querySelector('[data-act="follow"]');
  followButton.addEventListener("click", () => actions.setCamera?.(followButton.getAttribute("aria-pressed") === "true" ? "overview" : "follow"));
  /** Show the camera mode: "follow" presses the follow button. */
  function setCamera(mode) {
    followButton.setAttribute("aria-pressed", String(mode === "follow"));
  }
  setCamera(camera);
  scrubber.addEventListener("input", () => actions.goto(Number(scrubber.value)));
  bindSwipe(root, actions);
  speed.addEventListener("change", () => actions.setSpeed(Number(speed.value)));
  for (const b of root.querySelectorAll("[data-jump]")) b.addEventListener("click", () => actions.jump(b.dataset.jump));

  /** Show the player: step, total, phase, playing, speed, narration, available phases. */
  function update({ step, total, phase, playing, speed: v, narration, phases }) {
    scrubber.max = String(total);
    scrubber.value = String(step);
    scrubber.setAttribute("aria-valuetext", `step ${step} of ${total}, ${phase}`);
    $(".count").textContent = `${step} / ${total}`;
    const tag = $(".phase-tag");
    tag.textContent = step === 0 ? "start" : phase;
    tag.dataset.phase = step === 0 ? "start" : phase;
    const play = root.querySelector('[data-act="toggle"]');
    play.innerHTML = icon(playing ? "pause" : "play");
    play.setAttribute("aria-label", playing ? "Pause" : "Play");
    play.setAttribute("aria-pressed", String(playing));
    root.querySelector('[data-act="prev"]').disabled = step <= 0;
    root.querySelector('[data-act="next"]').disabled = step >= total;
    if (v !== undefined) speed.value = String(v);
    for (const b of root.querySelectorAll("[data-jump]")) b.disabled = phases ? !(b.dataset.jump in phases) : false;
    const line = $(".narration");
    if (line.textContent !== narration) {
      const text = document.createElement("span");
      text.textContent = narration;
      line.replaceChildren(text);
      fitNarration(line);
    }
  }

  // a new size (a window, an iframe resized by its slide) may fit the narration at another size
  new ResizeObserver(() => fitNarration($(".narration"))).observe($(".narration"));

  update({ step: 0, total: 0, phase: "forward", playing: false, speed: 1, narration: "" });
  return { update, setCamera, element: root };
}

/**
 * The narration is never cut off: where its lines (two, graph.css) do not hold it, its text shrinks in
 * steps down to 70 % of its size, and only past that is it clamped. The line's own box keeps its height,
 * so stepping never resizes (and refits) the graph.
 */
export function fitNarration(line) {
  const text = line.firstElementChild;
  if (!text) return;
  text.style.fontSize = "";
  line.dataset.scale = "1";
  const over = () => line.scrollHeight > line.clientHeight + 1 || line.scrollWidth > line.clientWidth + 1;
  for (let scale = 0.95; scale >= 0.7 - 1e-9 && over(); scale -= 0.05) {
    text.style.fontSize = `${scale.toFixed(2)}em`;
    line.dataset.scale = scale.toFixed(2);
  }
  line.dataset.fits = String(!over());
}

/**
 * Swipes on the strip (touch and pen; the scrubber and the speed menu keep their own drags). The strip lets
 * the browser scroll vertically only (touch-action: pan-y, graph.css), so a sideways swipe reaches it.
 */
function bindSwipe(root, actions) {
  const starts = new Map();
  root.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" || ev.target.closest?.("input, select")) return;
    starts.set(ev.pointerId, [ev.clientX, ev.clientY]);
  });
  root.addEventListener("pointerup", (ev) => {
    const start = starts.get(ev.pointerId);
    starts.delete(ev.pointerId);
    if (!start) return;
    const step = swipeStep(ev.clientX - start[0], ev.clientY - start[1]);
    if (step) {
      actions.pause?.();
      if (step > 0) actions.next();
      else actions.prev();
    }
  });
  root.addEventListener("pointercancel", (ev) => starts.delete(ev.pointerId));
}

/** Keyboard: → and ← step, space plays or pauses, + and − zoom, 0 fits; not while typing in a field. */
export function bindKeys(target, actions) {
  target.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const el = ev.target;
    const inField = el.closest?.("input, textarea, select, [contenteditable]");
    if (inField && !el.classList.contains("scrubber")) return;
    if (ev.key === "ArrowRight") actions.next();
    else if (ev.key === "ArrowLeft") actions.prev();
    else if (ev.key === " " && !el.closest?.("button, [role=button], a")) actions.toggle();
    else if ((ev.key === "+" || ev.key === "=") && actions.zoom) actions.zoom(1.25);
    else if (ev.key === "-" && actions.zoom) actions.zoom(0.8);
    else if (ev.key === "0") actions.fit();
    else return;
    ev.preventDefault();
  });
}

const ICONS = {
  prev: '<path d="M15 5 L7 12 L15 19" />',
  next: '<path d="M9 5 L17 12 L9 19" />',
  play: '<path d="M8 5 L19 12 L8 19 Z" class="fill" />',
  pause: '<path d="M8 5 V19 M16 5 V19" />',
  fit: '<path d="M4 9 V4 H9 M15 4 H20 V9 M20 15 V20 H15 M9 20 H4 V15" />',
  follow: '<path d="M12 3 V7 M12 17 V21 M3 12 H7 M17 12 H21" /><path d="M12 9.5 A2.5 2.5 0 1 1 11.99 9.5 Z" class="fill" /><path d="M12 5.5 A6.5 6.5 0 1 1 11.99 5.5" />',
};

function icon(name) {
  return `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">${ICONS[name]}</svg>`;
}
