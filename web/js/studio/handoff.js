/**
 * The hand-off to the stepper page: its URL state (../shared/state.js) with the studio's spec and current
 * weights, so the stepper builds the same net and traces one training step from exactly here.
 * The model id rides along for a stepper that can open a live model directly.
 */
import { defaultState, encodeState } from "../shared/state.js";

/** Longest link handed over; a spec with a large uploaded CSV inline is sent by model id alone. */
export const MAX_STEPPER_URL = 30000;

/** "/?spec=…&weights=…&model=…" for a spec, its current params and the live model's id. */
export function stepperUrl(spec, params, modelId, theme = "light") {
  if (!spec || !params) return "/";
  const { params: _initial, ...bare } = spec;
  const query = encodeState({ ...defaultState(), spec: bare, weights: params, theme });
  const model = modelId ? `model=${encodeURIComponent(modelId)}` : "";
  const url = `/?${query}${model && `&${model}`}`;
  return url.length <= MAX_STEPPER_URL || !model ? url : `/?${model}`;
}
