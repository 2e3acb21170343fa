/**
 * The rows a model trains on, for drawing: the named dataset (GET /datasets/{name}) or the inline rows,
 * with the held-out test rows marked. The server splits the data itself, so the training rows are read
 * back from a trace of the model's first step input (no split logic duplicated here).
 */
import { classCount } from "./spec.js";
import { toNested } from "../shared/tensor-decode.js";

/** {x, y, task, classes} of a spec's data. */
export async function loadData(client, spec) {
  const d = spec.data;
  if (d.x) {
    const classes = classCount(d.y);
    return { x: d.x, y: d.y, task: classes > 2 ? "multiclass" : classes ? "binary" : "regression", classes };
  }
  const query = { n: d.n, noise: d.noise, seed: d.seed, classes: d.classes };
  const data = await client.dataset(d.dataset, query);
  return { x: data.x, y: data.y, task: data.task, classes: data.classes };
}

/** Number of training rows after the server's split (round half to even, as Python's round). */
export function trainCount(n, testFraction) {
  if (!testFraction) return n;
  const raw = n * testFraction;
  const floor = Math.floor(raw);
  const diff = raw - floor;
  const nTest = diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return n - nTest;
}

const key = (row) => row.map((v) => v.toPrecision(12)).join(",");

/**
 * Which rows are held out: true for rows not among `trainX` (row identity by value). When the trace
 * did not cover every training row, nothing is marked.
 */
export function testMask(x, trainX, expectedTrain) {
  if (!trainX || trainX.length !== expectedTrain) return x.map(() => false);
  const seen = new Map();
  for (const row of trainX) seen.set(key(row), (seen.get(key(row)) || 0) + 1);
  return x.map((row) => {
    const k = key(row);
    const left = seen.get(k) || 0;
    if (left > 0) {
      seen.set(k, left - 1);
      return false;
    }
    return true;
  });
}

/** The training rows' inputs from a trace: the forward value of its input node. */
export function inputRows(trace) {
  const nodes = trace.graph?.nodes || [];
  const input = nodes.find((n) => n.role === "input" && n.label === "x") || nodes.find((n) => n.role === "input");
  const event = input && trace.events.find((e) => e.type === "forward" && e.node === input.id);
  return event ? toNested(event.value) : null;
}

/** The test mask of a model's data (all false without a split). */
export async function markTest(client, modelId, spec, data) {
  const tf = spec.data.test_fraction;
  if (!tf) return data.x.map(() => false);
  const expected = trainCount(data.x.length, tf);
  if (spec.batch_size && spec.batch_size < expected) return data.x.map(() => false);
  const trace = await client.trace(modelId, expected);
  return testMask(data.x, inputRows(trace), expected);
}
