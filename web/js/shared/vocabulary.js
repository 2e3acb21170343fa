/**
 * The words the pages share with the server, said there once (server/backprop_playground/vocabulary.py):
 * each op's short symbol, a label's characters in LaTeX, and the model spec's choices. Every page the
 * server serves (and the offline file) carries them in a JSON script element `#vocabulary`, so reading
 * them costs no request. Tests set them from the fixture generated from the server.
 */

let current = null;

/** {symbols, tex, enums: {activation, output_kind, loss, optimizer}, default_loss}. */
export function vocabulary() {
  if (current === null) {
    const element = globalThis.document?.getElementById("vocabulary");
    if (!element?.textContent.trim()) throw new Error("this page carries no vocabulary (#vocabulary)");
    current = JSON.parse(element.textContent);
  }
  return current;
}

/** Use `words` from now on (tests, and a page that got them otherwise). */
export function setVocabulary(words) {
  current = words;
}
