// Start-up time of the built CLI against a bare `node -e 0` and against node running a one-line file, measured in
// alternating rounds (every command once per round, in a rotating order) so that a loaded machine slows all of them
// alike. Usage:
//   node scripts/measure-startup.mjs [--rounds N] [--bundle dist/cli.js] [--bundle other/cli.js ...]
// Prints, per command, the median wall time and the median CPU time (user + system, from bash's `times`, less
// disturbed by other load than wall time), each with its ratio to `node -e 0`.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "60" }, bundle: { type: "string", multiple: true, default: ["dist/cli.js"] } } });
const rounds = Number(values.rounds);

// `status` on an empty letsencrypt dir: the whole start-up of a real command (settings, yargs, reading the tree).
const scratch = mkdtempSync(path.join(tmpdir(), "ngcert-startup-"));
const letsencrypt = path.join(scratch, "letsencrypt");
for (const dir of ["live", "renewal"]) mkdirSync(path.join(letsencrypt, dir), { recursive: true });
const statusArgs = ["status", "--letsencrypt-dir", letsencrypt, "--cache-dir", path.join(scratch, "cache"), "--config", path.join(scratch, "none.json")];

const oneLine = path.join(scratch, "one-line.js");
writeFileSync(oneLine, 'process.stdout.write("0.0.0\\n");\n');
const commands = [
  { name: "node -e 0", argv: ["-e", "0"] },
  { name: "node one-line.js", argv: [oneLine] },
];
for (const bundle of values.bundle) {
  commands.push({ name: `${bundle} --version`, argv: [bundle, "--version"] });
  commands.push({ name: `${bundle} status`, argv: [bundle, ...statusArgs] });
}

const quote = (word) => `'${word.replace(/'/g, "'\\''")}'`;
const wall = commands.map(() => []);
const cpu = commands.map(() => []);
for (let round = 0; round < rounds + 3; round++) {
  for (let k = 0; k < commands.length; k++) {
    const i = (round + k) % commands.length;
    // bash runs the command, then `times` prints the CPU its children used: "0m0.083s 0m0.038s" on the second line.
    const script = `${[process.execPath, ...commands[i].argv].map(quote).join(" ")} >/dev/null || exit 1; times`;
    const start = process.hrtime.bigint();
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${commands[i].name} exited ${result.status}: ${result.stderr}`);
    const children = result.stdout.trim().split("\n")[1].split(/\s+/).map((t) => { const [, m, sec] = /(\d+)m([\d.]+)s/.exec(t); return Number(m) * 60_000 + Number(sec) * 1000; });
    if (round >= 3) {
      wall[i].push(ms); // the first rounds warm the page cache
      cpu[i].push(children[0] + children[1]);
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const wallBase = median(wall[0]);
const cpuBase = median(cpu[0]);
console.log(`${rounds} alternating rounds, node ${process.version}; medians, and the ratio to node -e 0`);
for (const [i, command] of commands.entries()) {
  const w = median(wall[i]);
  const c = median(cpu[i]);
  console.log(`${command.name.padEnd(40)} wall ${w.toFixed(1).padStart(6)} ms (${(w / wallBase).toFixed(2)}x)   cpu ${c.toFixed(0).padStart(4)} ms (${(c / cpuBase).toFixed(2)}x)`);
}
