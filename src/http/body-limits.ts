import type Koa from 'koa';

/**
 * Refuses request bodies larger than `maxBytes` with 413 from the `Content-Length` header alone,
 * before any parser reads a byte. Bodies without a length (chunked) are left to the parsers, which
 * must count against the same limit: oidc-provider caps its own at 56 KiB, and our @koa/bodyparser
 * takes `bodyParserLimits(maxBytes)`. `rejectChunked` answers 411 to them instead.
 *
 * @example
 *   app.use(bodyLimit({ maxBytes: settings.ops.bodyLimit }));
 *   router.use(bodyParser(bodyParserLimits(settings.ops.bodyLimit)));
 */
export interface BodyLimitOptions {
  maxBytes: number;
  /** Answer 411 Length Required to requests with a body but no Content-Length. */
  rejectChunked?: boolean;
}

export function bodyLimit({ maxBytes, rejectChunked = false }: BodyLimitOptions): Koa.Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Content-Length');
    if (header) {
      const length = /^\d+$/.test(header) ? Number(header) : NaN;
      if (Number.isNaN(length)) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'Content-Length invalide.' };
        return;
      }
      if (length > maxBytes) {
        refuse(ctx, 413, 'Requête trop volumineuse.');
        return;
      }
    } else if (rejectChunked && ctx.get('Transfer-Encoding')) {
      refuse(ctx, 411, 'Content-Length requis.');
      return;
    }
    await next();
  };
}

function refuse(ctx: Koa.Context, status: 411 | 413, description: string): void {
  ctx.state.routeLabel = 'body-refused';
  ctx.status = status;
  ctx.body = { error: 'invalid_request', error_description: description };
  // Rather than reading and discarding the unread (oversized) body to keep the connection alive.
  ctx.set('Connection', 'close');
}

/** The same limit for @koa/bodyparser (which counts chunked bodies as it reads them). */
export function bodyParserLimits(maxBytes: number): { jsonLimit: number; formLimit: number; textLimit: number } {
  return { jsonLimit: maxBytes, formLimit: maxBytes, textLimit: maxBytes };
}
