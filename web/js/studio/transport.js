/**
 * Training controls: reset, step, play/pause, speed, the ∂L/∂w toggle, the step counter with the
 * measured steps/s and redraws/s, and the hand-off link to the stepper at the current step.
 */

/** Play rates offered (the server caps streams at its max_stream_rate, 60 by default). */
export const SPEEDS = [1, 3, 10, 30, 60];

export function createTransport(root, handlers) {
  root.innerHTML = `
    <div class="group">
      <button type="button" class="icon" id="reset" title="Reset to the initial weights">⟲ Reset</button>
      <button type="button" class="icon" id="step" title="One training step (→)">Step ▸|</button>
      <button type="button" class="icon primary" id="play" title="Train (space)">▶ Train</button>
    </div>
    <label>speed <select id="speed" aria-label="steps per second">${SPEEDS.map((s) =>
      `<option value="${s}"${s === 30 ? " selected" : ""}>${s} steps/s</option>`).join("")}</select></label>
    <label class="toggle"><input type="checkbox" id="show-grads"> show ∂L/∂w on links</label>
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
  $("play").addEventListener("click", () => (playing ? handlers.onPause() : handlers.onPlay(Number($("speed").value))));
  $("speed").addEventListener("change", () => handlers.onSpeed(Number($("speed").value)));
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
      return Number($("speed").value);
    },
    /** Start playing again at the chosen speed (after a mid-run rebuild). */
    resume() {
      if (!playing) handlers.onPlay(Number($("speed").value));
    },
    /** Redraw for {playing, step, sps, fps, status, stepperHref, canTrain}. */
    update(s) {
      if (s.playing !== undefined) {
        playing = s.playing;
        $("play").textContent = playing ? "❚❚ Pause" : "▶ Train";
        $("play").classList.toggle("primary", !playing);
      }
      if (s.step !== undefined && shown["step-count"] !== String(s.step)) {
        setText("step-count", String(s.step));
        $("step-count").dataset.step = String(s.step);
      }
      if (s.sps !== undefined) {
        setText("speedo", playing || s.sps ? `${s.sps.toFixed(0)} steps/s · ${s.fps.toFixed(0)} redraws/s` : "");
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
