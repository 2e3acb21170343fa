/**
 * The expression box: type `sigmoid(w*x + b)` and its values, press Draw; errors from the server are shown
 * in place. `onSubmit({source, values})` fires with parsed values. `setFunctions` takes the server's function
 * list (GET /expressions/functions): their names are not variables, their signatures are the input's tooltip.
 */

import { parseValues, formatValues, variablesOf } from "../../shared/state.js";

/** Build the expression form in `root` (a <form>). */
export function createExpressionForm(root, { onSubmit }) {
  root.classList.add("expr-form");
  root.innerHTML = `
    <h2>Your own expression</h2>
    <label for="expr-source">Expression</label>
    <input id="expr-source" name="source" type="text" spellcheck="false" autocomplete="off" placeholder="sigmoid(w*x + b)" required>
    <label for="expr-values">Values</label>
    <input id="expr-values" name="values" type="text" spellcheck="false" autocomplete="off" placeholder="w=0.5, x=2, b=-1" aria-describedby="expr-hint">
    <p id="expr-hint" class="hint muted">Name = number, separated by commas. Missing names get 1.</p>
    <div class="row"><button type="submit" class="primary">Draw and step</button></div>
    <div class="error" role="alert" hidden></div>`;
  const source = root.querySelector("#expr-source");
  const values = root.querySelector("#expr-values");
  const error = root.querySelector(".error");
  let functions = new Set();

  root.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const parsed = parseValues(values.value);
    if (parsed === null) return showError("Values must look like x=2, y=-1");
    for (const name of variablesOf(source.value, functions)) if (!(name in parsed)) parsed[name] = 1;
    showError(null);
    values.value = formatValues(parsed).replaceAll(",", ", ");
    onSubmit({ source: source.value.trim(), values: parsed });
  });

  /** Show the server's message: its first line as text, the source and caret lines under it verbatim. */
  function showError(message) {
    error.hidden = !message;
    const [first, ...rest] = String(message ?? "").split("\n");
    error.textContent = first;
    if (rest.length) {
      const pre = document.createElement("pre");
      pre.className = "caret";
      pre.textContent = rest.join("\n");
      error.append(pre);
    }
    root.classList.toggle("has-error", !!message);
  }

  /** Put an expression in the fields (when it came from the URL or a lesson). */
  function update(expr, vals) {
    if (expr != null) source.value = expr;
    if (vals) values.value = formatValues(vals).replaceAll(",", ", ");
  }

  /** The server's functions [{name, signature, doc}], or null when the list could not be fetched. */
  function setFunctions(list) {
    functions = new Set((list ?? []).map((f) => f.name));
    source.title = list
      ? `Functions: ${list.map((f) => f.signature).join(", ")}`
      : "The server's function list is unavailable: calls are checked when the expression is drawn.";
  }

  return { update, showError, setFunctions, element: root };
}
