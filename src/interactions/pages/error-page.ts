import { html } from './html.js';
import { page } from './layout.js';

/** French explanations of the OIDC errors a professional may land on. */
const EXPLANATIONS: Record<string, string> = {
  invalid_request: "La demande de connexion envoyée par le logiciel n'est pas valide.",
  invalid_client: "Le logiciel qui demande la connexion n'est pas reconnu.",
  invalid_redirect_uri: "L'adresse de retour demandée par le logiciel n'est pas enregistrée.",
  unauthorized_client: "Ce logiciel n'est pas autorisé à utiliser ce mode de connexion.",
  access_denied: 'La connexion a été refusée.',
  login_required: 'Vous devez vous identifier.',
  session_not_found: 'Votre session a expiré.',
  invalid_scope: 'Le logiciel demande des informations qui ne peuvent pas lui être transmises.',
  server_error: 'Le service rencontre un problème technique.',
};

export function errorPage(error: string, description?: string): string {
  const explanation = EXPLANATIONS[error] ?? 'La connexion ne peut pas aboutir.';
  return page({
    title: 'Connexion impossible',
    body: html`<h1>Connexion impossible</h1>
<p class="lead">${explanation}</p>
<p>Revenez à votre logiciel et recommencez la connexion. Si le problème persiste, contactez l'éditeur de votre logiciel en lui indiquant le code ci-dessous.</p>
<p class="code">Code : <code>${error}</code>${description ? html` — <span>${description}</span>` : ''}</p>`,
  });
}
