import { readFileSync } from 'node:fs';
import path from 'node:path';

import { projectRoot } from '../../src/config/settings.js';

/** ../shared/ beside the project root (reference material, IGC-Santé certificates). */
export const sharedDir = path.resolve(projectRoot, '..', 'shared');

export function sample<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(sharedDir, 'reference', 'samples', name), 'utf8')) as T;
}

/** The shape of a JSON value: same keys, same types, values ignored (arrays: shape of each item). */
export function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shapeOf(v[0])] : [];
  if (v === null) return 'null';
  if (typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, shapeOf((v as Record<string, unknown>)[k])]));
  }
  return typeof v;
}
