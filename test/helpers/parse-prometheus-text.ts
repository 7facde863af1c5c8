// A strict reader of the Prometheus text format (version 0.0.4, what node_exporter's textfile collector reads), so
// the tests check the metrics file the way a scraper would: syntax, one TYPE per family before its samples, every
// family's samples together, no series twice, numeric values.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the metrics text does not end with a newline");
  const families = new Map<string, Family>();
  const seenSeries = new Set<string>();
  let current: string | undefined;
  const family = (name: string): Family => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, help: undefined, type: undefined, samples: [] }));
    return found;
  };
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === "") return;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta;
      if (!METRIC_NAME.test(name!)) throw new Error(`${where}: ${name} is not a valid metric name`);
      const entry = family(name!);
      if (kind === "HELP") {
        if (entry.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        entry.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      } else {
        if (entry.type !== undefined) throw new Error(`${where}: second TYPE for ${name}`);
        if (entry.samples.length > 0) throw new Error(`${where}: TYPE for ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw new Error(`${where}: unknown type ${rest}`);
        entry.type = rest.trim();
      }
      return;
    }
    if (line.startsWith("#")) return; // a comment
    const sample = parseSample(line, where);
    if (current !== sample.name && families.get(sample.name)?.samples.length) throw new Error(`${where}: samples of ${sample.name} are not together`);
    current = sample.name;
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`${where}: series ${series} appears twice`);
    seenSeries.add(series);
    family(sample.name).samples.push(sample);
  });
  return families;
}

function parseSample(line: string, where: string): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) throw new Error(`${where}: does not start with a metric name`);
  const name = head[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      if (rest.startsWith("}")) break;
      const pair = /^([^=\s]+)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
      if (!pair) throw new Error(`${where}: malformed label list`);
      const [all, labelName, raw, comma] = pair;
      if (!LABEL_NAME.test(labelName!)) throw new Error(`${where}: ${labelName} is not a valid label name`);
      if (labelName! in labels) throw new Error(`${where}: label ${labelName} twice`);
      labels[labelName!] = raw!.replace(/\\(["\\n])/g, (_match, ch: string) => (ch === "n" ? "\n" : ch));
      rest = rest.slice(all.length);
      if (!comma && !rest.startsWith("}")) throw new Error(`${where}: expected , or } after a label`);
    }
    rest = rest.slice(1);
  }
  const fields = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest);
  if (!fields) throw new Error(`${where}: expected a value after the metric`);
  const text = fields[1]!;
  const value = text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : text === "NaN" ? Number.NaN : Number(text);
  if (Number.isNaN(value) && text !== "NaN") throw new Error(`${where}: ${text} is not a number`);
  return { name, labels, value };
}

/** The value of one series, or undefined when it is not there. */
export function readSample(families: ReadonlyMap<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return families.get(name)?.samples.find((sample) => JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
}
