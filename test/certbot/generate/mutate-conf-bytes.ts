// Damages a renewal conf the way editors, copies between systems and hand edits do: CRLF, a BOM, comments, indentation,
// a stray quote or bracket, a duplicated line, bytes that are not UTF-8, a DEFAULT section for interpolation. Some
// results configobj still reads, some it refuses: either way configobj's verdict is the expected one.
import type { Random } from "../../helpers/random.js";

export type Mutation = (text: Buffer, random: Random) => Buffer;

const lines = (text: Buffer): string[] => text.toString("utf8").split("\n");
const join = (parts: string[]): Buffer => Buffer.from(parts.join("\n"), "utf8");

function atRandomLine(text: Buffer, random: Random, edit: (line: string) => string): Buffer {
  const all = lines(text);
  const index = random.int(all.length);
  all[index] = edit(all[index]!);
  return join(all);
}

function insertAt(text: Buffer, random: Random, insert: Buffer): Buffer {
  const at = random.int(text.length + 1);
  return Buffer.concat([text.subarray(0, at), insert, text.subarray(at)]);
}

export const MUTATIONS: Record<string, Mutation> = {
  crlf: (text) => Buffer.from(text.toString("utf8").replace(/\n/g, "\r\n"), "utf8"),
  bom: (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]),
  lonelyCr: (text) => Buffer.from(text.toString("utf8").replace(/\n/g, "\r"), "utf8"),
  doubleCr: (text) => Buffer.from(text.toString("utf8").replace(/\n/g, "\r\r\n"), "utf8"),
  comments: (text, random) => {
    const all = lines(text);
    for (let n = random.int(3) + 1; n > 0; n--) all.splice(random.int(all.length + 1), 0, random.pick(["# a comment", "    # indented", "", "\t", "#[renewalparams]", " ;not a comment"]));
    return join(all);
  },
  indent: (text, random) => {
    const pad = random.pick(["    ", "\t", "  ", "\u00a0", "\u3000"]);
    return join(lines(text).map((line) => (line === "" ? line : pad + line)));
  },
  inlineComment: (text, random) => atRandomLine(text, random, (line) => `${line}${random.pick([" # note", "#x", "\t# tab", " #"])}`),
  spacesAroundEquals: (text, random) => atRandomLine(text, random, (line) => line.replace(" = ", random.pick(["=", "  =\t", " =", "\u00a0=\u00a0", "\u2003= "]))),
  strayChar: (text, random) => atRandomLine(text, random, (line) => {
    const at = random.int(line.length + 1);
    return line.slice(0, at) + random.pick(["'", '"', "[", "]", "=", ",", "#", "'''", '"""', "%", "%(x)s"]) + line.slice(at);
  }),
  dropChar: (text, random) => atRandomLine(text, random, (line) => {
    const at = random.int(Math.max(line.length, 1));
    return line.slice(0, at) + line.slice(at + 1);
  }),
  duplicateLine: (text, random) => {
    const all = lines(text);
    const index = random.int(all.length);
    all.splice(random.int(all.length + 1), 0, all[index]!);
    return join(all);
  },
  dropTrailingComma: (text) => Buffer.from(text.toString("utf8").replace(/,$/m, ""), "utf8"),
  sectionSpelling: (text, random) =>
    Buffer.from(text.toString("utf8").replace("[renewalparams]", random.pick(["[ renewalparams ]", "[[renewalparams]]", '["renewalparams"]', "[renewalparams] # params", "[renewalparams]]", "[renewalparams", "[RenewalParams]"])), "utf8"),
  subsectionSpelling: (text, random) =>
    Buffer.from(text.toString("utf8").replace("[[webroot_map]]", random.pick(["[[ webroot_map ]]", "[[[webroot_map]]]", "[webroot_map]", "[[webroot_map]", "[[ 'webroot_map' ]]"])), "utf8"),
  defaults: (text, random) => {
    const extra = random.pick(["[DEFAULT]\nno_such_key = from default\n", "DEFAULT = x\n", "[DEFAULT]\n[[no_such_key]]\n", "no_such_key = %(no_such_key)s\n", "no_such_key = %(server)s\n", "server = %(server)s\n"]);
    return Buffer.concat([text, Buffer.from(random.chance(0.5) ? extra : `[renewalparams]\n${extra}`)]);
  },
  badUtf8: (text, random) => insertAt(text, random, Buffer.from(random.pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]]))),
  nul: (text, random) => insertAt(text, random, Buffer.from([0])),
  truncate: (text, random) => text.subarray(0, random.int(text.length)),
  empty: () => Buffer.alloc(0),
};

/** The text with 1–3 random mutations applied; returns their names too, for failure messages. */
export function mutate(text: Buffer, random: Random): { bytes: Buffer; names: string[] } {
  const names = random.sample(Object.keys(MUTATIONS), random.int(3) + 1);
  let bytes = text;
  for (const name of names) bytes = MUTATIONS[name]!(bytes, random);
  return { bytes, names };
}
