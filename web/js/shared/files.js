/**
 * Files a page makes for its reader: `saveBlob` hands a Blob to the browser as a download, `svgImage`
 * decodes an SVG document's text into an image to draw on a canvas.
 */

/** Save `blob` as a download named `name`. */
export function saveBlob(name, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** An SVG document's text as a decoded image (for drawImage). */
export async function svgImage(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}
