import pg from 'pg';

/**
 * Decides once per run whether a real PostgreSQL server is reachable. Tests use it when it is;
 * otherwise they run on embedded PGlite and the tests that need a real server say they skip.
 * Workers inherit the result through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.OPENPSC_TEST_PG = url;
  } catch (err) {
    process.env.OPENPSC_TEST_PG = '';
    console.warn(`\n[openpsc tests] no PostgreSQL server at ${url} (${(err as Error).message}): ` +
      'running on embedded PGlite; tests that need a real server (COPY import, concurrency, ' +
      'multi-node) are skipped.\n');
  } finally {
    await client.end().catch(() => {});
  }
}
