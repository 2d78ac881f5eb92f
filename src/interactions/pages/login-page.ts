import type { LoginSection } from '../../authenticators/plugin.js';
import { html, raw } from './html.js';
import { page } from './layout.js';

/** The login page: one section per configured authenticator. */
export function loginPage({ clientName, sections, abortUrl }: { clientName: string; sections: LoginSection[]; abortUrl: string }): string {
  return page({
    title: 'Connexion',
    scripts: sections.flatMap((s) => s.scripts ?? []),
    body: html`<h1>Connexion à ${clientName}</h1>
<p class="lead">Identifiez-vous avec votre carte de professionnel de santé ou votre e-CPS.</p>
${sections.length
    ? sections.map((s) => html`<section class="method">${raw(s.html)}</section>`)
    : html`<p class="error">Aucun moyen d'authentification n'est configuré sur ce serveur. Contactez son administrateur.</p>`}
<p class="method"><a href="${abortUrl}">Annuler et revenir au logiciel</a></p>`,
  });
}
