import { html, raw } from './html.js';
import { page, STATIC_PREFIX } from './layout.js';

/**
 * RP-initiated logout. With a valid id_token_hint the page confirms by itself (logout.js submits
 * the provider's form), so relying parties get PSC's behaviour: no question asked.
 */
export function logoutPage(form: string, autoConfirm: boolean): string {
  return page({
    title: 'Déconnexion',
    scripts: autoConfirm ? [`${STATIC_PREFIX}/logout.js`] : [],
    body: html`<h1>Déconnexion</h1>
<p class="lead">Voulez-vous vous déconnecter de Pro Santé Connect ?</p>
${raw(form)}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary" id="logout-yes">Me déconnecter</button>
<button type="submit" form="op.logoutForm" class="secondary">Rester connecté</button>
</div>`,
  });
}

export function loggedOutPage(clientName?: string): string {
  return page({
    title: 'Déconnecté',
    body: html`<h1>Vous êtes déconnecté</h1>
<p class="lead">${clientName ? html`Vous avez été déconnecté de ${clientName} et de Pro Santé Connect.` : 'Vous avez été déconnecté de Pro Santé Connect.'}</p>`,
  });
}
