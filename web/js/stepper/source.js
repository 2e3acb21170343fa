/**
 * Where a trace comes from: a lesson panel, a typed expression or a model spec, as the URL state says.
 * Resolves to {trace, lesson, panel, kind, expression?}. Shared by the main page and the embed.
 */

import { sourceOf } from "../shared/state.js";

/** The spec with URL weights (per layer {W, b}) in place of its params. */
export function withWeights(spec, weights) {
  return weights ? { ...spec, params: weights } : spec;
}

/**
 * Trace of one training step of the net `spec` describes (forward, backward, update, metrics). The server
 * builds the net for this request only and stores nothing, so page loads leave nothing behind and need no
 * model-creation quota.
 */
export async function modelStepTrace(api, spec) {
  return { trace: await api.specStep(spec) };
}

/**
 * Load what the state asks for. `cache` keeps lessons between calls. `file` is a lesson opened from a file
 * (POST /lessons/preview: shown, not stored), shown when the state names nothing else: {name, lesson} or,
 * for a file that cannot be shown, {name, error: {file, line, message}} (thrown as the error of a lesson).
 */
export async function loadSource(api, state, cache = new Map(), { file = null } = {}) {
  const kind = sourceOf(state);
  const symbolic = state.view === "s2s";
  if (kind === "expression") {
    const expression = { source: state.expr, values: state.values ?? {}, mode: symbolic ? "symbolic" : "numeric" };
    return { kind, expression, trace: await api.expression(expression) };
  }
  if (kind === "spec") {
    const { trace } = await modelStepTrace(api, withWeights(state.spec, state.weights));
    return { kind, trace, spec: state.spec };
  }
  if (kind === "model") {
    // A saved model (e.g. handed over by the studio): its next step, traced on a copy so the original
    // (whose edit token this page does not have) stays as it is.
    const saved = await api.model(state.model);
    const { trace } = await modelStepTrace(api, withWeights(saved.spec, state.weights ?? saved.params));
    return { kind, trace, spec: saved.spec };
  }
  if (kind === "lesson") {
    if (!cache.has(state.lesson)) cache.set(state.lesson, await api.lesson(state.lesson));
    return lessonPanelSource(api, state, cache.get(state.lesson), kind);
  }
  if (file?.error) throw Object.assign(new Error(file.error.message), { error: file.error });
  if (file?.lesson) return { ...(await lessonPanelSource(api, state, file.lesson, "file")), file: file.name };
  return { kind: null, trace: null };
}

/** The panel of `lesson` the state chooses, with its trace. */
async function lessonPanelSource(api, state, lesson, kind) {
  const symbolic = state.view === "s2s";
  const panels = lesson.panels ?? [];
  const index = Math.max(0, Math.min(panels.length - 1, state.panel ?? 0));
  const panel = panels[index];
  if (!panel) return { kind, lesson, panel: null, trace: null };
  if (panel.expression) {
    const e = panel.expression;
    const expression = { source: e.source, values: state.values ?? e.values ?? {}, mode: symbolic ? "symbolic" : e.mode ?? "numeric" };
    return { kind, lesson, panel, index, expression, trace: await api.expression(expression) };
  }
  // A panel may start from other weights than its spec's own (e.g. a solution with one weight moved).
  const weights = state.weights ?? panel.start ?? null;
  const { trace } = await modelStepTrace(api, withWeights(panel.spec, weights));
  return { kind, lesson, panel, index, spec: panel.spec, weights, trace };
}
