// Parses SVG (or the SVG inside an HTML page) with a real XML parser, Python's expat through xml.etree (python3 is
// there wherever certbot is), and hands back what the tests look at: the renewal groups, the bars and the texts.
import { execa } from "execa";

export interface ParsedSvg {
  width: number;
  height: number;
  renewals: { way: string; ok: number; failed: number; bars: Record<string, number>; texts: string[] }[];
  texts: string[];
}

const SCRIPT = String.raw`
import json, re, sys, xml.etree.ElementTree as ET
text = sys.stdin.read()
if sys.argv[1] == "html":
    start, end = text.index("<svg"), text.index("</svg>") + len("</svg>")
    text = text[start:end]
root = ET.fromstring(text)
ns = "{http://www.w3.org/2000/svg}"
def texts(node):
    return ["".join(t.itertext()) for t in node.iter(ns + "text")]
renewals = []
for g in root.iter(ns + "g"):
    if g.get("class") != "renewal":
        continue
    bars = {}
    for rect in g.iter(ns + "rect"):
        bars[rect.get("fill")] = bars.get(rect.get("fill"), 0) + 1
    renewals.append({"way": g.get("data-way"), "ok": int(g.get("data-ok")), "failed": int(g.get("data-failed")), "bars": bars, "texts": texts(g)})
print(json.dumps({"width": float(root.get("width")), "height": float(root.get("height")), "renewals": renewals, "texts": texts(root)}))
`;

export async function parseSvg(text: string, kind: "svg" | "html" = "svg"): Promise<ParsedSvg> {
  const result = await execa("python3", ["-c", SCRIPT, kind], { input: text, reject: false });
  if (result.exitCode !== 0) throw new Error(`not well-formed ${kind}: ${result.stderr}`);
  return JSON.parse(result.stdout) as ParsedSvg;
}
