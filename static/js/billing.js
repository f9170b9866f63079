// The card form of the Billing tab: Stripe.js's Card Element, confirmed with a
// SetupIntent. The card number and CVC go from the browser to the payment provider
// only; the form posts back nothing but the SetupIntent's id. Configured by the
// form's data- attributes (no inline script, for the Content-Security-Policy).
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  var stripe = Stripe(form.dataset.stripeKey);
  var elements = stripe.elements();
  var card = elements.create("card", { hidePostalCode: false });
  var errorBox = document.getElementById("card-error");
  var submit = form.querySelector("button[type=submit]");
  card.mount("#card-element");

  function showError(message) {
    errorBox.textContent = message || "";
  }

  card.on("change", function (event) {
    showError(event && event.error ? event.error.message : "");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    showError("");
    var billingDetails = {};
    if (form.dataset.cardholder) {
      billingDetails.name = form.dataset.cardholder;
    }
    stripe
      .confirmCardSetup(form.dataset.clientSecret, {
        payment_method: { card: card, billing_details: billingDetails },
      })
      .then(function (result) {
        if (result.error) {
          showError(result.error.message || "The card was not accepted.");
          submit.disabled = false;
          return;
        }
        form.querySelector("input[name=setup_intent]").value = result.setupIntent.id;
        form.submit();
      })
      .catch(function () {
        showError("The payment provider could not be reached. Try again.");
        submit.disabled = false;
      });
  });
})();
