/**
 * Built-in starting points of the studio (data, not code): each a full ModelSpec.
 * Lesson presets from GET /api/v1/lessons are added beside these at run time.
 */

const base = {
  loss: null,
  weight_decay: 0,
  batch_size: null,
  seed: 0,
};

// Each preset spells out its whole spec, so entries look alike on purpose: a preset reads (and is
// edited) as the ModelSpec it is, with only the shared defaults in `base`.
export const PRESETS = [
  {
    id: "moons",
    title: "Moons · 2-8-8-1 tanh",
    spec: {
      ...base, name: "moons",
      hidden: [{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }],
      output: { kind: "sigmoid", units: 1 },
      optimizer: { name: "adam", lr: 0.03 },
      data: { dataset: "moons", n: 200, noise: 0.15, seed: 0, test_fraction: 0.3 },
    },
  },
  {
    id: "spiral",
    title: "Spiral · 3 arms, 2-16-16-3 ReLU",
    spec: {
      ...base, name: "spiral",
      hidden: [{ units: 16, activation: "relu" }, { units: 16, activation: "relu" }],
      output: { kind: "softmax", units: 3 },
      optimizer: { name: "adam", lr: 0.02 },
      data: { dataset: "spiral", n: 300, noise: 0.2, seed: 0, classes: 3, test_fraction: 0.2 },
    },
  },
  {
    id: "circles",
    title: "Circles · 2-4-1 ReLU",
    spec: {
      ...base, name: "circles",
      hidden: [{ units: 4, activation: "relu" }],
      output: { kind: "sigmoid", units: 1 },
      optimizer: { name: "sgd", lr: 0.3 },
      data: { dataset: "circles", n: 200, noise: 0.08, seed: 0, test_fraction: 0.3 },
    },
  },
  {
    id: "xor",
    title: "XOR · Goodfellow's 2-2-1 solution",
    spec: {
      ...base, name: "xor",
      hidden: [{ units: 2, activation: "relu" }],
      output: { kind: "linear", units: 1 },
      loss: "mse",
      optimizer: { name: "sgd", lr: 0.1 },
      data: { dataset: "xor" },
      params: [{ W: [[1, 1], [1, 1]], b: [0, -1] }, { W: [[1], [-2]], b: [0] }],
    },
  },
  {
    id: "sine",
    title: "Sine · Gaussian output (regression)",
    spec: {
      ...base, name: "sine",
      hidden: [{ units: 16, activation: "tanh" }, { units: 16, activation: "tanh" }],
      output: { kind: "linear", units: 1 },
      optimizer: { name: "adam", lr: 0.02 },
      data: { dataset: "sine", n: 200, noise: 0.1, seed: 0, test_fraction: 0.2 },
    },
  },
  {
    id: "inverse-sine",
    title: "Inverse sine · mixture density",
    spec: {
      ...base, name: "inverse-sine",
      hidden: [{ units: 16, activation: "tanh" }, { units: 16, activation: "tanh" }],
      output: { kind: "mixture_density", units: 1, components: 3 },
      optimizer: { name: "adam", lr: 0.005 },
      data: { dataset: "inverse_sine", n: 400, noise: 0.05, seed: 0 },
    },
  },
];

/** The specs a lesson offers: its panels that carry a model spec, as presets. */
export function lessonPresets(lesson) {
  return (lesson.panels || [])
    .filter((panel) => panel.spec && panel.spec.output)
    .map((panel, i) => ({ id: `${lesson.id}/${i}`, title: `${lesson.title} · ${panel.title}`, spec: panel.spec }));
}

/** Known datasets, used until GET /datasets answers. */
export const FALLBACK_DATASETS = [
  { name: "moons", task: "binary", n: 200, noise: 0.1, classes: 2 },
  { name: "circles", task: "binary", n: 200, noise: 0.05, classes: 2 },
  { name: "spiral", task: "multiclass", n: 300, noise: 0.2, classes: 3 },
  { name: "xor", task: "binary", n: 4, noise: 0, classes: 2 },
  { name: "gaussians", task: "binary", n: 200, noise: 0.5, classes: 2 },
  { name: "linear", task: "binary", n: 100, noise: 0, classes: 2 },
  { name: "sine", task: "regression", n: 200, noise: 0.1, classes: null },
  { name: "inverse_sine", task: "regression", n: 400, noise: 0.05, classes: null },
];

/** An output unit that fits a dataset's task: sigmoid for binary, softmax for k classes, linear else. */
export function outputFor(task, classes) {
  if (task === "multiclass") return { kind: "softmax", units: classes };
  if (task === "binary") return { kind: "sigmoid", units: 1 };
  return { kind: "linear", units: 1 };
}
