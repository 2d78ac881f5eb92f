import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';

import yauzl from 'yauzl';

import { ImportError } from './errors.js';

/**
 * Where the extract's bytes come from: the `.txt` itself or the `PS_LibreAcces_<ts>.zip` that ANS
 * publishes (the activity file is found inside by name). Opened as a stream, as often as needed.
 */
export interface ExtractSource {
  /** The file given (zip or txt), for the import record. */
  path: string;
  /** The activity file's name (inside the zip, or the file itself). */
  entryName: string;
  /** Uncompressed size of the activity file, for progress. */
  size: number;
  open(): Promise<Readable>;
}

const ACTIVITY_ENTRY = /(^|\/)PS_LibreAcces_Personne_activite[^/]*\.txt$/i;

export async function openExtractSource(file: string): Promise<ExtractSource> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ImportError('EXTRACT_NOT_FOUND', `no such file: ${file}`);
  if (!/\.zip$/i.test(file)) {
    return { path: file, entryName: path.basename(file), size: info.size, open: async () => createReadStream(file, { highWaterMark: 1 << 20 }) };
  }
  const entry = await findZipEntry(file);
  return {
    path: file,
    entryName: entry.fileName,
    size: entry.uncompressedSize,
    open: () => openZipEntry(file, entry.fileName),
  };
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => (err || !zip ? reject(err ?? new Error('cannot open zip')) : resolve(zip)));
  });
}

async function findZipEntry(file: string): Promise<yauzl.Entry> {
  const zip = await openZip(file);
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (ACTIVITY_ENTRY.test(entry.fileName)) {
        zip.close();
        resolve(entry);
      } else zip.readEntry();
    });
    zip.on('end', () => reject(new ImportError('EXTRACT_ZIP_NO_ENTRY', `${path.basename(file)} holds no PS_LibreAcces_Personne_activite_*.txt`)));
    zip.on('error', reject);
    zip.readEntry();
  });
}

// yauzl checks the entry's CRC and size at the end of its stream: a cut-off zip fails there.
async function openZipEntry(file: string, name: string): Promise<Readable> {
  const zip = await openZip(file);
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName !== name) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err ?? new Error('cannot read zip entry')) : resolve(stream)));
    });
    zip.on('error', reject);
    zip.readEntry();
  });
}

/**
 * sha256 (hex) of the file as given, computed on a worker thread while the import reads the
 * file: ~3 s of hashing for 1 GB taken off the import's path (the reader is the busy thread).
 */
export function fileChecksumInBackground(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const { createHash } = require('node:crypto');
      const { createReadStream } = require('node:fs');
      const hash = createHash('sha256');
      createReadStream(workerData, { highWaterMark: 1 << 20 })
        .on('data', (chunk) => hash.update(chunk))
        .on('end', () => parentPort.postMessage(hash.digest('hex')))
        .on('error', (err) => { throw err; });`, { eval: true, workerData: file, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`checksum worker exited with ${code}`)); });
  });
}

/** sha256 (hex) of the file as given: the identity of an import (same checksum = same data). */
export async function fileChecksum(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** The first line of the extract (its header), read without loading more than needed. */
export async function readHeaderLine(source: ExtractSource): Promise<string> {
  const stream = await source.open();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += decoder.decode(chunk, { stream: true });
      const nl = text.indexOf('\n');
      if (nl !== -1) return text.slice(0, nl).replace(/\r$/, '');
      if (text.length > 1 << 20) break;
    }
  } catch (err) {
    if (err instanceof TypeError) throw new ImportError('EXTRACT_INVALID_UTF8', 'invalid UTF-8 byte sequence in the header', { line: 1 });
    throw err;
  } finally {
    stream.destroy();
  }
  if (!text.trim()) throw new ImportError('EXTRACT_EMPTY', 'the file is empty');
  return text.replace(/\r$/, '');
}
