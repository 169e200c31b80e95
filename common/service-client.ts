import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Config } from './config.ts';
import { SluiceError } from './errors.ts';

/** PEM material a client uses to reach a Sluice service over TLS: the CA to trust, the certificate to show. */
export interface TlsClientSettings {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ServiceResponse {
  status: number;
  /** The parsed JSON body; undefined when the body is not JSON. */
  body: unknown;
}

/**
 * JSON over HTTP(S) between Sluice's own processes (gateway → KMS, worker → KMS, supervisor
 * health checks): one deadline for the whole exchange (connect, TLS, answer, body), keep-alive
 * connections, and the service CA and client certificate of `SLUICE_TLS_*` when set.
 * Network failures and the deadline reject; any HTTP answer resolves.
 */
export class ServiceClient {
  readonly #agent: http.Agent;
  readonly #https: boolean;

  constructor(
    base: string,
    private readonly timeoutMs: number,
    tls: TlsClientSettings = {},
  ) {
    this.#https = new URL(base).protocol === 'https:';
    this.#agent = this.#https ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
  }

  request(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<ServiceResponse> {
    const send = this.#https ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = send(url, { method: init.method, headers: init.headers ?? {}, agent: this.#agent });
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        response.once('end', () => {
          clearTimeout(timer);
          if (!response.complete) return reject(new Error('the answer was cut off'));
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      request.end(init.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The TLS client material the configuration names, read from its files. */
export function tlsClientSettings(config: Pick<Config, 'tls'>): TlsClientSettings {
  const { ca, clientCert, clientKey } = config.tls;
  return { ...(ca ? { ca: readPem(ca, 'SLUICE_TLS_CA') } : {}), ...(clientCert && clientKey ? { cert: readPem(clientCert, 'SLUICE_TLS_CLIENT_CERT'), key: readPem(clientKey, 'SLUICE_TLS_CLIENT_KEY') } : {}) };
}

/** A PEM file named by a variable; unreadable stops the process at start with the variable's name. */
export function readPem(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new SluiceError('VALIDATION_FAILED', `environment variable ${variable} names a file that cannot be read`, { variable });
  }
}
