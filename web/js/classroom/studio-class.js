/**
 * Classroom mode on the studio (/studio, and /studio?follow={code} for followers): the view state is the
 * share link's fragment (`s=…`, studio/codec.js), which the studio writes whenever training pauses or a
 * net is built. A follower opens the presenter's fragment (the studio builds the net from it on load).
 */
import { stateFromHash } from "../studio/codec.js";
import { createClassroom } from "./classroom.js";

/** Returns the classroom ({following, changed()}); the studio calls changed() after it writes its link. */
export function createStudioClass({ api }) {
  return createClassroom({
    page: "studio",
    api,
    button: document.getElementById("class-start"),
    anchor: document.querySelector(".topbar"),
    query: () => {
      const s = stateFromHash(location.hash);
      return s ? `s=${s}` : null;
    },
    show: (query) => {
      if (!query || query === location.hash.slice(1)) return;
      location.hash = query;
      location.reload();
    },
  });
}
