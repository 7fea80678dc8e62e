// Passkeys (WebAuthn) for Minimin: creates and uses passkeys with the browser's
// navigator.credentials API. Forms marked data-passkey="register|login|second-factor" post their
// fields to their action to receive the ceremony options as JSON, run the ceremony, and post the
// result as JSON to data-verify-url with the form's CSRF token. Without WebAuthn the forms stay
// hidden and the page says why.
(function () {
  "use strict";

  function base64urlToBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function bufferToBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var copy = Object.assign({}, item);
      copy.id = base64urlToBuffer(item.id);
      return copy;
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = base64urlToBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: base64urlToBuffer(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = base64urlToBuffer(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function registrationJSON(credential) {
    var response = credential.response;
    var transports = typeof response.getTransports === "function" ? response.getTransports() : [];
    return {
      id: credential.id,
      rawId: bufferToBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: bufferToBase64url(response.clientDataJSON),
        attestationObject: bufferToBase64url(response.attestationObject),
        transports: transports
      }
    };
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: bufferToBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: bufferToBase64url(response.clientDataJSON),
        authenticatorData: bufferToBase64url(response.authenticatorData),
        signature: bufferToBase64url(response.signature),
        userHandle: response.userHandle ? bufferToBase64url(response.userHandle) : null
      }
    };
  }

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    if (input) { return input.value; }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function readJSON(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok) {
        // Every JSON refusal is an RFC 9457 problem: its detail is the message to show.
        var message = body && typeof body.detail === "string" ? body.detail : "";
        throw new Error(message || "");
      }
      return body;
    });
  }

  function run(form) {
    var kind = form.getAttribute("data-passkey");
    var status = form.querySelector(".passkey-status");
    var button = form.querySelector('button[type="submit"]');
    function say(message) { if (status) { status.textContent = message || ""; } }

    button.disabled = true;
    say(form.getAttribute("data-msg-working"));
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
    })
      .then(readJSON)
      .then(function (options) {
        if (kind === "register") {
          return navigator.credentials.create({ publicKey: creationOptions(options) })
            .then(registrationJSON);
        }
        return navigator.credentials.get({ publicKey: requestOptions(options) })
          .then(assertionJSON);
      }, function (error) {
        error.fromServer = true;
        throw error;
      })
      .then(function (credential) {
        return fetch(form.getAttribute("data-verify-url"), {
          method: "POST",
          body: JSON.stringify(credential),
          credentials: "same-origin",
          headers: {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": csrfToken(form)
          }
        }).then(readJSON).catch(function (error) {
          error.fromServer = true;
          throw error;
        });
      })
      .then(function (result) {
        window.location.assign(result.redirect || "/");
      })
      .catch(function (error) {
        button.disabled = false;
        if (error && error.fromServer && error.message) {
          say(error.message);
        } else if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
          say(form.getAttribute("data-msg-cancelled"));
        } else if (error && error.name === "InvalidStateError") {
          say(form.getAttribute("data-msg-cancelled"));
        } else {
          say(form.getAttribute("data-msg-failed"));
        }
      });
  }

  function init() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    var forms = document.querySelectorAll("form[data-passkey]");
    if (!supported) { return; }
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
      note.hidden = true;
    });
    forms.forEach(function (form) {
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        run(form);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
