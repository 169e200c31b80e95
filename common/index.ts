export * from './errors.ts';
export { loadConfig, type Config } from './config.ts';
export { createLogger, prettyLogLine, type Logger } from './logger.ts';
export { createHttpServer, errorResponseSchema, toSluiceError, type HttpServerOptions } from './http.ts';
export * from './db/index.ts';
