/**
 * How large an axis's tick labels will be, before they are drawn: measured on a canvas, once per text and
 * font, in the font of a hidden text put in `parent` (an SVG group the labels go in) with the attributes
 * d3's axes give theirs, so the page's styles reach it as they reach the labels. refresh() reads the
 * font again (a theme or a window size may change it).
 */
export function labelSizes(parent) {
  const probe = parent.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "text"));
  for (const [name, value] of [["visibility", "hidden"], ["font-family", "sans-serif"], ["font-size", "10"]]) {
    probe.setAttribute(name, value);
  }
  const context = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  let font = "";
  let lineHeight = 15;
  return {
    refresh() {
      const style = getComputedStyle(probe);
      const now = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      if (now === font) return;
      font = now;
      widths.clear();
      // A label's box is as tall as the font's ascent and descent (about 1.2 font sizes where not told).
      context.font = font;
      const m = context.measureText("0");
      const box = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
      lineHeight = Number.isFinite(box) && box > 0 ? box : 1.2 * (parseFloat(style.fontSize) || 12);
    },
    width(text) {
      if (!widths.has(text)) {
        context.font = font;
        widths.set(text, context.measureText(text).width);
      }
      return widths.get(text);
    },
    height: () => lineHeight,
  };
}
