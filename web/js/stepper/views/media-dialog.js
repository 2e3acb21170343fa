/**
 * The small dialog of "Download GIF or video" (stepper and embed): range, seconds per step, format, what it
 * will make (or why it cannot), a progress bar with Cancel, and the command line for an MP4. The recording
 * itself is media-record.js, loaded when the dialog first opens.
 */

import { HOLD, MAX_PIXELS, cliCommand, formatSeconds, mediaFileName } from "../media-plan.js";
import { copyText } from "../../shared/page.js";
import { saveBlob } from "../../shared/files.js";

const RANGE_LABELS = { all: "Whole trace", forward: "Forward pass", backward: "Backward pass", current: "This step to the end" };

/**
 * `stepper` (createStepper's), `state()` the view's state (lesson or expression, theme) for the file name and
 * the command line; `onRecording(busy)` is told when a recording starts and ends.
 */
export function createMediaDialog({ stepper, state, onRecording = () => {} }) {
  const dialog = document.createElement("dialog");
  dialog.className = "media-dialog";
  dialog.setAttribute("aria-labelledby", "media-title");
  dialog.innerHTML = `
    <form method="dialog" class="media-form">
      <h2 id="media-title">Download GIF or video</h2>
      <p class="muted small">The graph as it is on screen, stepping as it does, for slides without iframes.</p>
      <label class="field"><span>Range</span><select name="range">
        ${Object.entries(RANGE_LABELS).map(([v, t]) => `<option value="${v}">${t}</option>`).join("")}
      </select></label>
      <label class="field"><span>Seconds per step</span>
        <input name="hold" type="number" min="${HOLD.min}" max="${HOLD.max}" step="0.1" value="${HOLD.default}" inputmode="decimal"></label>
      <div class="media-format" role="radiogroup" aria-labelledby="media-format-label"><span id="media-format-label">Format</span>
        <label><input type="radio" name="format" value="gif" checked> GIF <span class="muted">(loops)</span></label>
        <label class="media-webm"><input type="radio" name="format" value="webm"> Video (WebM)</label>
      </div>
      <p class="media-summary small" role="status"></p>
      <p class="media-error small" role="alert" hidden></p>
      <div class="media-progress" hidden><progress max="1" value="0"></progress><span class="small media-progress-text"></span></div>
      <details class="media-cli small">
        <summary>MP4 for PowerPoint, Keynote or Google Slides</summary>
        <p>An MP4 comes from the command line (<code>pip install 'backprop-playground[media]'</code>):</p>
        <div class="media-cli-row"><code class="media-command"></code><button type="button" class="media-copy">Copy</button></div>
      </details>
      <div class="media-buttons">
        <button type="button" class="media-cancel">Close</button>
        <button type="submit" class="media-start primary">Download</button>
      </div>
    </form>`;
  document.body.append(dialog);
  const $ = (sel) => dialog.querySelector(sel);
  const form = $("form");
  const s = { recorder: null, controller: null, plan: null };

  // the stepper's keys stay out while the dialog is open (a step would move the recording)
  dialog.addEventListener("keydown", (ev) => { if (ev.key !== "Escape") ev.stopPropagation(); });
  dialog.addEventListener("cancel", (ev) => {
    if (s.controller) {
      ev.preventDefault();
      s.controller.abort();
    }
  });

  const values = () => ({
    range: form.range.value,
    hold: Math.min(HOLD.max, Math.max(HOLD.min, Number(form.hold.value) || HOLD.default)),
    format: form.format.value,
  });

  function refresh() {
    if (!s.recorder || s.controller) return;
    const v = values();
    const plan = s.recorder.planRecording(stepper, v);
    s.plan = plan;
    const error = plan.error ?? null;
    $(".media-error").hidden = !error;
    $(".media-error").textContent = error ?? "";
    $(".media-start").disabled = !!error;
    $(".media-summary").textContent = error || !plan.schedule ? "" : [
      `Steps ${plan.first}–${plan.last}`,
      formatSeconds(plan.schedule.seconds),
      `${plan.size.width}×${plan.size.height} px${plan.size.scaled ? ` (scaled to at most ${Math.round(MAX_PIXELS / 1e6 * 10) / 10} MP)` : ""}`,
      `${plan.schedule.frames} frames`,
    ].join(" · ") + (v.format === "webm" ? ". A video records in real time." : ".");
    const out = $(".media-summary").dataset; // for tests: the plan as numbers
    if (error || !plan.schedule) for (const k of Object.keys(out)) delete out[k];
    else Object.assign(out, { first: plan.first, last: plan.last, seconds: plan.schedule.seconds, frames: plan.schedule.frames, width: plan.size.width, height: plan.size.height });
    const last = plan.last ?? stepper.timeline()?.total;
    $(".media-command").textContent = cliCommand(state(), { range: v.range, first: plan.first ?? 0, last, hold: v.hold });
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  $(".media-copy").addEventListener("click", async () => {
    const ok = await copyText($(".media-command").textContent);
    $(".media-copy").textContent = ok ? "Copied" : "Select and copy";
  });
  $(".media-cancel").addEventListener("click", () => {
    if (s.controller) s.controller.abort();
    else dialog.close();
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (s.controller || !s.plan || s.plan.error) return;
    const v = values();
    const controller = new AbortController();
    s.controller = controller;
    busy(true);
    const bar = $(".media-progress progress");
    const text = $(".media-progress-text");
    try {
      const blob = await s.recorder.recordMedia(stepper, {
        ...v, signal: controller.signal,
        onProgress: (done, total) => {
          bar.value = total ? done / total : 0;
          text.textContent = `Frame ${done} of ${total}`;
        },
      });
      saveBlob(mediaFileName(state(), v.range, v.format), blob);
      text.textContent = `Saved: ${(blob.size / 1e6).toFixed(2)} MB.`;
      dialog.dataset.saved = String(blob.size);
    } catch (err) {
      const cancelled = err instanceof s.recorder.Cancelled;
      text.textContent = cancelled ? "Cancelled." : "";
      if (!cancelled) {
        $(".media-error").hidden = false;
        $(".media-error").textContent = `Could not record: ${err.message}`;
      }
    } finally {
      s.controller = null;
      busy(false);
    }
  });

  function busy(on) {
    onRecording(on);
    dialog.classList.toggle("recording", on);
    $(".media-progress").hidden = false;
    $(".media-start").disabled = on;
    $(".media-cancel").textContent = on ? "Cancel" : "Close";
    for (const el of form.querySelectorAll("select, input")) el.disabled = on;
  }

  return {
    element: dialog,
    /** Open the dialog (loading the recorder the first time). */
    async open() {
      s.recorder ??= await import("../media-record.js");
      const webm = !!s.recorder.webmType();
      $(".media-webm").hidden = !webm;
      if (!webm && form.format.value === "webm") form.format.value = "gif";
      $(".media-progress").hidden = true;
      $(".media-copy").textContent = "Copy";
      delete dialog.dataset.saved;
      if (!dialog.open) dialog.showModal();
      refresh();
    },
  };
}
