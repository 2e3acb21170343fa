/**
 * What the server offers the builder: its datasets and lessons. A lesson becomes a preset through its
 * panels that carry a model spec (fetched when chosen: a lesson's facts cost the server a little work).
 */
import { lessonPresets } from "./presets.js";

/** {datasets, lessons} from the server; either is null when its route does not answer. */
export async function loadCatalog(client) {
  const [datasets, lessons] = await Promise.all([
    client.datasets().catch(() => null),
    client.lessons().catch(() => null),
  ]);
  return { datasets: datasets?.length ? datasets : null, lessons };
}

/** The preset id of a lesson in the builder's menu, and back. */
export const lessonPresetId = (lessonId) => `lesson:${lessonId}`;
export const lessonIdOf = (presetId) => (presetId?.startsWith("lesson:") ? presetId.slice(7) : null);

/** The lesson's model panels as presets ([] for a lesson about a computation graph). */
export async function lessonPanels(client, lessonId) {
  return lessonPresets(await client.lesson(lessonId));
}
