// KaTeX as an ES module: its minified UMD build (half the size of its ES build) sets globalThis.katex when
// imported for its side effect, as lib/d3.js does for d3.
import "/vendor/katex/dist/katex.min.js";

export default globalThis.katex;
