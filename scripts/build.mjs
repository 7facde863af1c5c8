// Bundles the CLI into dist/ngcert.js: one self-contained, readable file (not minified) that runs with no node_modules
// beside it, with a linked source map (ngcert.js.map, read when --verbose prints a stack trace) and the licence texts
// of every bundled dependency (THIRD-PARTY-LICENSES.txt). dist/cli.js is the command: a launcher of a few lines that
// answers --version itself and otherwise loads ngcert.js, so `--version` costs node's start-up and not the parsing of
// a 1.4 MB program. install.sh installs the four side by side.
import { build } from "esbuild";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.join(repo, "dist");
const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
const LICENSES_FILE = "THIRD-PARTY-LICENSES.txt";

const result = await build({
  absWorkingDir: repo,
  entryPoints: ["src/cli.ts"],
  outfile: "dist/ngcert.js",
  bundle: true,
  platform: "node",
  // CommonJS: the installed files have no package.json beside them, and reader threads (src/status/parallel-read.ts)
  // start the command again as a worker by its path.
  format: "cjs",
  target: "node20.19",
  // Readable: what runs as root can be reviewed and scanned as it is, and a stack trace names real functions.
  minify: false,
  sourcemap: "linked",
  legalComments: "eof",
  metafile: true,
  write: false,
  define: { NGCERT_VERSION: JSON.stringify(pkg.version), "import.meta.url": "__ngcertImportMetaUrl" },
  // ESM dependencies (yargs, execa) read import.meta.url; in this CommonJS bundle it is the bundle's own URL.
  banner: {
    // "use strict" first: esbuild's own directive would follow this banner and so no longer be a directive.
    js: `"use strict";\n// ngcert ${pkg.version}, the program, bundled by scripts/build.mjs from src/ and its dependencies and run by cli.js\n` +
      `// beside it. Source map: ngcert.js.map; the dependencies' licences: ${LICENSES_FILE} beside this file.\n` +
      'var __ngcertImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  logLevel: "warning",
});

const outputs = new Map(result.outputFiles.map((file) => [path.basename(file.path), file.contents]));
const licences = renderLicences(bundledPackages(Object.keys(result.metafile.inputs)));

// Every file is written whole under a temporary name and renamed into place, the bundle last: a build killed half-way
// never leaves a dist/cli.js that looks complete (install.sh rebuilds only when dist/cli.js is older than the sources).
mkdirSync(dist, { recursive: true });
const writeAtomically = (name, contents, mode = 0o644) => {
  const temporary = path.join(dist, `.${name}.tmp`);
  writeFileSync(temporary, contents, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path.join(dist, name));
};
// The repository is "type": "module"; dist/ is CommonJS (as it is when installed with no package.json beside it).
writeAtomically("package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
writeAtomically(LICENSES_FILE, licences);
writeAtomically("ngcert.js.map", outputs.get("ngcert.js.map"));
writeAtomically("ngcert.js", outputs.get("ngcert.js"));
// The launcher last: a dist/cli.js newer than the sources means the whole build is there.
writeAtomically("cli.js", launcher(pkg.version), 0o755);
// What an older build wrote as one file.
rmSync(path.join(dist, "cli.js.map"), { force: true });

/** dist/cli.js. Its version line is what install.sh reads (and its wrapper answers --version with). */
function launcher(version) {
  return (
    "#!/usr/bin/env node\n" +
    '"use strict";\n' +
    `// ngcert ${version}, bundled by scripts/build.mjs: this launcher runs the program beside it, ngcert.js (its source\n` +
    `// map ngcert.js.map, the dependencies' licences ${LICENSES_FILE}). \`--version\` is answered here, before node\n` +
    "// reads the program: it then costs little more than starting node.\n" +
    'if (process.argv.length === 3 && (process.argv[2] === "--version" || process.argv[2] === "-V")) {\n' +
    "  // Straight to fd 1: setting up process.stdout would cost more than all the rest of this file.\n" +
    "  try {\n" +
    `    require("node:fs").writeSync(1, ${JSON.stringify(`${version}\n`)});\n` +
    "  } catch {\n" +
    "    process.exitCode = 1;\n" +
    "  }\n" +
    "} else {\n" +
    '  require("./ngcert.js");\n' +
    "}\n"
  );
}

/** The packages under node_modules whose files esbuild put in the bundle, as their directories. */
function bundledPackages(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(match[1]);
  }
  return [...dirs].sort();
}

function renderLicences(packageDirs) {
  const seen = new Set();
  const sections = packageDirs.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(repo, dir, "package.json"), "utf8"));
    // The same version installed twice (nested node_modules) is listed once.
    if (seen.has(`${manifest.name}@${manifest.version}`)) return [];
    seen.add(`${manifest.name}@${manifest.version}`);
    const licenceFile = readdirSync(path.join(repo, dir)).find((name) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(name));
    // A distributed bundle must carry each notice: a package without a licence file stops the build.
    if (!licenceFile) throw new Error(`${dir} has no LICENSE file: add its licence text to scripts/build.mjs before bundling it`);
    const text = readFileSync(path.join(repo, dir, licenceFile), "utf8").trim();
    const license = typeof manifest.license === "string" ? manifest.license : JSON.stringify(manifest.license);
    return `${manifest.name}@${manifest.version} (${license})\n${"-".repeat(72)}\n${text}\n`;
  });
  return (
    `Third-party software bundled in ngcert.js (ngcert ${pkg.version}), with the licence of each package.\n` +
    `Generated by scripts/build.mjs from the packages esbuild bundled.\n\n${"=".repeat(72)}\n\n` +
    sections.join(`\n${"=".repeat(72)}\n\n`)
  );
}

