import { html, raw, type SafeHtml } from '../interactions/pages/html.js';
import { page } from '../interactions/pages/layout.js';

const json = (value: unknown) => html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;

export function demoHome(hints: string[]): string {
  return page({
    title: 'Démonstration',
    body: html`<h1>Logiciel de démonstration</h1>
<p class="lead">Ce logiciel est un vrai client OpenID Connect d'OpenPSC. Il vous connecte comme le ferait un DUI, puis affiche ce qu'il reçoit.</p>
<div class="actions"><a class="button primary" href="/demo/login" id="demo-login">Se connecter avec Pro Santé Connect</a></div>
${hints.length ? html`<h2>Pour essayer</h2><ul>${hints.map((h) => html`<li>${h}</li>`)}</ul>` : ''}`,
  });
}

export function demoResult(sections: { title: string; value: unknown }[], logoutUrl: string): string {
  const body: SafeHtml[] = sections.map((s) => html`<h2>${s.title}</h2>${json(s.value)}`);
  return page({
    title: 'Connecté',
    body: html`<h1 class="success" id="demo-connected">Vous êtes connecté</h1>
${raw(body.map((b) => b.html).join('\n'))}
<div class="actions"><a class="button" href="${logoutUrl}">Se déconnecter</a> <a class="button" href="/demo/">Recommencer</a></div>`,
  });
}

export function demoError(error: string, description: string): string {
  return page({
    title: 'Erreur',
    body: html`<h1>La connexion a échoué</h1><p class="error">${error} — ${description}</p><p><a href="/demo/">Recommencer</a></p>`,
  });
}
