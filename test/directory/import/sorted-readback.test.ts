import { Readable } from 'node:stream';

import { expect, test } from '@jest/globals';

import { CopyTextUnescape } from '../../../src/directory/import/sorted-readback.js';

test('COPY text escapes are undone, also when a backslash ends a chunk', async () => {
  const pieces = ['12|A\\\\B\\', 'tC\\rD|', 'x\\\\', '\\\\y\n'].map((s) => Buffer.from(s, 'latin1'));
  const chunks: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(new CopyTextUnescape())) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).toString('latin1')).toBe('12|A\\B\tC\rD|x\\\\y\n');
});
