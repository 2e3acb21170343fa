/**
 * What a lesson's model-panel controls do, through the REST API: re-initialise with a seed, train N steps,
 * show the solution. Each gives the weights to show next (per layer {W, b}, as the URL keeps them). The
 * models they create are throwaways, deleted at once, so the page leaves nothing stored.
 */

import { withWeights } from "./source.js";
import { decodeNumber } from "./format.js";

/** The API's parameters without the entries a layer does not have (null). */
export function plainWeights(params) {
  return params.map((layer) => Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== null && v !== undefined)));
}

async function withModel(api, spec, use) {
  const created = await api.createModel(spec);
  try {
    return await use(created);
  } finally {
    api.deleteModel(created.id, created.edit_token).catch(() => {});
  }
}

/** {weights} of a fresh seeded initialisation of `spec` (its explicit weights ignored). */
export function reinitialise(api, spec, seed) {
  return withModel(api, { ...spec, seed, params: null }, async (created) => ({ weights: plainWeights(created.model.params) }));
}

/** {weights, loss (at the last step)} of `spec` started from `weights` (null: its own) after `steps` training steps. */
export function train(api, spec, weights, steps) {
  return withModel(api, withWeights(spec, weights), async (created) => {
    const run = await api.trainModel(created.id, created.edit_token, steps);
    const model = await api.model(created.id);
    return { weights: plainWeights(model.params), loss: run.loss };
  });
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
