// TypeScript's Node types leave WebAssembly's JavaScript API out (it lives in the DOM lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

/** The exports of a module without imports (crypto/*-module.ts), given its bytes in base64. */
export function instantiate<Exports>(base64: string): Exports & { memory: { buffer: ArrayBuffer } } {
  return new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64'))).exports as Exports & { memory: { buffer: ArrayBuffer } };
}
