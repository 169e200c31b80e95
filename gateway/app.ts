import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../common/index.ts';
import { consoleRoutes } from '../console/index.ts';
import { recordAuditEvents } from './anchoring/audit-events.ts';
import type { OutboxRelay } from './anchoring/outbox.ts';
import { ledgerRoutes } from './anchoring/routes.ts';
import { registerAuth } from './auth/plugin.ts';
import { computeRoutes } from './compute/routes.ts';
import type { GatewayContext } from './context.ts';
import { contractRoutes } from './contracts/routes.ts';
import { datasetRoutes } from './datasets/routes.ts';
import { egressRoutes } from './egress/routes.ts';
import { viewRoutes } from './views/routes.ts';
import { partyRoutes } from './parties/routes.ts';
import { regulatorRoutes } from './regulator/routes.ts';
import { complianceRoutes } from './reports/routes.ts';
import { transferRoutes } from './transfers/routes.ts';

export const API_VERSION = '1.0.0';

/** The gateway's HTTP surface: every route schema-checked, authenticated, errors per SURFACE. */
export async function buildGatewayApp(ctx: GatewayContext, relay: OutboxRelay): Promise<FastifyInstance> {
  const app = await createHttpServer({ logger: ctx.logger, bodyLimit: ctx.config.bodyLimit, rateLimit: ctx.config.rateLimit });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sluice gateway', version: API_VERSION, description: 'Contract-bound, desensitized cross-border data exchange' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerAuth(app, ctx.db);
  recordAuditEvents(app, ctx.db, ctx.logger);
  await app.register(partyRoutes, { ctx });
  await app.register(datasetRoutes, { ctx });
  await app.register(contractRoutes, { ctx, relay });
  await app.register(transferRoutes, { ctx, relay });
  await app.register(computeRoutes, { ctx, relay });
  await app.register(ledgerRoutes, { ctx, relay });
  await app.register(complianceRoutes, { ctx });
  await app.register(egressRoutes, { ctx, relay });
  await app.register(viewRoutes, { ctx });
  await app.register(regulatorRoutes, { ctx });
  await app.register(consoleRoutes);
  return app;
}
