/**
 * Colour scales of the studio, pure functions from numbers to RGB.
 * Blue is positive (class 1), orange negative (class 0); the midpoint is the theme's neutral,
 * so a calm, untrained net looks like the page and strong weights stand out in a lecture hall.
 */

export const THEMES = {
  light: { neutral: [246, 245, 241], positive: [21, 101, 192], negative: [230, 108, 18], ink: [24, 28, 36] },
  dark: { neutral: [30, 34, 44], positive: [86, 160, 245], negative: [255, 150, 60], ink: [236, 238, 242] },
};

/** Extra class colours after orange (0) and blue (1), for softmax outputs. */
export const CLASS_EXTRA = [
  [46, 160, 90],
  [150, 90, 200],
  [215, 60, 90],
  [120, 120, 120],
  [0, 160, 170],
  [160, 130, 20],
];

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const mix = (a, b, t) => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));

/** A value in [−1, 1] on the diverging scale of a theme (NaN → ink grey). */
export function diverging(t, theme = "light") {
  const th = THEMES[theme] || THEMES.light;
  if (!Number.isFinite(t)) return [128, 128, 128];
  const u = clamp(t, -1, 1);
  // A square-root ramp keeps small values visible without saturating large ones.
  const s = Math.sqrt(Math.abs(u));
  return mix(th.neutral, u >= 0 ? th.positive : th.negative, s);
}

/** The colour of class k (0 orange, 1 blue, then the extra palette). */
export function classColor(k, theme = "light") {
  const th = THEMES[theme] || THEMES.light;
  if (k === 0) return th.negative;
  if (k === 1) return th.positive;
  return CLASS_EXTRA[(k - 2) % CLASS_EXTRA.length];
}

/** "rgb(r g b)" of an RGB triple, with optional alpha. */
export function css(rgb, alpha = 1) {
  return alpha === 1 ? `rgb(${rgb.join(" ")})` : `rgb(${rgb.join(" ")} / ${alpha})`;
}

/** The hex string of an RGB triple (for SVG exports read by tools without CSS colour 4). */
export function hex(rgb) {
  return "#" + rgb.map((v) => clamp(v, 0, 255).toString(16).padStart(2, "0")).join("");
}

/** Symmetric scale of a weight: magnitude m maps to [−1, 1] relative to `limit`. */
export function signedUnit(value, limit) {
  if (!(limit > 0)) return 0;
  return clamp(value / limit, -1, 1);
}

/**
 * RGBA pixels for a grid of values (row-major, `width` × `height`, row 0 at the top).
 * `toRGB(value)` gives the colour; `alpha` (0–255) applies to every pixel.
 */
export function rasterize(values, width, height, toRGB, alpha = 255) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = toRGB(values[i]);
    pixels[i * 4] = r;
    pixels[i * 4 + 1] = g;
    pixels[i * 4 + 2] = b;
    pixels[i * 4 + 3] = alpha;
  }
  return pixels;
}

/** Colour of a probability of class 1 (0.5 is neutral), for sigmoid boundaries. */
export function probabilityColor(p, theme = "light") {
  return diverging(2 * p - 1, theme);
}

/** A colour moved toward the theme's neutral (a background that lets same-coloured points show). */
export function soften(rgb, theme = "light", keep = theme === "dark" ? 0.72 : 0.62) {
  return mix((THEMES[theme] || THEMES.light).neutral, rgb, keep);
}

/** Colour of a softmax row: the winning class's colour, faded toward neutral by its margin. */
export function softmaxColor(probs, theme = "light") {
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
  const k = probs.length;
  const confidence = k > 1 ? (probs[best] - 1 / k) / (1 - 1 / k) : 1;
  const th = THEMES[theme] || THEMES.light;
  return mix(th.neutral, classColor(best, theme), 0.85 * Math.sqrt(clamp(confidence, 0, 1)));
}
