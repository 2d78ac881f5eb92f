import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { deflateRawSync, crc32 } from 'node:zlib';

import { EXTRACT_HEADERS } from '../../../src/directory/import/columns.js';
import { ExtractToCopy, headerInfo, type ExtractToCopyOptions } from '../../../src/directory/import/extract-to-copy.js';
import { mapHeader } from '../../../src/directory/import/columns.js';

/** A scratch folder for one test file; `cleanup` in afterAll. */
export function scratchDir(): { dir: string; file(name: string, content: string | Buffer): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-dir-'));
  return {
    dir,
    file(name, content) {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One extract line from column values by header name (others empty), in the given header order. */
export function line(values: Record<string, string>, headers: readonly string[] = EXTRACT_HEADERS, trailing = '|'): string {
  return headers.map((h) => values[h] ?? '').join('|') + trailing;
}

/** Runs the converter over the given bytes (fed in small pieces to cross chunk boundaries). */
export async function convert(bytes: Buffer, options: ExtractToCopyOptions = { malformed: 'stop' }, pieceSize = 7): Promise<{ out: string; converter: ExtractToCopy }> {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const headerLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')).replace(/\r$/, '');
  const converter = new ExtractToCopy(headerInfo(mapHeader(headerLine), headerLine), options);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(pieces).pipe(converter).on('data', (c: Buffer) => chunks.push(c)).on('end', resolve).on('error', reject);
    converter.on('error', reject);
  });
  return { out: Buffer.concat(chunks).toString('utf8'), converter };
}

/** A minimal zip (one deflated entry), as ANS ships the extract. */
export function zipOf(entryName: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const name = Buffer.from(entryName, 'utf8');
  const crc = crc32(content) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(content.length, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0x0800, 8); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(content.length, 24); central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const centralOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}
