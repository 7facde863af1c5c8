// configobj's default "ConfigParser" interpolation, which applies whenever certbot reads a value: `%(name)s` is replaced
// by the value of `name` in the same section, its DEFAULT subsection, or a section above. A missing name, a loop, or a
// name that holds a list makes the read fail, and certbot then skips the lineage.
import type { ConfSection, ConfValue } from "./configobj.js";

/** The same failure configobj (or Python, for a list) raises, with its message; `missing` for configobj's own "missing option". */
export class ConfInterpolationError extends Error {
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

/** A section together with its name and the sections above it (root first), as configobj's lookups need. */
export interface SectionPath {
  names: (string | null)[];
  sections: ConfSection[];
}

export function rootPath(root: ConfSection): SectionPath {
  return { names: [null], sections: [root] };
}

export function childPath(parent: SectionPath, name: string): SectionPath | undefined {
  const owner = parent.sections[parent.sections.length - 1]!;
  if (!Object.hasOwn(owner.sections, name)) return undefined;
  return { names: [...parent.names, name], sections: [...parent.sections, owner.sections[name]!] };
}

/** A subsection found where a value was looked up: configobj hands it on, and Python then fails on it. */
const SECTION = Symbol("section");

/**
 * Reads values of one parsed file as certbot does, one read after another. configobj switches interpolation off while
 * it looks a name up and does not switch it back when that lookup fails (a scalar DEFAULT), so from then on every
 * read of the same file returns raw text: the reader keeps that state too.
 */
export class ConfReader {
  private enabled = true;

  /** A value of the section at `path`, interpolated; throws ConfInterpolationError. */
  read(path: SectionPath, key: string, value: ConfValue): ConfValue {
    if (typeof value === "string") return this.readString(path, key, value);
    return value.map((entry) => this.readString(path, key, entry));
  }

  private readString(path: SectionPath, key: string, value: string): string {
    if (!this.enabled || !value.includes("%")) return value;
    return this.expand(path, key, value, path.sections.length - 1, new Set());
  }

  /** configobj's recursive_interpolate; `at` is the depth of the section the value was found in (for loop detection). */
  private expand(path: SectionPath, key: string, value: ConfValue | typeof SECTION, at: number, trail: Set<string>): string {
    const mark = JSON.stringify([key, path.names[at]]);
    if (trail.has(mark)) throw new ConfInterpolationError(`interpolation loop detected in value "${key}".`);
    trail.add(mark);
    if (typeof value !== "string") throw new ConfInterpolationError(`expected string or bytes-like object, got '${value === SECTION ? "Section" : "list"}'`);
    const pattern = /%\(([^)]*)\)s/gu;
    let text = value;
    let match = pattern.exec(text);
    while (match) {
      // Lookups always start from the section that owns the value being read, as configobj's engine does.
      const found = this.fetch(path, match[1]!);
      const replacement = this.expand(path, match[1]!, found.value, found.depth, trail);
      text = text.slice(0, match.index) + replacement + text.slice(match.index + match[0].length);
      pattern.lastIndex = match.index + replacement.length;
      match = pattern.exec(text);
    }
    trail.delete(mark);
    return text;
  }

  /** configobj's _fetch. Only the root's DEFAULT lookup survives the walk: a subsection found there is returned. */
  private fetch(path: SectionPath, name: string): { value: ConfValue | typeof SECTION; depth: number } {
    let last: typeof SECTION | undefined;
    for (let depth = path.sections.length - 1; depth >= 0; depth--) {
      const section = path.sections[depth]!;
      if (Object.hasOwn(section.values, name)) return { value: section.values[name]!, depth };
      if (Object.hasOwn(section.values, "DEFAULT")) {
        this.enabled = false;
        throw new ConfInterpolationError(`'${Array.isArray(section.values.DEFAULT) ? "list" : "str"}' object has no attribute 'get'`);
      }
      const defaults = Object.hasOwn(section.sections, "DEFAULT") ? section.sections.DEFAULT! : undefined;
      if (defaults && Object.hasOwn(defaults.values, name)) return { value: defaults.values[name]!, depth };
      last = defaults && Object.hasOwn(defaults.sections, name) ? SECTION : undefined;
    }
    if (last === SECTION) return { value: SECTION, depth: 0 };
    throw new ConfInterpolationError(`missing option "${name}" in interpolation.`, true);
  }
}
