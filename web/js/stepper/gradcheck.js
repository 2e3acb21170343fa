/**
 * "Check gradient" for an expression variable: a central finite difference computed by re-running the
 * expression through the server with the variable nudged by ±h, compared with the backprop gradient.
 */

import { readTrace } from "./trace.js";
import { decodeTensor } from "../shared/tensor-decode.js";

/** The scalar value of a trace's output node (the last forward value of it). */
export function outputValue(wire) {
  const trace = readTrace(wire);
  const ev = trace.steps.filter((e) => e.type === "forward" && e.node === trace.output).pop();
  if (!ev || !ev.value?.data || ev.value.size !== 1) throw new Error("the output is not a scalar");
  return ev.value.data[0];
}

/** |a − b| / max(|a|, |b|, tiny): 0 when both are 0. */
export function relativeError(a, b) {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / Math.max(scale, 1e-300);
}

/** Central difference of the expression's output in `variable`, against `analytic`. */
export async function checkExpressionGradient(api, expression, variable, analytic, h = 1e-5) {
  const values = expression.values ?? {};
  if (!(variable in values)) throw new Error(`${variable} has no value to nudge`);
  const at = (v) => api.expression({ ...expression, mode: "numeric", values: { ...values, [variable]: v } });
  const [plus, minus] = await Promise.all([at(values[variable] + h), at(values[variable] - h)]);
  const numeric = (outputValue(plus) - outputValue(minus)) / (2 * h);
  return {
    numeric: decodeTensor(numeric),
    analytic: decodeTensor(analytic),
    relError: relativeError(numeric, analytic),
    note: `central difference (f(${variable}+h) − f(${variable}−h)) / 2h with h = ${h}, both evaluated by the server`,
  };
}

/**
 * The server's check (POST /gradcheck) when it answers, else the client-side central difference above.
 * Resolves to {numeric, analytic (decoded tensors), relError, note}.
 */
export async function checkGradient(api, expression, variable, analytic) {
  try {
    const [r] = await api.gradcheck({ source: expression.source, values: expression.values ?? {}, variable });
    return {
      numeric: decodeTensor(r.numeric),
      analytic: decodeTensor(r.analytic),
      relError: Number(r.max_rel_error),
      note: "the server's central difference (f(x+ε) − f(x−ε)) / 2ε, largest relative error over entries",
    };
  } catch (err) {
    if (err.status !== 404 && err.status !== 405) throw err;
    return checkExpressionGradient(api, expression, variable, analytic);
  }
}
