export * from './errors.ts';
export { loadConfig, type Config, type TlsConfig } from './config.ts';
export { readPem, ServiceClient, tlsClientSettings, type ServiceResponse, type TlsClientSettings } from './service-client.ts';
export { createLogger, prettyLogLine, type Logger } from './logger.ts';
export { createHttpServer, errorResponseSchema, toSluiceError, type HttpServerOptions } from './http.ts';
export type { RouteTypes } from './route-types.ts';
export * from './db/index.ts';
export { clientAddressKey, MemoryWindowCounter, openWindowCounter, rateLimitStore, RedisWindowCounter, type WindowCount, type WindowCounter } from './rate-limit.ts';
