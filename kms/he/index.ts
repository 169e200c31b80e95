import { registerHeKeysets, type HeKeysetDeps } from './routes.ts';

export { registerHeKeysets, type HeKeysetDeps };

/** For `startKmsServer({ plugins: [heKeysetsPlugin] })`. */
export const heKeysetsPlugin = { name: 'he-keysets', register: registerHeKeysets };
