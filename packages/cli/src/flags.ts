/**
 * Command-line flags the way Prometheus's tools take them (kingpin): `--name=value` or `--name value`,
 * booleans as `--name` / `--no-name`, repeatable flags, `--help`. Unknown flags and bad values are errors
 * that name the flag.
 */
import { tryParseDuration } from '@vigil/model';

export type FlagType = 'string' | 'bool' | 'duration' | 'int' | 'float' | 'strings' | 'bytes';

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  readonly type: FlagType;
  /** The default as it would be typed on the command line (shown in --help, and in /api/v1/status/flags). */
  readonly default?: string;
  readonly placeholder?: string;
  readonly hidden?: boolean;
  /** A one-letter alias, e.g. `r` for `-r` (kingpin's `.Short('r')`). */
  readonly short?: string;
}

export interface ArgSpec {
  readonly name: string;
  readonly help: string;
  readonly required?: boolean;
  /** Takes every remaining argument. */
  readonly rest?: boolean;
}

export class FlagError extends Error {}

export class ParsedFlags {
  /** Values as given (or defaulted), as strings: what Prometheus shows at /api/v1/status/flags. */
  readonly raw: Map<string, string>;
  private readonly specs: Map<string, FlagSpec>;
  private readonly repeated: Map<string, string[]>;
  /** Flags the user actually set. */
  readonly given: Set<string>;

  constructor(specs: readonly FlagSpec[], raw: Map<string, string>, repeated: Map<string, string[]>, given: Set<string>) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
    this.raw = raw;
    this.repeated = repeated;
    this.given = given;
  }

  private spec(name: string): FlagSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`flag --${name} is not defined for this command`);
    return s;
  }

  string(name: string): string {
    this.spec(name);
    return this.raw.get(name) ?? '';
  }

  bool(name: string): boolean {
    this.spec(name);
    return this.raw.get(name) === 'true';
  }

  /** Milliseconds. */
  duration(name: string): number {
    this.spec(name);
    return tryParseDuration(this.raw.get(name) ?? '0') ?? 0;
  }

  int(name: string): number {
    this.spec(name);
    return Number(this.raw.get(name) ?? '0');
  }

  float(name: string): number {
    this.spec(name);
    return Number(this.raw.get(name) ?? '0');
  }

  /** Bytes, from a size such as `512MB` or `1GiB`; 0 when unset. */
  bytes(name: string): number {
    this.spec(name);
    return parseBytes(this.raw.get(name) ?? '0') ?? 0;
  }

  strings(name: string): string[] {
    this.spec(name);
    return this.repeated.get(name) ?? (this.raw.get(name) ? [this.raw.get(name)!] : []);
  }
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, B: 1, KB: 1 << 10, MB: 1 << 20, GB: 1 << 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60,
  KIB: 1 << 10, MIB: 1 << 20, GIB: 1 << 30, TIB: 2 ** 40, PIB: 2 ** 50,
};

/** Sizes as Prometheus reads them (`512MB`, `1GB`, base 1024). */
export function parseBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(s.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2].toUpperCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

function validate(spec: FlagSpec, value: string): void {
  const bad = (what: string) => new FlagError(`invalid value ${JSON.stringify(value)} for flag --${spec.name}: ${what}`);
  switch (spec.type) {
    case 'bool':
      if (value !== 'true' && value !== 'false') throw bad('expected true or false');
      break;
    case 'duration':
      if (tryParseDuration(value) === undefined) throw bad('expected a duration such as 15s, 5m or 1h30m');
      break;
    case 'int':
      if (!/^-?\d+$/.test(value)) throw bad('expected an integer');
      break;
    case 'float':
      if (value.trim() === '' || Number.isNaN(Number(value))) throw bad('expected a number');
      break;
    case 'bytes':
      if (parseBytes(value) === undefined) throw bad('expected a size such as 512MB or 1GB');
      break;
  }
}

/** Parses `argv` against `specs` and positional `args`. Throws FlagError with a message naming the culprit. */
export function parseFlags(
  specs: readonly FlagSpec[],
  argSpecs: readonly ArgSpec[],
  argv: readonly string[],
): { flags: ParsedFlags; args: string[]; help: boolean } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const raw = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const given = new Set<string>();
  for (const s of specs) {
    if (s.default !== undefined) raw.set(s.name, s.default);
    else if (s.type === 'bool') raw.set(s.name, 'false');
  }
  const args: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-') {
        const short = specs.find((s) => s.short !== undefined && s.short === a[1]);
        if (!short) throw new FlagError(`unknown short flag '${a}', try --help`);
        let value: string;
        if (short.type === 'bool') {
          if (a.length > 2) throw new FlagError(`unexpected value after short flag '-${a[1]}'`);
          value = 'true';
        } else if (a.length > 2) {
          value = a.slice(2);
        } else {
          if (i + 1 >= argv.length) throw new FlagError(`expected argument for flag '-${a[1]}'`);
          value = argv[++i];
        }
        validate(short, value);
        given.add(short.name);
        if (short.type === 'strings') {
          const list = repeated.get(short.name) ?? [];
          list.push(value);
          repeated.set(short.name, list);
          raw.set(short.name, list.join(','));
        } else {
          raw.set(short.name, value);
        }
        continue;
      }
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let value: string | undefined = eq >= 0 ? a.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && value === undefined) {
      const positive = byName.get(name.slice(3));
      if (positive?.type === 'bool') {
        spec = positive;
        name = positive.name;
        value = 'false';
      }
    }
    if (!spec) throw new FlagError(`unknown long flag '--${name}', try --help`);
    if (value === undefined) {
      if (spec.type === 'bool') value = 'true';
      else {
        if (i + 1 >= argv.length) throw new FlagError(`expected argument for flag '--${name}'`);
        value = argv[++i];
      }
    }
    validate(spec, value);
    given.add(name);
    if (spec.type === 'strings') {
      const list = repeated.get(name) ?? [];
      list.push(value);
      repeated.set(name, list);
      raw.set(name, list.join(','));
    } else {
      raw.set(name, value);
    }
  }
  if (!help) {
    const required = argSpecs.filter((s) => s.required);
    if (args.length < required.length) {
      throw new FlagError(`required argument '${required[args.length].name}' not provided, try --help`);
    }
    const restAllowed = argSpecs.some((s) => s.rest);
    if (!restAllowed && args.length > argSpecs.length) {
      throw new FlagError(`unexpected ${args[argSpecs.length]}, try --help`);
    }
  }
  return { flags: new ParsedFlags(specs, raw, repeated, given), args, help };
}

/** Help text in kingpin's layout. */
export function formatFlagsHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const long =
        s.type === 'bool' ? `--[no-]${s.name}` : `--${s.name}=${s.placeholder ?? s.type.toUpperCase()}`;
      const left = s.short ? `-${s.short}, ${long}` : long;
      const def = s.default !== undefined && s.type !== 'bool' ? ` Default: ${s.default}` : '';
      return [left, s.help + def] as const;
    });
  const width = Math.min(48, Math.max(0, ...rows.map(([l]) => l.length)));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n');
}
