// sm-crypto 0.5 ships no types; only the calls our cross-check tests make are declared.
declare module 'sm-crypto' {
  type Bytes = Uint8Array | number[];
  interface Sm4Options {
    padding?: 'pkcs#7' | 'pkcs#5' | 'none';
    mode?: 'ecb' | 'cbc';
    iv?: string | Bytes;
    output?: 'string' | 'array';
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { privateKey: string; publicKey: string };
      doSignature(msg: string | Bytes, privateKey: string, options?: { hash?: boolean; der?: boolean; userId?: string }): string;
      doVerifySignature(
        msg: string | Bytes,
        signature: string,
        publicKey: string,
        options?: { hash?: boolean; der?: boolean; userId?: string },
      ): boolean;
      doEncrypt(msg: string | Bytes, publicKey: string, cipherMode?: 0 | 1): string;
      doDecrypt(encrypted: string, privateKey: string, cipherMode: 0 | 1, options: { output: 'array' }): number[];
    };
    sm3(input: string | Bytes, options?: { key: string | Bytes; mode?: 'hmac' }): string;
    sm4: {
      encrypt(input: string | Bytes, key: string | Bytes, options?: Sm4Options): string | number[];
      decrypt(input: string | Bytes, key: string | Bytes, options?: Sm4Options): string | number[];
    };
  };
  export default smCrypto;
}
