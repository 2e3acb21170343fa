/**
 * The OpenAPI manual at /docs: starts Swagger UI (served offline from /vendor) from a file, since the
 * pages' Content-Security-Policy allows no inline script.
 */

const root = document.getElementById("swagger-ui");
window.ui = globalThis.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [globalThis.SwaggerUIBundle.presets.apis, globalThis.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
