/**
 * The web console (`GET /console`) for data owners, regulators and recipients, and the
 * plain-words rendering of contracts it shares with the CLI. The page's sources are in web/.
 */
export { consoleRoutes, CONTENT_SECURITY_POLICY } from './routes.ts';
export { buildConsole, type ConsoleBuild } from './build.ts';
export * from './terms/index.ts';
