/**
 * Training controls: reset, step, play/pause, speed, the ∂L/∂w toggle, the step counter with the
 * measured steps/s and frames/s, and the hand-off link to the stepper at the current step.
 * Owns the transport bar's DOM; `update(state)` shows it; user intent goes out through `handlers`.
 */

/**
 * Play rates offered. Up to 60 steps/s (the server's max_stream_rate) every step is a frame; faster
 * ones fast-forward: untraced steps on the server, a frame at the screen's rate, every step's loss.
 */
export const SPEEDS = [1, 3, 10, 30, 60, 1000, "max"];
const FAST_FROM = 60;

/** A speed as the stream's play rate: steps per second, or "max". */
export const speedOf = (value) => (value === "max" ? "max" : Number(value));

function speedLabel(s) {
  if (s === "max") return "max (fast-forward)";
  return s > FAST_FROM ? `${s.toLocaleString("en")} steps/s (fast-forward)` : `${s} steps/s`;
}

export function createTransport(root, handlers) {
  root.innerHTML = `
    <div class="group">
      <button type="button" class="icon" id="reset" title="Reset to the initial weights">⟲ Reset</button>
      <button type="button" class="icon" id="step" title="One training step (→)">Step ▸|</button>
      <button type="button" class="icon primary" id="play" title="Train (space)">▶ Train</button>
    </div>
    <label>speed <select id="speed" aria-label="steps per second">${SPEEDS.map((s) =>
      `<option value="${s}"${s === 30 ? " selected" : ""}>${speedLabel(s)}</option>`).join("")}</select></label>
    <label class="toggle" title="Show ∂L/∂w on links"><input type="checkbox" id="show-grads" aria-label="show ∂L/∂w on links"> <span class="wordy">show </span>∂L/∂w<span class="wordy"> on links</span></label>
    <span class="counter" id="counter" aria-live="off">step <span id="step-count" data-step="0">0</span></span>
    <span class="speedo" id="speedo"></span>
    <span class="status" id="conn"></span>
    <a class="to-stepper" id="open-stepper" href="/">Open in stepper →</a>`;
  const $ = (id) => root.querySelector(`#${id}`);
  // Written every animation frame: touch the DOM only when a text really changes.
  const shown = {};
  const setText = (id, text) => {
    if (shown[id] === text) return;
    shown[id] = text;
    $(id).textContent = text;
  };
  let playing = false;
  $("reset").addEventListener("click", () => handlers.onReset());
  $("step").addEventListener("click", () => handlers.onStep());
  $("play").addEventListener("click", () => (playing ? handlers.onPause() : handlers.onPlay(speedOf($("speed").value))));
  $("speed").addEventListener("change", () => handlers.onSpeed(speedOf($("speed").value)));
  $("show-grads").addEventListener("change", (e) => handlers.onGradients(e.target.checked));
  $("open-stepper").addEventListener("click", () => handlers.onOpenStepper?.());
  // Keys for the lectern: space trains or pauses, → takes one step.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea, button, summary")) return;
    const button = { " ": "play", ArrowRight: "step" }[e.key];
    if (!button || $(button).disabled) return;
    e.preventDefault();
    $(button).click();
  });

  return {
    get speed() {
      return speedOf($("speed").value);
    },
    /** Start playing again at the chosen speed (after a mid-run rebuild). */
    resume() {
      if (!playing) handlers.onPlay(speedOf($("speed").value));
    },
    /** Redraw for {playing, step, sps, fps, status, stepperHref, canTrain}. */
    update(s) {
      if (s.playing !== undefined) {
        playing = s.playing;
        $("play").textContent = playing ? "❚❚ Pause" : "▶ Train";
        $("play").classList.toggle("primary", !playing);
        // Paused: no rate at all, at once (the last second's measure would fade out over a second).
        if (!playing) setText("speedo", "");
      }
      if (s.step !== undefined && shown["step-count"] !== String(s.step)) {
        setText("step-count", String(s.step));
        $("step-count").dataset.step = String(s.step);
      }
      if (s.sps !== undefined) {
        // Measured, not the rate asked for: steps that arrived, and redraws that showed a new frame.
        const steps = Math.round(s.sps).toLocaleString("en");
        setText("speedo", playing ? `${steps} steps/s · ${s.fps.toFixed(0)} frames/s` : "");
      }
      if (s.status !== undefined) setText("conn", s.status);
      if (s.stepperHref && shown.href !== s.stepperHref) {
        shown.href = s.stepperHref;
        $("open-stepper").href = s.stepperHref;
      }
      if (s.canTrain !== undefined) for (const id of ["reset", "step", "play"]) $(id).disabled = !s.canTrain;
    },
  };
}
