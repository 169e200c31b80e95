import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isSluiceError } from '../../common/index.ts';
import { createFileSink, readFileChunks } from './file-io.ts';

describe('synchronous file I/O', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-file-io-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file in chunks of the given size', () => {
    const file = path.join(dir, 'in.bin');
    fs.writeFileSync(file, Buffer.alloc(10_000, 7));
    const sizes = [...readFileChunks(file, 4096)].map((c) => c.length);
    expect(sizes).toEqual([4096, 4096, 1808]);
  });

  it('refuses a missing file with VALIDATION_FAILED', () => {
    try {
      [...readFileChunks(path.join(dir, 'missing'))];
      expect.unreachable();
    } catch (error) {
      expect(isSluiceError(error) && error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('writes synchronously and closes on end', async () => {
    const file = path.join(dir, 'out.txt');
    const sink = createFileSink(file);
    expect(sink.write('张三丰,')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('张三丰,');
    sink.end('done');
    await new Promise((resolve) => sink.on('finish', resolve));
    expect(fs.readFileSync(file, 'utf8')).toBe('张三丰,done');
  });

  it('closes its file once: a second close would hit whatever file the process opened since under that number', async () => {
    const close = vi.spyOn(fs, 'close');
    try {
      const sink = createFileSink(path.join(dir, 'once.txt'));
      const closed = new Promise((resolve) => sink.on('close', resolve));
      sink.end('x');
      await closed;
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
    }
  });
});
