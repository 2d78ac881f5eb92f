/**
 * Key-by-key comparison of one of our payloads with a published PSC capture: the keys each side
 * lacks and the keys whose JSON type differs (values are expected to differ). Nested objects and
 * the first item of arrays are compared too, with dotted paths (`SubjectRefPro.exercices[].…`).
 *
 * @example
 *   expect(compareShape(ours, sample('userinfo-medecin.json'))).toEqual({ missing: [], extra: [], typeMismatches: [] });
 */
export interface ShapeDiff {
  /** In the capture, not in ours. */
  missing: string[];
  /** In ours, not in the capture. */
  extra: string[];
  /** In both, with a different JSON type (`path: ours≠theirs`). */
  typeMismatches: string[];
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export function compareShape(ours: unknown, theirs: unknown, path = '', diff: ShapeDiff = { missing: [], extra: [], typeMismatches: [] }): ShapeDiff {
  const [a, b] = [typeOf(ours), typeOf(theirs)];
  if (a !== b) {
    diff.typeMismatches.push(`${path || '(root)'}: ${a}≠${b}`);
    return diff;
  }
  if (a === 'array') {
    const [x, y] = [(ours as unknown[])[0], (theirs as unknown[])[0]];
    if (x !== undefined && y !== undefined) compareShape(x, y, `${path}[]`, diff);
    return diff;
  }
  if (a !== 'object') return diff;
  const o = ours as Record<string, unknown>;
  const t = theirs as Record<string, unknown>;
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const k of Object.keys(t)) if (!(k in o)) diff.missing.push(at(k));
  for (const k of Object.keys(o)) if (!(k in t)) diff.extra.push(at(k));
  for (const k of Object.keys(t)) if (k in o) compareShape(o[k], t[k], at(k), diff);
  diff.missing.sort();
  diff.extra.sort();
  return diff;
}
