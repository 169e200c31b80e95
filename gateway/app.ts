import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, MemoryWindowCounter, rateLimitStore, readPem, type Config, type WindowCounter } from '../common/index.ts';
import { consoleRoutes } from '../console/index.ts';
import { recordAuditEvents } from './anchoring/audit-events.ts';
import { ledgerRoutes } from './anchoring/routes.ts';
import { registerAuth, requestLimitKey } from './auth/plugin.ts';
import { computeRoutes } from './compute/routes.ts';
import type { GatewayContext } from './context.ts';
import { contractRoutes } from './contracts/routes.ts';
import { datasetRoutes } from './datasets/routes.ts';
import { egressRoutes } from './egress/routes.ts';
import { viewRoutes } from './views/routes.ts';
import { partyRoutes } from './parties/routes.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { regulatorRoutes } from './regulator/routes.ts';
import { complianceRoutes } from './reports/routes.ts';
import { tokenRoutes } from './tokens/routes.ts';
import { transferRoutes } from './transfers/routes.ts';

export const API_VERSION = '1.0.0';

/** HTTPS when `SLUICE_GATEWAY_TLS_CERT` and `…_KEY` are set. */
function gatewayTls(config: Config): { https?: { cert: string; key: string; minVersion: 'TLSv1.2' } } {
  const { gatewayCert, gatewayKey } = config.tls;
  if (!gatewayCert || !gatewayKey) return {};
  return { https: { cert: readPem(gatewayCert, 'SLUICE_GATEWAY_TLS_CERT'), key: readPem(gatewayKey, 'SLUICE_GATEWAY_TLS_KEY'), minVersion: 'TLSv1.2' } };
}

/** The gateway's HTTP surface: every route schema-checked, authenticated, errors per SURFACE. */
export async function buildGatewayApp(ctx: GatewayContext, limits: WindowCounter = new MemoryWindowCounter()): Promise<FastifyInstance> {
  const app = await createHttpServer({
    logger: ctx.logger,
    bodyLimit: ctx.config.bodyLimit,
    rateLimit: ctx.config.rateLimit,
    // Counted per authenticated token, so after authentication (onRequest) and before parsing.
    limiter: { store: rateLimitStore(limits, 'requests:'), key: requestLimitKey, hook: 'preParsing' },
    ...(ctx.config.trustProxy ? { trustProxy: ctx.config.trustProxy } : {}),
    ...gatewayTls(ctx.config),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sluice gateway', version: API_VERSION, description: 'Contract-bound, desensitized cross-border data exchange' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerAuth(app, ctx.db, { now: ctx.now, failures: limits, failureLimit: ctx.config.authFailureLimit });
  recordAuditEvents(app, ctx.db, ctx.logger);
  registerIdempotency(app, ctx.db, ctx.logger);
  await app.register(partyRoutes, { ctx });
  await app.register(tokenRoutes, { ctx });
  await app.register(datasetRoutes, { ctx });
  await app.register(contractRoutes, { ctx });
  await app.register(transferRoutes, { ctx });
  await app.register(computeRoutes, { ctx });
  await app.register(ledgerRoutes, { ctx });
  await app.register(complianceRoutes, { ctx });
  await app.register(egressRoutes, { ctx });
  await app.register(viewRoutes, { ctx });
  await app.register(regulatorRoutes, { ctx });
  await app.register(consoleRoutes);
  return app;
}
