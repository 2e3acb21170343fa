/**
 * The share link: the studio's full state (spec with weights, view options, step) in the URL fragment
 * of /studio, as `#s=1.<base64url of deflated JSON>`. Pure apart from the standard
 * CompressionStream, which browsers and Node ≥ 18 both provide.
 */

export const CODEC_VERSION = 1;
/** Longest fragment we hand out: browsers cope with far more, but chat apps and slides do not. */
export const MAX_LINK_CHARS = 60000;

/** Bytes → base64url without padding. */
export function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** base64url (with or without padding) → bytes; throws on foreign characters. */
export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("the link is damaged (unexpected characters)");
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** Round every number in nested data to `digits` significant digits (to shrink a long link). */
export function roundNumbers(value, digits) {
  if (typeof value === "number") return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
  if (Array.isArray(value)) return value.map((v) => roundNumbers(v, digits));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v, digits)]));
  }
  return value;
}

/** State → fragment text "1.<payload>" (exact numbers: JSON keeps float64 round-trips exact). */
export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const packed = await pipe(json, new CompressionStream("deflate-raw"));
  return `${CODEC_VERSION}.${toBase64Url(packed)}`;
}

/** Fragment text → state; throws an Error with a readable message when the link is damaged. */
export async function decodeState(text) {
  const dot = text.indexOf(".");
  const version = Number(text.slice(0, dot));
  if (dot < 0 || version !== CODEC_VERSION) throw new Error("this link was made by another version");
  let bytes;
  try {
    bytes = await pipe(fromBase64Url(text.slice(dot + 1)), new DecompressionStream("deflate-raw"));
  } catch {
    throw new Error("the link is damaged (it could not be unpacked)");
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * The fragment for a state that fits MAX_LINK_CHARS: exact if possible, else with rounded numbers,
 * Returns {fragment, rounded} or {error}.
 */
export async function encodeForLink(state, limit = MAX_LINK_CHARS) {
  let fragment = await encodeState(state);
  if (fragment.length <= limit) return { fragment, rounded: false };
  const rounded = roundNumbers(state, 5);
  fragment = await encodeState(rounded);
  if (fragment.length <= limit) return { fragment, rounded: true };
  return {
    error: `the state needs ${fragment.length} characters, more than a link should carry (${limit}); ` +
      "export the model as JSON instead",
  };
}

/** The state text of a URL hash ("#s=…"), or null. */
export function stateFromHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return params.get("s");
}
