/**
 * What a lesson's model-panel controls do, through the REST API: re-initialise with a seed, train N steps,
 * show the solution. Each gives the weights to show next (per layer {W, b}, as the URL keeps them). The
 * server trains the spec's net for the request only (POST /specs/train), so the page leaves nothing stored.
 */

import { withWeights } from "./source.js";
import { decodeNumber } from "../shared/tensor-decode.js";

/** The API's parameters without the entries a layer does not have (null). */
export function plainWeights(params) {
  return params.map((layer) => Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== null && v !== undefined)));
}

/** {weights} of a fresh seeded initialisation of `spec` (its explicit weights ignored). */
export async function reinitialise(api, spec, seed) {
  const run = await api.specTrain({ ...spec, seed, params: null }, 0);
  return { weights: plainWeights(run.params) };
}

/** {weights, loss (at the last step)} of `spec` started from `weights` (null: its own) after `steps` training steps. */
export async function train(api, spec, weights, steps) {
  const run = await api.specTrain(withWeights(spec, weights), steps);
  return { weights: plainWeights(run.params), loss: run.loss };
}

/** The solution's weights: the panel spec's own explicit parameters. */
export function solution(spec) {
  return spec.params ? plainWeights(spec.params) : null;
}

/** The loss a wire trace reports for the weights it traced (its metrics event), or null. */
export function traceLoss(wire) {
  const metrics = (wire?.events ?? []).findLast((e) => e.type === "metrics");
  return metrics && metrics.loss !== null && metrics.loss !== undefined ? decodeNumber(metrics.loss) : null;
}
