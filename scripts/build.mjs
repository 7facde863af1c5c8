// Bundles the CLI into dist/ngcert.js: one self-contained, readable file (not minified) that runs with no node_modules
// beside it, with a linked source map (ngcert.js.map, read when --verbose prints a stack trace) and the licence texts
// of every bundled dependency (THIRD-PARTY-LICENSES.txt). dist/cli.js is the command: a short launcher that
// answers --version itself and otherwise loads ngcert.js, so `--version` costs node's start-up and not the parsing of
// a 1.4 MB program, and loads it with V8's code cache for it (ngcert.js.cache, see scripts/code-cache.cjs). install.sh
// installs the five side by side.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { build } from "esbuild";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.join(repo, "dist");
const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
const LICENSES_FILE = "THIRD-PARTY-LICENSES.txt";

/**
 * What the facts cache (src/status/facts-cache.ts) records as the program that judged its entries: a digest of every
 * source file and the locked dependencies, so a build that could judge a file differently never reuses another's
 * verdicts, and rebuilding the same sources does.
 */
function buildId() {
  const hash = createHash("sha256");
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) {
        const bytes = readFileSync(path.join(repo, relative));
        hash.update(`${relative}\0${bytes.length}\0`).update(bytes);
      }
    }
  };
  walk("src");
  for (const file of ["package-lock.json", "scripts/build.mjs"]) hash.update(`${file}\0`).update(readFileSync(path.join(repo, file)));
  return hash.digest("hex").slice(0, 16);
}

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
  define: { NGCERT_VERSION: JSON.stringify(pkg.version), NGCERT_BUILD: JSON.stringify(buildId()), "import.meta.url": "__ngcertImportMetaUrl" },
  // ESM dependencies (yargs, execa) read import.meta.url; in this CommonJS bundle it is the bundle's own URL.
  banner: {
    // "use strict" first: esbuild's own directive would follow this banner and so no longer be a directive.
    js: `"use strict";\n// ngcert ${pkg.version}, the program, bundled by scripts/build.mjs from src/ and its dependencies and run by cli.js\n` +
      `// beside it. Source map: ngcert.js.map; the dependencies' licences: ${LICENSES_FILE} beside this file.\n` +
      'var __ngcertImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  plugins: [lazyStringWidth()],
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
// V8's code cache for ngcert.js, made by this Node.js (install.sh makes it again when its Node.js refuses this one).
const cache = spawnSync(process.execPath, [path.join(repo, "scripts", "code-cache.cjs"), dist], { encoding: "utf8" });
if (cache.status !== 0) throw new Error(`scripts/code-cache.cjs failed (${cache.status ?? cache.signal}): ${cache.stderr.trim()}`);

/**
 * yargs, cliui and wrap-ansi measure text with string-width, which builds an Intl.Segmenter and Unicode property
 * regexes as it loads: about 20 ms of every run (a twentieth of a warm `status` on 2,000 lineages) that only help and
 * error output use. Each import of it gets a stand-in with the same signature that loads the real module (the same
 * copy the importer would have loaded) on the first call.
 */
function lazyStringWidth() {
  return {
    name: "lazy-string-width",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const real = await pluginBuild.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        // Relative to the repository, so the bundle names no build machine's directories.
        return { path: path.relative(repo, real.path), namespace: "lazy-string-width" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-string-width" }, (args) => ({
        contents:
          "let real;\n" +
          "export default function stringWidth(text, options) {\n" +
          `  real ??= require(${JSON.stringify(`./${args.path}`)}).default;\n` +
          "  return real(text, options);\n" +
          "}\n",
        resolveDir: repo,
        loader: "js",
      }));
    },
  };
}

/**
 * dist/cli.js. Its version line is what install.sh reads (and its wrapper answers --version with). It compiles
 * ngcert.js as node compiles a CommonJS file, with V8's code cache for it (ngcert.js.cache, written by
 * scripts/code-cache.cjs) when that cache was made from this very file: V8 then skips parsing and compiling what the
 * cache holds, about 30 ms of every run. V8 refuses a cache another Node.js (or other V8 flags) made, and a cache of
 * another ngcert.js is never offered to it (the cache starts with the SHA-256 of the program it was made from), so a
 * missing, stale or refused cache costs only the usual compilation.
 */
function launcher(version) {
  return `#!/usr/bin/env node
"use strict";
// ngcert ${version}, bundled by scripts/build.mjs: this launcher runs the program beside it, ngcert.js (its
// code cache ngcert.js.cache, its source map ngcert.js.map, the dependencies' licences ${LICENSES_FILE}).
// \`--version\` is answered here, before node reads the program: it then costs little more than starting node.
if (require.main !== module) {
  // Required (by scripts/code-cache.cjs, which writes the code cache): the program as this launcher compiles it.
  module.exports = { compileProgram };
} else if (process.argv.length === 3 && (process.argv[2] === "--version" || process.argv[2] === "-V")) {
  // Straight to fd 1: setting up process.stdout would cost more than all the rest of this file.
  try {
    require("node:fs").writeSync(1, ${JSON.stringify(`${version}
`)});
  } catch {
    process.exitCode = 1;
  }
} else {
  compileProgram().run();
}

/** ngcert.js compiled with its code cache when the cache is this file's; \`run()\` runs it as a CommonJS module. */
function compileProgram() {
  const { readFileSync } = require("node:fs");
  const { createHash } = require("node:crypto");
  const { createRequire } = require("node:module");
  const vm = require("node:vm");
  const file = require("node:path").join(__dirname, "ngcert.js");
  const bytes = readFileSync(file);
  const digest = createHash("sha256").update(bytes).digest();
  const source = bytes.toString("utf8");
  let cachedData;
  try {
    // The program's SHA-256, the cache's own SHA-256, the cache. V8 checks the cache's versions, flags and length but
    // not its bytes (a damaged one can abort node): a cache whose bytes do not match is not offered to it.
    const stored = readFileSync(\`\${file}.cache\`);
    const cache = stored.subarray(64);
    if (stored.subarray(0, 32).equals(digest) && stored.subarray(32, 64).equals(createHash("sha256").update(cache).digest())) cachedData = cache;
  } catch {
    // No cache: compile as usual.
  }
  // node's own CommonJS wrapper, on the program's first line (a #! line, made a comment): every other line keeps its
  // number, which stack traces and the source map rely on.
  const wrapped = \`(function (exports, require, module, __filename, __dirname) {\${source.replace(/^#!/, "//")}\\n})\`;
  // import() as in a CommonJS file (main thread only: in a reader thread it has no loader, so src/ imports statically).
  const script = new vm.Script(wrapped, { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  return {
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    /** What ngcert.js.cache holds for V8's cache of what has been compiled so far (read above). */
    cacheFile() {
      const cache = script.createCachedData();
      return Buffer.concat([digest, createHash("sha256").update(cache).digest(), cache]);
    },
    run() {
      const program = { exports: {} };
      script.runInThisContext().call(program.exports, program.exports, createRequire(file), program, file, __dirname);
    },
  };
}
`;
}

/** The packages under node_modules whose files esbuild put in the bundle, as their directories. */
function bundledPackages(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    // A plugin's stand-in module (namespace:path) is not a package file; the real module is an input of its own.
    if (/^[\w-]+:/.test(input)) continue;
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

