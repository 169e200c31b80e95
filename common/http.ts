import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import { SluiceError, isSluiceError, type ErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import type { rateLimitStore } from './rate-limit.ts';

export interface HttpServerOptions {
  logger: Logger;
  bodyLimit: number;
  /** Requests per minute per bearer token, or per address without one. */
  rateLimit: number;
  /**
   * Where the request limiter counts and what it keys on, and when it runs: by default in
   * memory, keyed by a digest of the Authorization header, on every request. The gateway counts
   * per authenticated token after authentication (see gateway/auth/plugin.ts).
   */
  limiter?: { store: ReturnType<typeof rateLimitStore>; key(request: FastifyRequest): string; hook: 'onRequest' | 'preParsing' };
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For names the client address. */
  trustProxy?: string[] | boolean;
  /** Serve HTTPS with this key and certificate (and, with `requestCert`, mutual TLS). */
  https?: https.ServerOptions;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON schema of the SURFACE error body; every route lists it for its 4xx/5xx responses. */
export const errorResponseSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

/**
 * A Fastify instance with the behaviour every Sluice service shares: SURFACE error bodies for
 * every failure (never a raw stack or an echoed value), rate limiting, body limit, and an
 * unauthenticated `GET /healthz`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.https ? { serverFactory: httpsFactory(options.https) } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // A malformed or overlong URL is refused by the router before any route runs; Fastify's own
    // answer would quote the path back.
    frameworkErrors: (error, _request, reply) => {
      const mapped = toSluiceError(error);
      void (reply as FastifyReply).status(mapped.status).send(mapped.toBody());
    },
  });

  // POSTs that take no body (approve, revoke) are often sent with a JSON content type and an
  // empty body; treat that as no body instead of refusing it. Otherwise Fastify's own parser,
  // which rejects prototype-poisoning keys. Bytes that are not UTF-8 are refused as CSV and
  // NDJSON uploads refuse them, never replaced by U+FFFD (which would change what is hashed
  // or tokenized downstream).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      return done(new SluiceError('VALIDATION_FAILED', 'request body is not valid UTF-8'), undefined);
    }
    if (text === '') return done(null, undefined);
    return parseJson(request, text, done);
  });

  app.setErrorHandler((error: FastifyError | SluiceError, request, reply) => {
    const mapped = toSluiceError(error);
    if (mapped.status >= 500 && !['KMS_UNAVAILABLE', 'KMS_SEALED', 'LEDGER_UNAVAILABLE'].includes(mapped.code)) {
      request.log.error({ err: { type: error.name, code: (error as FastifyError).code, stack: error.stack } }, 'unhandled error');
    } else {
      request.log.info({ code: mapped.code }, 'request refused');
    }
    return reply.status(mapped.status).send(mapped.toBody());
  });

  app.setNotFoundHandler((_request, reply) => {
    const error = new SluiceError('NOT_FOUND', 'no such route');
    return reply.status(error.status).send(error.toBody());
  });

  await app.register(rateLimit, {
    global: true,
    max: options.rateLimit,
    timeWindow: '1 minute',
    keyGenerator: options.limiter?.key ?? rateLimitKey,
    ...(options.limiter ? { store: options.limiter.store, hook: options.limiter.hook } : {}),
    allowList: (request) => request.url === '/healthz',
    errorResponseBuilder: () => new SluiceError('RATE_LIMITED', 'too many requests; retry later'),
  });

  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        hide: true,
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  return app;
}

/** An HTTPS server for Fastify; its request/response objects are those of `http`, so the HTTP typing holds. */
function httpsFactory(tls: https.ServerOptions) {
  return (handler: http.RequestListener): http.Server => https.createServer(tls, handler) as unknown as http.Server;
}

/** Keys the limiter by a digest of the bearer token so the token itself is never kept. */
function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.length > 0) {
    return 't:' + createHash('sha256').update(header).digest('base64url');
  }
  return 'a:' + request.ip;
}

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'VALIDATION_FAILED', message: 'unsupported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: 'invalid content length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'request body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'request body is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_FAILED', message: 'malformed URL' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'VALIDATION_FAILED', message: 'a path parameter is too long' },
};

export function toSluiceError(error: unknown): SluiceError {
  if (isSluiceError(error)) return error;
  const fastifyError = error as FastifyError & { validation?: Array<{ instancePath?: string; keyword?: string }>; validationContext?: string };
  if (fastifyError.validation) {
    const problems = fastifyError.validation.map((v) => `${fastifyError.validationContext ?? 'body'}${v.instancePath ?? ''} ${v.keyword ?? 'invalid'}`);
    return new SluiceError('VALIDATION_FAILED', 'request does not match the schema', { problems });
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return new SluiceError(known.code, known.message);
  if (fastifyError.statusCode === 413) return new SluiceError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new SluiceError('VALIDATION_FAILED', 'malformed request');
  }
  if (fastifyError.statusCode === 429) return new SluiceError('RATE_LIMITED', 'too many requests; retry later');
  return new SluiceError('INTERNAL', 'internal error');
}

