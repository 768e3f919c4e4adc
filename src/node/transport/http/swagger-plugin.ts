// `swagger.enabled`: the OpenAPI document of the HTTP server API and a Swagger UI to read it
// with, at swagger.handler_prefix on the internal port, laid out as Centrifugo v6.9.1 serves
// its own: `<prefix>` redirects to `<prefix>/`, which is the UI's index.html, its files beside
// it and the document at `<prefix>/swagger.json`. The UI is swagger-ui-dist's files (npm),
// served from node_modules, nothing from elsewhere.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../../api/index.ts';
import { GO_NOT_FOUND, GO_TEXT_HEADERS } from './plain-answers.ts';

const UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** swagger-ui-dist's files the index page loads, with their types. */
const UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
};

const INDEX = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Swagger UI</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="index.css" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="UTF-8"> </script>
    <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"> </script>
    <script src="./swagger-initializer.js" charset="UTF-8"> </script>
  </body>
</html>
`;

const INITIALIZER = `window.onload = function() {
  window.ui = SwaggerUIBundle({
    url: "./swagger.json",
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`;

export async function swaggerPlugin(
  app: FastifyInstance,
  opts: { path: string; apiPrefix: string; version: string },
): Promise<void> {
  const base = opts.path.replace(/\/+$/, '');
  const document = JSON.stringify(
    openApiDocument({ handlerPrefix: opts.apiPrefix, version: opts.version }),
  );
  if (base !== '') {
    app.get(base, async (_req, reply) => reply.code(307).header('location', `${base}/`).send());
  }
  app.get(`${base}/*`, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    if (name === '' || name === 'index.html')
      return reply.type('text/html; charset=utf-8').send(INDEX);
    if (name === 'swagger.json') return reply.type('application/json').send(document);
    if (name === 'swagger-initializer.js') {
      return reply.type('text/javascript; charset=utf-8').send(INITIALIZER);
    }
    const type = UI_FILES[name];
    if (type === undefined) return reply.code(404).headers(GO_TEXT_HEADERS).send(GO_NOT_FOUND);
    return reply.type(type).send(await readFile(join(UI_DIR, name)));
  });
}
