/**
 * Target group files and responses (`[{"targets": [...], "labels": {...}}]`) in JSON (file_sd, http_sd)
 * and YAML (file_sd), checked as strictly as Prometheus checks them.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { VigilError } from '@vigil/model';
import { Source, decodeStruct, joinPath } from './yaml-schema.js';
import { isValidUTF8LabelName, staticConfigSchema } from './config-schema.js';
import type { TargetGroup } from './target.js';

export interface RawGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

function fail(where: string, why: string): never {
  throw new VigilError('bad_data', `${where}: ${why}`);
}

/** Parses a JSON list of target groups; `where` names the file or URL in errors. */
export function parseGroupsJSON(text: string, where: string): RawGroup[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(where, `invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) fail(where, `expected a JSON list of target groups, got ${data === null ? 'null' : typeof data}`);
  return data.map((g, i) => {
    const at = `${where}: [${i}]`;
    if (g === null) fail(where, `nil target group item found (index ${i})`);
    if (typeof g !== 'object' || Array.isArray(g)) fail(at, 'a target group must be an object with "targets" and "labels"');
    let targets: string[] = [];
    let labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(g as Record<string, unknown>)) {
      // Go's JSON decoder matches field names without regard to case.
      const key = k.toLowerCase();
      if (key === 'targets') {
        if (v === null) continue;
        if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) fail(at, '"targets" must be a list of strings');
        targets = v as string[];
      } else if (key === 'labels') {
        if (v === null) continue;
        if (typeof v !== 'object' || Array.isArray(v)) fail(at, '"labels" must be an object of strings');
        labels = {};
        for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
          if (typeof value !== 'string') fail(at, `label ${JSON.stringify(name)}: value must be a string`);
          if (!isValidUTF8LabelName(name)) fail(at, `${JSON.stringify(name)} is not a valid label name`);
          labels[name] = value;
        }
      } else {
        fail(at, `json: unknown field ${JSON.stringify(k)}`);
      }
    }
    return { targets, labels };
  });
}

const groupSchema = { ...staticConfigSchema, name: 'target_group' };

/** Parses a YAML list of target groups (strict: unknown fields are errors), errors with line and column. */
export function parseGroupsYAML(text: string, file: string): RawGroup[] {
  const src = new Source(text, file);
  const root = src.root();
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isSeq(root)) throw src.error(root, '', 'expected a YAML list of target groups');
  return root.items.map((item, i) => {
    const n = src.deref(item);
    if (n === null || (isScalar(n) && n.value === null)) throw src.error(root, joinPath('', i), 'nil target group item found');
    if (!isMap(n)) throw src.error(n, joinPath('', i), 'a target group must be a mapping with targets and labels');
    const g = decodeStruct(src, n, joinPath('', i), groupSchema);
    return { targets: g.targets as string[], labels: g.labels as Record<string, string> };
  });
}

/** Turns parsed groups into target groups with sources `prefix:i` and an extra label (e.g. `__meta_filepath`). */
export function toTargetGroups(groups: readonly RawGroup[], sourcePrefix: string, extraLabel?: readonly [string, string]): TargetGroup[] {
  return groups.map((g, i) => ({
    source: `${sourcePrefix}:${i}`,
    targets: g.targets.map((t) => ({ __address__: t })),
    labels: extraLabel ? { ...g.labels, [extraLabel[0]]: extraLabel[1] } : g.labels,
  }));
}
