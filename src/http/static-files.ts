import { readFileSync } from 'node:fs';
import path from 'node:path';

import type Koa from 'koa';

import { projectRoot } from '../config/settings.js';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * The shared page assets (static/), read once at start and served from memory: a fixed list, so
 * no path from the request ever reaches the file system.
 */
export function staticFiles(prefix = '/static', dir = path.join(projectRoot, 'static')): Koa.Middleware {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of ['openpsc.css', 'logout.js']) {
    files.set(`${prefix}/${name}`, { body: readFileSync(path.join(dir, name)), type: TYPES[path.extname(name)]! });
  }
  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
