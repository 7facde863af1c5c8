// Start-up time of the built CLI against a bare `node -e 0`, measured in alternating rounds (every command once per
// round, in a rotating order) so that a loaded machine slows all of them alike. Usage:
//   node scripts/measure-startup.mjs [--rounds N] [--bundle dist/cli.js] [--bundle other/cli.js ...]
// Prints the median and quartiles of each command's wall time, and each median's ratio to `node -e 0`.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
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

const commands = [{ name: "node -e 0", argv: ["-e", "0"] }];
for (const bundle of values.bundle) {
  commands.push({ name: `${bundle} --version`, argv: [bundle, "--version"] });
  commands.push({ name: `${bundle} status`, argv: [bundle, ...statusArgs] });
}

const times = commands.map(() => []);
for (let round = 0; round < rounds + 3; round++) {
  for (let k = 0; k < commands.length; k++) {
    const i = (round + k) % commands.length;
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, commands[i].argv, { stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${commands[i].name} exited ${result.status}: ${result.stderr}`);
    if (round >= 3) times[i].push(ms); // the first rounds warm the page cache
  }
}
rmSync(scratch, { recursive: true, force: true });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const baseline = quantile([...times[0]].sort((a, b) => a - b), 0.5);
console.log(`${rounds} alternating rounds, node ${process.version}`);
for (const [i, command] of commands.entries()) {
  const sorted = [...times[i]].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  console.log(
    `${command.name.padEnd(40)} median ${median.toFixed(1).padStart(6)} ms  (p25 ${quantile(sorted, 0.25).toFixed(1)}, p75 ${quantile(sorted, 0.75).toFixed(1)})  ${(median / baseline).toFixed(2)}x node -e 0`,
  );
}
