import type { FastifyInstance, FastifyReply } from 'fastify';
import { SluiceError } from '../common/errors.ts';
import { buildConsole, type ConsoleBuild } from './build.ts';

/**
 * The page may load only its own script and stylesheet and talk only to this origin: no inline
 * script or style, no eval, no framing, no form posts, no base-URL tricks. Tokens and key files
 * stay inside the page's own JavaScript.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

function page(build: ConsoleBuild): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice</title>
<link rel="stylesheet" href="/console/assets/${build.style.name}">
<script type="module" src="/console/assets/${build.script.name}"></script>
</head>
<body>
<div id="app"></div>
<noscript>Sluice 控制台需要 JavaScript。The Sluice console needs JavaScript.</noscript>
</body>
</html>
`;
}

const assetParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: '^app-[0-9a-f]{16}\\.(js|css)$' } },
} as const;

/**
 * `GET /console`: the web console. The bundle is built from source by the first request that
 * needs it and kept for the life of the process (a failed build is retried by the next one).
 * The routes are outside the OpenAPI document: they are a page, not API.
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  let built: Promise<ConsoleBuild> | undefined;
  const assets = (): Promise<ConsoleBuild> =>
    (built ??= buildConsole().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
  const secure = (reply: FastifyReply) => reply.headers(SECURITY_HEADERS);

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => {
    const build = await assets();
    return secure(reply).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(build));
  });

  app.get('/console/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console', 301));

  app.get<{ Params: { name: string } }>('/console/assets/:name', { schema: { hide: true, params: assetParams } }, async (request, reply) => {
    const build = await assets();
    const found = [build.script, build.style].find((a) => a.name === request.params.name);
    if (!found) throw new SluiceError('NOT_FOUND', 'no such console asset');
    return secure(reply).header('cache-control', 'public, max-age=31536000, immutable').type(found.type).send(found.body);
  });
}
