/**
 * Classroom mode on the studio (/studio, and /studio?follow={code} for followers): the view state is the
 * share link's fragment (`s=…`, shared/state.js), which the studio writes whenever training pauses or a
 * net is built. A follower opens the presenter's fragment (the studio builds the net from it on load).
 */
import { packedFromHash } from "../shared/state.js";
import { createClassroom } from "../classroom/classroom.js";

/** The last presenter state a studio follower opened (its own builds rewrite the fragment). */
const SHOWN_KEY = "backprop-playground.classroom.studio-shown";

/** Returns the classroom ({following, changed()}); the studio calls changed() after it writes its link. */
export function createStudioClass({ api, storage = globalThis.sessionStorage }) {
  let shown = storage?.getItem(SHOWN_KEY) ?? location.hash.slice(1);
  return createClassroom({
    page: "studio",
    api,
    button: document.getElementById("class-start"),
    anchor: document.querySelector(".topbar"),
    query: () => {
      const s = packedFromHash(location.hash);
      return s ? `s=${s}` : null;
    },
    // the studio builds its net from the fragment when it loads: a new state is a reload
    show: (query, { again = false } = {}) => {
      if (!query || (query === shown && !again)) return;
      shown = query;
      storage?.setItem(SHOWN_KEY, query);
      location.hash = query;
      location.reload();
    },
  });
}
