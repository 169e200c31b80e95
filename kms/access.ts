import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { fail, SluiceError } from '../common/index.ts';
import type { Identities } from './identity.ts';
import type { Caller } from './types.ts';

/**
 * Who may call a route, declared as `config: { access }` on it. Routes default to `service`;
 * routes the compute worker needs (public and evaluation HE keys, reporting its job's result)
 * declare `worker` and never return anything secret; only health and seal status are `open`.
 */
export type Access = 'open' | 'service' | 'worker';

export interface AccessConfig {
  access?: Access;
}

const callers = new WeakMap<FastifyRequest, Caller>();

/** 401 for a missing or unknown token, 403 for the worker outside `worker` routes. */
export function authenticate(identities: Identities): onRequestHookHandler {
  return async (request) => {
    const access = (request.routeOptions.config as AccessConfig).access ?? 'service';
    if (access === 'open') return;
    const caller = identities.resolve(request.headers.authorization);
    if (caller === undefined) throw fail.unauthenticated();
    if (caller === 'worker' && access !== 'worker') throw fail.forbidden('this identity may only read public key material');
    callers.set(request, caller);
  };
}

export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (caller === undefined) throw new SluiceError('INTERNAL', 'route is missing authentication');
  return caller;
}
