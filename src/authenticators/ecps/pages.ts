import { html, raw } from '../../interactions/pages/html.js';
import { page } from '../../interactions/pages/layout.js';
import { LOGIN_SCRIPT_PATH } from './login-script.js';

/** French pages of the e-CPS login steps, in the shared page shell (no inline script: strict CSP). */

/** The page shown while the phone is asked: the two-digit code to compare. */
export function waitPage(v: { clientName: string; code: string; statusUrl: string; finishUrl: string; expiresIn: number }): string {
  return page({
    title: 'Validez sur votre e-CPS',
    scripts: [LOGIN_SCRIPT_PATH],
    body: html`<h1>Validez sur votre e-CPS</h1>
<p>Une demande de connexion à <strong>${v.clientName}</strong> a été envoyée à votre téléphone.</p>
<p>Vérifiez que votre application e-CPS affiche le code suivant, puis validez avec votre code PIN :</p>
<p class="big-code" id="ecps-code" aria-label="Code de vérification">${v.code}</p>
<p class="status" id="ecps-wait" role="status" data-ecps-wait data-status-url="${v.statusUrl}" data-finish-url="${v.finishUrl}">En attente de votre validation (${Math.max(1, Math.round(v.expiresIn / 60))} min au plus)…</p>
<p><a href="${v.finishUrl}">J’ai répondu sur mon téléphone</a></p>`,
  });
}

export type OutcomeKind = 'denied' | 'timeout' | 'expired' | 'error';

const OUTCOMES: Record<OutcomeKind, { title: string; text: string }> = {
  denied: {
    title: 'Connexion refusée',
    text: 'Vous avez refusé la demande de connexion sur votre e-CPS. Si ce n’était pas vous, aucune action n’est nécessaire.',
  },
  timeout: {
    title: 'Pas de réponse de votre e-CPS',
    text: 'Votre téléphone n’a pas répondu à temps. Vérifiez qu’il est connecté à internet et que l’application e-CPS est ouverte, puis réessayez.',
  },
  expired: {
    title: 'Demande expirée',
    text: 'Cette demande de connexion a expiré ou a déjà été utilisée. Recommencez la connexion depuis le service que vous utilisiez.',
  },
  error: { title: 'Connexion impossible', text: 'Une erreur est survenue.' },
};

/** The end of an unsuccessful attempt, with a way back to the login page when there is one. */
export function outcomePage(kind: OutcomeKind, v: { message?: string; retryUrl?: string } = {}): string {
  const o = OUTCOMES[kind];
  return page({
    title: o.title,
    body: html`<h1>${o.title}</h1>
<p class="ecps-outcome error" data-outcome="${kind}">${v.message ?? o.text}</p>
${v.retryUrl ? html`<p class="actions"><a class="ecps-retry button primary" href="${v.retryUrl}">Réessayer</a></p>` : raw('')}`,
  });
}

/** The e-CPS part of the login page: push by national id, or the one-time code. */
export function loginSectionHtml(v: { basePath: string; csrf: string; loginHint?: string }): string {
  const id = v.loginHint ?? '';
  const csrf = html`<input type="hidden" name="csrf" value="${v.csrf}">`;
  return html`<div class="ecps-login">
<h2 id="ecps-title">Se connecter avec l’e-CPS</h2>
<form method="post" action="${v.basePath}/push" id="ecps-push-form">${csrf}
<label for="ecps-national-id">Identifiant national (RPPS ou ADELI)</label>
<input type="text" id="ecps-national-id" name="national_id" autocomplete="username" required maxlength="64" value="${id}">
<div class="actions"><button type="submit" class="primary" id="ecps-push">Recevoir une notification sur mon téléphone</button></div>
</form>
<form method="post" action="${v.basePath}/otp" id="ecps-otp-form">${csrf}
<p class="method">Ou saisissez le code à usage unique affiché par votre application e-CPS :</p>
<label for="ecps-otp-national-id">Identifiant national</label>
<input type="text" id="ecps-otp-national-id" name="national_id" autocomplete="username" required maxlength="64" value="${id}">
<label for="ecps-otp">Code à 6 chiffres</label>
<input type="text" id="ecps-otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6">
<div class="actions"><button type="submit" class="secondary" id="ecps-otp-submit">Valider le code</button></div>
</form>
</div>`.html;
}
