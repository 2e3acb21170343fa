// Loaded before every node test file (`node --import ./tests/web/setup.js --test tests/web/`, see the
// Makefile): the vocabulary a served page carries in #vocabulary, as the server answers it
// (fixtures/vocabulary.json, generated from the server and checked for drift by tests/api/test_web_fixtures.py).
import { readFileSync } from "node:fs";
import { setVocabulary } from "../../web/js/shared/vocabulary.js";

setVocabulary(JSON.parse(readFileSync(new URL("./fixtures/vocabulary.json", import.meta.url), "utf8")));
