// Confirms RP-initiated logout without a click when the relying party sent a valid id_token_hint.
document.addEventListener('DOMContentLoaded', () => {
  const yes = document.getElementById('logout-yes');
  if (yes) yes.click();
});
