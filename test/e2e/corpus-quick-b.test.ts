// Corpus cases every `npm test` runs (the whole matrix: scripts/corpus-matrix.sh): real-world nginx shapes in the test
// world through doctor, doctor --fix and migrate, with every name's verdict compared with Pebble's.
import { describe, it } from "vitest";
import { requirePrograms } from "../world/programs.js";
import { assertCase } from "./corpus/assert-case.js";
import { runCorpusCase } from "./corpus/run-corpus-case.js";

const programs = requirePrograms();

describe.skipIf(programs.skip)(`nginx corpus${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  it.each(["wordpress", "debian-default"])("%s", async (id) => {
    assertCase(await runCorpusCase(id));
  }, 180_000);
});
