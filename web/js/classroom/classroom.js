/**
 * Classroom mode on a page: a follower's page (/join/{code}, or the studio's ?follow={code}) follows the
 * room; any other page can start a class and present. The page passes how to read and show its view.
 */
import { startFollowing } from "./follower.js";
import { startPresenting } from "./presenter.js";
import { followCode } from "./protocol.js";

/**
 * `page`: "stepper" or "studio"; `api`: the shared API client; `button`: "Start a class"; `anchor`: the
 * element the follower's banner goes after (the header); `query()` → the view's URL state;
 * `show(query, {again})` mirrors the presenter's (`again`: on "Follow again"); `askable()` (optional)
 * the question about the selection; `onEnded(message)` when a followed room is unknown or ends;
 * `onWaiting()` when a follower joined a room whose presenter shows nothing yet.
 * Returns {following, changed()}: the page calls changed() whenever its view state changes.
 */
export function createClassroom({ page, api, button, anchor, query, show, askable = null, onEnded = () => {}, onWaiting = () => {} }) {
  const code = followCode(location.pathname, location.search);
  if (code) {
    if (button) button.hidden = true;
    startFollowing({ code, page, show, onEnded, onWaiting, anchor });
    return { following: true, code, changed: () => {} };
  }
  if (!button) return { following: false, code: null, changed: () => {} }; // a page without the button
  const presenter = startPresenting({ page, api, query, askable, button });
  return { following: false, code: null, changed: () => presenter.changed() };
}
