import { html, type SafeHtml } from './html.js';

export const STATIC_PREFIX = '/static';

/**
 * The page shell every professional-facing page uses: French, no inline script or style (the CSP
 * allows only 'self'), scripts listed explicitly.
 */
export function page({ title, body, scripts = [] }: { title: string; body: SafeHtml; scripts?: string[] }): string {
  return html`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} — Pro Santé Connect (OpenPSC)</title>
<link rel="stylesheet" href="${STATIC_PREFIX}/openpsc.css">
${scripts.map((s) => html`<script src="${s}" defer></script>`)}
</head>
<body>
<header class="banner"><span class="brand">Pro Santé Connect</span><span class="tag">OpenPSC</span></header>
<main class="card">
${body}
</main>
<footer class="foot">Service d'authentification des professionnels de santé et du médico-social</footer>
</body>
</html>`.html;
}
