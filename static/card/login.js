// OpenPSC — "Se connecter avec ma carte CPS" (src/authenticators/card/views.ts renders the markup).
// Talks to the card agent on this workstation (loopback), posts the signed challenge to the server
// (JSON), and on success navigates to the `redirect` the server answers (back into the OIDC flow).
// No inline script anywhere: URLs come from data-* attributes (strict CSP).
(function () {
  'use strict';
  var section = document.getElementById('card-login');
  if (!section) return;
  var agentUrl = section.getAttribute('data-agent-url');
  var challengeUrl = section.getAttribute('data-challenge-url');
  var verifyUrl = section.getAttribute('data-verify-url');
  var csrf = section.getAttribute('data-csrf') || '';
  var q = function (sel) { return section.querySelector(sel); };
  var startButton = q('[data-card-action="start"]');
  var cancelButton = q('[data-card-action="cancel"]');
  var pinForm = q('[data-card-form="pin"]');
  var pinInput = q('[data-card-field="pin"]');
  var pinWarning = q('[data-card-field="pin-warning"]');
  var cardLabel = q('[data-card-field="card-label"]');
  var statusBox = q('[data-card-field="status"]');
  var errorBox = q('[data-card-field="error"]');
  var card = null;
  var busy = false;

  var AGENT_DOWN = "Le logiciel « OpenPSC Carte » ne répond pas sur ce poste. " +
    "Vérifiez qu'il est installé et démarré (commande « openpsc card-agent »), puis cliquez de nouveau sur « Se connecter avec ma carte CPS ». " +
    "Vous pouvez aussi vous connecter avec l'application e-CPS.";

  function show(el, visible) { if (el) el.classList.toggle('hidden', !visible); }
  function status(text) { statusBox.textContent = text || ''; show(statusBox, Boolean(text)); }
  function fail(message, code) {
    status('');
    errorBox.textContent = message;
    errorBox.setAttribute('data-card-error', code || '');
    show(errorBox, true);
    busy = false;
    startButton.disabled = false;
  }
  function clearError() { errorBox.textContent = ''; errorBox.removeAttribute('data-card-error'); show(errorBox, false); }

  function AgentFailure(body) { this.code = body.error; this.message = body.message; this.tries = body.tries; }

  function agent(path, body) {
    var init = body
      ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
      : { method: 'GET' };
    init.cache = 'no-store';
    init.credentials = 'omit';
    return fetch(agentUrl + path, init).catch(function () {
      throw new AgentFailure({ error: 'CARD_AGENT_UNREACHABLE', message: AGENT_DOWN });
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) throw new AgentFailure(json.error ? json : { error: 'CARD_AGENT_FAILURE', message: AGENT_DOWN });
        return json;
      });
    });
  }

  function pinWarningText(pin) {
    if (pin.tries === 'final') return "Attention : il ne vous reste qu'un seul essai avant le blocage de votre carte.";
    if (pin.tries === 'low') return 'Attention : un code erroné a déjà été saisi. La carte se bloque après 3 codes erronés.';
    return '';
  }

  function start() {
    if (busy) return;
    busy = true;
    startButton.disabled = true;
    clearError();
    show(pinForm, false);
    status('Recherche de votre carte sur ce poste…');
    agent('/v1/cards').then(function (res) {
      if (!res.cards || res.cards.length === 0) {
        throw new AgentFailure({ error: 'CARD_ABSENT', message: 'Aucune carte CPS détectée. Insérez votre carte dans le lecteur, attendez quelques secondes, puis réessayez.' });
      }
      // Real CPS3/CPS4 token labels contain "CPS"; prefer those over other tokens of the workstation.
      card = res.cards.filter(function (c) { return /CPS/.test(c.label); })[0] || res.cards[0];
      if (card.pin.locked) {
        throw new AgentFailure({ error: 'CARD_PIN_LOCKED', message: "Votre carte est bloquée après trop de codes porteur erronés. Débloquez-la avec votre code de déblocage (outil CPS-Gestion) ou contactez le support de l'Agence du Numérique en Santé." });
      }
      cardLabel.textContent = 'Carte détectée : ' + card.label;
      if (card.pinPad) {
        status('Saisissez votre code porteur sur le clavier du lecteur de carte…');
        return sign(undefined);
      }
      var warning = pinWarningText(card.pin);
      pinWarning.textContent = warning;
      show(pinWarning, Boolean(warning));
      status('');
      show(pinForm, true);
      pinInput.value = '';
      pinInput.focus();
      busy = false;
      return undefined;
    }).catch(handleFailure);
  }

  // Same-origin JSON call to the login service; refusals carry a French `message`.
  function server(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    }).catch(function () {
      throw new AgentFailure({ error: 'CARD_SERVER_UNREACHABLE', message: 'Le service de connexion est injoignable. Vérifiez votre connexion à Internet et réessayez.' });
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) throw new AgentFailure(json.message ? json : { error: 'CARD_SERVER', message: 'Le service de connexion ne répond pas correctement. Réessayez dans quelques instants.' });
        return json;
      });
    });
  }

  function sign(pin) {
    busy = true;
    status('Préparation de la connexion…');
    return server(challengeUrl, {}).then(function (challenge) {
      status(card && card.pinPad ? 'Saisissez votre code porteur sur le clavier du lecteur de carte…' : 'Signature avec votre carte… ne la retirez pas du lecteur.');
      var body = { challenge: challenge.challenge, slot: card ? card.slot : undefined };
      if (pin !== undefined) body.pin = pin;
      return agent('/v1/sign', body).then(function (signed) {
        status('Vérification de votre carte par le service de connexion…');
        return server(verifyUrl, { challengeId: challenge.challengeId, certificate: signed.certificate, signature: signed.signature });
      }).then(function (done) {
        status('Connexion réussie. Retour à votre logiciel…');
        window.location.assign(done.redirect);
      });
    });
  }

  function handleFailure(err) {
    var message = err && err.message ? err.message : 'Une erreur inattendue est survenue. Réessayez.';
    var code = err && err.code ? err.code : 'CARD_UNEXPECTED';
    if (code === 'CARD_PIN_INCORRECT' || code === 'CARD_PIN_LENGTH' || code === 'CARD_PIN_REQUIRED') {
      // Stay on the PIN form: the professional corrects the code (one attempt per click).
      show(pinForm, true);
      pinInput.value = '';
      pinInput.focus();
      if (err.tries && card) card.pin.tries = err.tries;
    } else {
      show(pinForm, false);
    }
    fail(message, code);
  }

  startButton.addEventListener('click', start);
  cancelButton.addEventListener('click', function () {
    pinInput.value = '';
    show(pinForm, false);
    status('');
    busy = false;
    startButton.disabled = false;
  });
  pinForm.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    var pin = pinInput.value;
    pinInput.value = '';
    clearError();
    startButton.disabled = true;
    sign(pin).catch(handleFailure);
  });
})();
