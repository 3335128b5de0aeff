/*
 * The demo storefront's "Add to cart" button. The demo shop has no checkout: the button records
 * the cart addition for the shopper's chat conversation (through the widget, which knows its
 * session id), so the assistant's next recommendation takes it into account.
 */
(() => {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.add-to-cart");
    if (!button) return;
    const chat = document.querySelector("shopdesk-chat");
    const status = button.parentElement.querySelector(".cart-status");
    if (chat && typeof chat.recordInteraction === "function") {
      chat.recordInteraction(button.dataset.productHandle, "cart");
    }
    if (status) status.textContent = "Added to your cart.";
  });
})();
