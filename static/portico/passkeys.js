// Passkeys (WebAuthn): sign in without a password, use one as the second step, or add one to the account.
// Shown only where the browser supports them; every other path works without JavaScript.
(function () {
  "use strict";
  const supported = window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON;

  function csrf() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok && data.redirect) window.location.assign(data.redirect);
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function wire(container, run) {
    if (!container) return;
    if (!supported) {
      const note = document.querySelector("[data-passkey-unsupported]");
      if (note) note.hidden = false;
      return;
    }
    container.hidden = false;
    const controls = container.querySelector("[data-passkey-controls]");
    if (controls) controls.hidden = false;
    const button = container.querySelector("button[type=button]");
    const error = container.querySelector("[data-passkey-error]");
    button.addEventListener("click", async () => {
      error.textContent = "";
      button.disabled = true;
      try {
        const result = await run(container, button);
        if (result && result.redirect) window.location.assign(result.redirect);
      } catch (e) {
        error.textContent = e && e.name === "NotAllowedError" ? error.dataset.cancelled : String(e.message || e);
      } finally {
        button.disabled = false;
      }
    });
  }

  async function getAssertion(button, secondFactor) {
    const options = await post(button.dataset.optionsUrl, { second_factor: secondFactor });
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    const remember = document.getElementById("id_remember");
    return post(button.dataset.url, {
      credential: credential.toJSON(),
      second_factor: secondFactor,
      next: button.dataset.next || "",
      remember: remember ? remember.checked : false,
    });
  }

  wire(document.querySelector("[data-passkey-sign-in]"), (c, button) => getAssertion(button, false));
  wire(document.querySelector("[data-passkey-second-factor]"), (c, button) => getAssertion(button, true));
  wire(document.querySelector("[data-passkey-register]"), async (container) => {
    const options = await post(container.dataset.optionsUrl);
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    const name = container.querySelector("#passkey-name");
    return post(container.dataset.url, { credential: credential.toJSON(), name: name ? name.value : "" });
  });
})();
