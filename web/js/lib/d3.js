// d3 as an ES module: its UMD build sets globalThis.d3 when imported for its side effect.
import "/vendor/d3/dist/d3.min.js";

export default globalThis.d3;
