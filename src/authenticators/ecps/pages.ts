import { LOGIN_SCRIPT_PATH } from './login-script.js';

/** French pages of the e-CPS login steps (no inline script or style: strict CSP). */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Pro Santé Connect</title></head>
<body><main class="ecps">
<h1>${escapeHtml(title)}</h1>
${body}
</main>${scripts.map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join('')}</body></html>`;
}

/** The page shown while the phone is asked: the two-digit code to compare. */
export function waitPage(v: { clientName: string; code: string; statusUrl: string; finishUrl: string; expiresIn: number }): string {
  return layout('Validez sur votre e-CPS', `
<p>Une demande de connexion à <strong>${escapeHtml(v.clientName)}</strong> a été envoyée à votre téléphone.</p>
<p>Vérifiez que votre application e-CPS affiche le code suivant, puis validez avec votre code PIN :</p>
<p class="ecps-code" id="ecps-code" aria-label="Code de vérification">${escapeHtml(v.code)}</p>
<p id="ecps-wait" data-ecps-wait data-status-url="${escapeHtml(v.statusUrl)}" data-finish-url="${escapeHtml(v.finishUrl)}">
En attente de votre validation (${Math.round(v.expiresIn / 60) || 1} min au plus)…</p>
<p><a href="${escapeHtml(v.finishUrl)}">J’ai répondu sur mon téléphone</a></p>`, [LOGIN_SCRIPT_PATH]);
}

export type OutcomeKind = 'denied' | 'timeout' | 'expired' | 'error';

const OUTCOME_TITLES: Record<OutcomeKind, string> = {
  denied: 'Connexion refusée',
  timeout: 'Pas de réponse de votre e-CPS',
  expired: 'Demande expirée',
  error: 'Connexion impossible',
};

const OUTCOME_TEXTS: Record<Exclude<OutcomeKind, 'error'>, string> = {
  denied: 'Vous avez refusé la demande de connexion sur votre e-CPS. Si ce n’était pas vous, aucune action n’est nécessaire.',
  timeout: 'Votre téléphone n’a pas répondu à temps. Vérifiez qu’il est connecté à internet et que l’application e-CPS est ouverte, puis réessayez.',
  expired: 'Cette demande de connexion a expiré ou a déjà été utilisée. Recommencez la connexion depuis le service que vous utilisiez.',
};

/** The end of an unsuccessful attempt, with a way back to the login page when there is one. */
export function outcomePage(kind: OutcomeKind, v: { message?: string; retryUrl?: string; status?: string } = {}): string {
  const text = kind === 'error' ? v.message ?? 'Une erreur est survenue.' : v.message ?? OUTCOME_TEXTS[kind];
  const retry = v.retryUrl ? `<p><a class="ecps-retry" href="${escapeHtml(v.retryUrl)}">Réessayer</a></p>` : '';
  return layout(OUTCOME_TITLES[kind], `<p class="ecps-outcome" data-outcome="${kind}">${escapeHtml(text)}</p>${retry}`);
}

/** The e-CPS part of the login page: push by national id, or the one-time code. */
export function loginSectionHtml(v: { basePath: string; csrf: string; loginHint?: string }): string {
  const id = escapeHtml(v.loginHint ?? '');
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">`;
  return `<section class="ecps-login" aria-labelledby="ecps-title">
<h2 id="ecps-title">Se connecter avec l’e-CPS</h2>
<form method="post" action="${escapeHtml(v.basePath)}/push" id="ecps-push-form">${csrf}
<label for="ecps-national-id">Identifiant national (RPPS ou ADELI)</label>
<input id="ecps-national-id" name="national_id" autocomplete="username" required maxlength="64" value="${id}">
<button type="submit" id="ecps-push">Recevoir une notification sur mon téléphone</button>
</form>
<form method="post" action="${escapeHtml(v.basePath)}/otp" id="ecps-otp-form">${csrf}
<label for="ecps-otp-national-id">Identifiant national</label>
<input id="ecps-otp-national-id" name="national_id" autocomplete="username" required maxlength="64" value="${id}">
<label for="ecps-otp">Code à usage unique affiché par l’e-CPS</label>
<input id="ecps-otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6">
<button type="submit" id="ecps-otp-submit">Valider le code</button>
</form>
</section>`;
}
