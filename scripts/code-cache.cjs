// Writes V8's code cache for the bundled program, DIST/ngcert.js.cache, in the form DIST/cli.js reads it (see
// cacheFile() there): made after compiling the program as cli.js does and running `ngcert status --json` on an empty
// tree, so that it holds what start-up and status compile. Only this Node.js accepts it (V8 checks its version and
// flags): scripts/build.mjs runs this with the Node.js that builds, install.sh with the one the installed command
// runs on. A cache this Node.js already accepts for this very program is left as it is.
//
//   node scripts/code-cache.cjs DIST
"use strict";
const { mkdtempSync, renameSync, rmSync, writeFileSync, mkdirSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");

const dist = path.resolve(process.argv[2] ?? "dist");
const cacheFile = path.join(dist, "ngcert.js.cache");
const { compileProgram } = require(path.join(dist, "cli.js"));
const program = compileProgram();
if (program.cacheUsed) {
  process.stderr.write(`${cacheFile} is up to date\n`);
  process.exit(0);
}

const scratch = mkdtempSync(path.join(tmpdir(), "ngcert-code-cache-"));
const letsencryptDir = path.join(scratch, "letsencrypt");
for (const dir of ["renewal", "live", "archive"]) mkdirSync(path.join(letsencryptDir, dir), { recursive: true });
// The program reads its arguments from process.argv, as it does when cli.js runs it.
process.argv = [process.argv[0], path.join(dist, "cli.js"), "status", "--json", "--letsencrypt-dir", letsencryptDir, "--cache-dir", path.join(scratch, "cache"), "--config", path.join(scratch, "none.json")];
// What status prints is of no use here.
process.stdout.write = () => true;
process.on("exit", (code) => {
  rmSync(scratch, { recursive: true, force: true });
  if (code !== 0) {
    process.stderr.write(`ngcert status on an empty tree exited ${code}: no code cache written\n`);
    return;
  }
  const temporary = `${cacheFile}.tmp`;
  writeFileSync(temporary, program.cacheFile(), { mode: 0o644 });
  renameSync(temporary, cacheFile);
  process.stderr.write(`wrote ${cacheFile}\n`);
});
program.run();
