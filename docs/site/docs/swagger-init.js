// Swagger UI for the OrderFlow API, served by the API itself (no CDN).
// Authorize → oauth2 (password) signs in through POST /v1/auth/token.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: false,
    oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
