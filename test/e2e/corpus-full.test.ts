// The whole nginx corpus (fixtures/nginx-corpus): every case through doctor, doctor --fix and migrate, each name's
// verdict compared with Pebble's. Too long for every `npm test`; scripts/corpus-matrix.sh (run by .ci/run) sets
// NGCERT_CORPUS=all to run it.
import { describe, it } from "vitest";
import { requirePrograms } from "../world/programs.js";
import { assertCase } from "./corpus/assert-case.js";
import { listCases } from "./corpus/corpus-case.js";
import { runCorpusCase } from "./corpus/run-corpus-case.js";

const programs = requirePrograms();
const wanted = process.env.NGCERT_CORPUS === "all";
const cases = wanted ? await listCases() : [];

describe.skipIf(programs.skip || !wanted)(`nginx corpus, every case${wanted ? "" : " (NGCERT_CORPUS=all runs it)"}`, () => {
  it.each(cases.length > 0 ? cases : ["(none)"])("%s", async (id) => {
    assertCase(await runCorpusCase(id));
  }, 180_000);
});
