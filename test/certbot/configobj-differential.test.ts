// Differential test of the renewal conf reader against configobj itself: generated confs written by configobj (as
// certbot writes them), then damaged by mutate-conf-bytes.ts, are read by both; the verdict, configobj's error message,
// every value and every interpolated root and [renewalparams] scalar must agree. NGCERT_DIFFERENTIAL=full runs the big
// matrix (scripts/certbot-differential.sh); NGCERT_DIFF_SEED=n replays a run.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childPath, ConfReader, rootPath, type SectionPath } from "../../src/certbot/configobj-interpolate.js";
import { parseConfObj, type ConfSection } from "../../src/certbot/configobj.js";
import { oracleCheck, runOracle } from "../helpers/certbot-python.js";
import { createRandom, differentialSize, runSeed } from "../helpers/random.js";
import { mutate } from "./generate/mutate-conf-bytes.js";
import { generateConfSpec, type ConfSpec } from "./generate/renewal-conf-spec.js";

const ORACLE = fileURLToPath(new URL("./oracle/configobj_oracle.py", import.meta.url));
const check = oracleCheck();

interface PyTree {
  values: [string, string | string[]][];
  sections: [string, PyTree][];
}
type PyScalar = { value: string | string[] } | { error: string };
type PyRead = { error: string } | { tree: PyTree; root: [string, PyScalar][]; renewalparams?: [string, PyScalar][] };

/** One shape for both sides: entries sorted by key (JavaScript objects reorder integer-like keys). */
interface Normal {
  values: [string, string | string[]][];
  sections: [string, Normal][];
}
const byKey = <T>(entries: [string, T][]): [string, T][] => [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const normalPy = (tree: PyTree): Normal => ({ values: byKey(tree.values), sections: byKey(tree.sections.map(([name, sub]) => [name, normalPy(sub)])) });
const normalOurs = (section: ConfSection): Normal => ({
  values: byKey(Object.entries(section.values)),
  sections: byKey(Object.entries(section.sections).map(([name, sub]) => [name, normalOurs(sub)])),
});

/** Reads the scalars in `order` (configobj's file order; JavaScript objects put integer-like keys first). */
function ourScalars(reader: ConfReader, at: SectionPath, order: string[]): [string, PyScalar][] {
  const section = at.sections[at.sections.length - 1]!;
  const keys = [...order.filter((key) => Object.hasOwn(section.values, key)), ...Object.keys(section.values).filter((key) => !order.includes(key))];
  return byKey(
    keys.map((key): [string, PyScalar] => {
      try {
        return [key, { value: reader.read(at, key, section.values[key]!) }];
      } catch (error) {
        return [key, { error: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
}

/** Python's "Type: message" without the type, so messages compare directly. */
const pyMessage = (error: string): string => error.replace(/^[A-Za-z]+: /, "");
const pyScalars = (entries: [string, PyScalar][]): [string, PyScalar][] =>
  byKey(entries.map(([key, scalar]) => [key, "error" in scalar ? { error: pyMessage(scalar.error) } : scalar]));

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** As status reads a conf: from its text when it is valid UTF-8 (node's fast read), else from its bytes. */
function ourRead(bytes: Buffer, theirs: PyRead): unknown {
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  let root: ConfSection;
  try {
    root = parseConfObj(text ?? bytes);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  const top = rootPath(root);
  const params = childPath(top, "renewalparams");
  const reader = new ConfReader();
  const order = (entries: [string, PyScalar][] | undefined): string[] => (entries ?? []).map(([key]) => key);
  const rootValues = ourScalars(reader, top, "root" in theirs ? order(theirs.root) : []);
  const paramValues = params ? ourScalars(reader, params, "renewalparams" in theirs ? order(theirs.renewalparams) : []) : undefined;
  return { tree: normalOurs(root), root: rootValues, ...(paramValues ? { renewalparams: paramValues } : {}) };
}

function theirRead(answer: PyRead): unknown {
  if ("error" in answer) return { error: pyMessage(answer.error) };
  return { tree: normalPy(answer.tree), root: pyScalars(answer.root), ...(answer.renewalparams ? { renewalparams: pyScalars(answer.renewalparams) } : {}) };
}

const seed = runSeed();
const specs = differentialSize(250, 4000);
const variantsPerSpec = differentialSize(3, 6);
let dir: string;

beforeAll(async () => {
  if (!check.skip) dir = await mkdtemp(path.join(tmpdir(), "ngcert-configobj-diff-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(check.skip)(`renewal confs read as configobj reads them (seed ${seed})`, () => {
  it("agrees with configobj on every generated conf: verdict, message, values, interpolation", { timeout: 600_000 }, async () => {
    const random = createRandom(seed);
    const cases: (ConfSpec & { id: string; file: string })[] = [];
    for (let i = 0; i < specs; i++) {
      const name = `lineage-${i}.example`;
      const spec = generateConfSpec(random, { live: `/etc/letsencrypt/live/${name}`, archive: `/etc/letsencrypt/archive/${name}` });
      cases.push({ id: String(i), file: path.join(dir, `written-${i}.conf`), ...spec });
    }
    const written = await runOracle<Record<string, { ok: true } | { error: string }>>(ORACLE, { op: "write", cases });
    const files: { id: string; file: string; mutations: string[] }[] = [];
    for (const spec of cases) {
      if (!("ok" in written[spec.id]!)) continue; // configobj could not write it, so certbot never could
      const original = await readFile(spec.file);
      files.push({ id: `${spec.id}`, file: spec.file, mutations: [] });
      for (let v = 0; v < variantsPerSpec; v++) {
        const { bytes, names } = mutate(original, random);
        const file = path.join(dir, `variant-${spec.id}-${v}.conf`);
        await writeFile(file, bytes);
        files.push({ id: `${spec.id}.${v}`, file, mutations: names });
      }
    }
    const answers = await runOracle<Record<string, PyRead>>(ORACLE, { op: "read", files });
    const disagreements: unknown[] = [];
    let refused = 0;
    for (const entry of files) {
      const bytes = await readFile(entry.file);
      const answer = answers[entry.id]!;
      const theirs = theirRead(answer);
      if ("error" in answer) refused++;
      const ours = ourRead(bytes, answer);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        disagreements.push({ id: entry.id, mutations: entry.mutations, text: bytes.toString("latin1"), configobj: theirs, ngcert: ours });
      }
    }
    console.log(`certbot differential: configobj: ${files.length} generated confs (${refused} refused by configobj), ${disagreements.length} disagreements, seed ${seed}`);
    expect(files.length).toBeGreaterThan(specs);
    // Both verdicts occur, or the generator has stopped testing one side.
    expect(refused).toBeGreaterThan(files.length / 20);
    expect(refused).toBeLessThan(files.length * 0.9);
    for (const disagreement of disagreements.slice(0, 3)) console.log(JSON.stringify(disagreement));
    expect(disagreements.slice(0, 3)).toEqual([]);
  });
});
