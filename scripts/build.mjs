// Bundles the CLI into one self-contained ESM file (dist/cli.js) that runs with no node_modules beside it.
import { build } from "esbuild";
import { readFileSync, chmodSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  minify: true,
  keepNames: false,
  legalComments: "none",
  define: { NGCERT_VERSION: JSON.stringify(pkg.version) },
  // Some dependencies are CommonJS and call require(); give the ESM bundle a real one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ngcertCreateRequire } from 'node:module';\nconst require = __ngcertCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync("dist/cli.js", 0o755);
