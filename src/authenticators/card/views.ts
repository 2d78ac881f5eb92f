import { esc, html } from '../../interactions/pages/html.js';
import { page } from '../../interactions/pages/layout.js';
import type { InteractionView, LoginSection } from '../plugin.js';
import type { CardError } from './errors.js';
import type { CardSettings } from './settings.js';

/** The browser script's route among the plug-in's public routes (mounted at `/card`)… */
export const SCRIPT_ROUTE = '/login.js';
/** …and its URL for the login page. */
export const SCRIPT_PATH = `/card${SCRIPT_ROUTE}`;

/**
 * The "Se connecter avec ma carte CPS" section. No inline script or style (strict CSP): the script
 * is a static file and reads its URLs from data-* attributes.
 *
 * @example
 *   renderCardSection({ uid, clientId, clientName, csrf, basePath: '/auth/realms/x/interaction/' + uid }, settings, false).html
 */
export function renderCardSection(
  view: InteractionView & { csrf: string; basePath: string },
  settings: CardSettings,
  mtlsEnabled: boolean,
): LoginSection {
  const base = view.basePath; // the host gives `<issuerPath>/interaction/<uid>/card`
  const mtls = mtlsEnabled
    ? `<form method="post" action="${esc(`${base}/mtls`)}" class="card-mtls">
<input type="hidden" name="csrf" value="${esc(view.csrf)}">
<p>Votre navigateur est équipé du module de la carte CPS ?</p>
<button type="submit" class="secondary">Utiliser le certificat de ma carte dans le navigateur</button>
</form>`
    : '';
  const section = `<div id="card-login" data-agent-url="${esc(settings.agentUrl)}" data-challenge-url="${esc(`${base}/challenge`)}" data-verify-url="${esc(`${base}/verify`)}" data-csrf="${esc(view.csrf)}">
<h2>Se connecter avec ma carte CPS</h2>
<p>Insérez votre carte CPS (ou CPE, CPF…) dans le lecteur de ce poste. Le logiciel « OpenPSC Carte » doit être démarré sur ce poste.</p>
<div class="actions"><button type="button" class="primary" data-card-action="start">Se connecter avec ma carte CPS</button></div>
<form class="hidden" data-card-form="pin" autocomplete="off">
<p data-card-field="card-label"></p>
<label for="card-pin">Code porteur (code PIN) de votre carte</label>
<input id="card-pin" name="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="16" data-card-field="pin">
<p class="error hidden" data-card-field="pin-warning"></p>
<div class="actions"><button type="submit" class="primary">Valider</button><button type="button" class="secondary" data-card-action="cancel">Annuler</button></div>
</form>
<p class="status hidden" role="status" aria-live="polite" data-card-field="status"></p>
<div class="error hidden" role="alert" data-card-field="error"></div>
${mtls}
</div>`;
  return { html: section, scripts: [SCRIPT_PATH] };
}

/** The page a form post (the mTLS button) lands on when the server refuses the card (the JSON error's HTML twin). */
export function renderCardErrorPage(error: CardError, retryUrl: string): string {
  return page({
    title: 'Connexion par carte refusée',
    body: html`<h1>Connexion par carte refusée</h1>
<p class="lead" data-card-error="${error.code}">${error.message}</p>
<div class="actions"><a class="button primary" href="${retryUrl}">Revenir aux moyens de connexion</a></div>
<p class="code">Code : <code>${error.code}</code></p>`,
  });
}
