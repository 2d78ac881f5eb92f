/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Marks a string as already-safe HTML. */
export interface SafeHtml { readonly html: string }
export const raw = (html: string): SafeHtml => ({ html });

/** Tagged template that escapes every interpolation except SafeHtml values. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const part = Array.isArray(v)
      ? v.map((x) => (typeof x === 'object' && x && 'html' in x ? (x as SafeHtml).html : esc(x))).join('')
      : typeof v === 'object' && v && 'html' in v ? (v as SafeHtml).html : esc(v);
    out += part + (strings[i + 1] ?? '');
  });
  return raw(out);
}
