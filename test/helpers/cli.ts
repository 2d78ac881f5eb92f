import { jest } from '@jest/globals';
import { Command } from 'commander';

import { registerCommands } from '../../src/cli/commands.js';

/**
 * Runs `openpsc <args>` in-process (the same commander program as the binary) and returns what it
 * printed. The environment (DATABASE_URL, KEYS_ENCRYPTION_KEY…) is the caller's process.env.
 */
export async function runCli(args: string[]): Promise<string> {
  const program = new Command('openpsc').exitOverride();
  registerCommands(program);
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}
