// GET /v1/backup: a consistent backup of the embedded default, streamed to the system administrator (the
// `insightflow backup` command calls it while the server runs). PostgreSQL deployments back up the database and the
// shared directory instead (docs/operations.md).
import { Readable } from 'node:stream';
import { z } from 'zod';
import { packArchive, secretKeyText, stageBackup } from '../../backup/index.ts';
import { AppError } from '../../core/errors.ts';
import { route } from '../route.ts';

export const backupRoutes = [
  route({
    method: 'get',
    path: '/v1/backup',
    operationId: 'GetBackup',
    summary: 'Take a backup',
    description:
      'Streams a consistent backup (control store, data store, uploads; the secret key only with includeKey=true) ' +
      'of the embedded default. Restore it with `insightflow restore <file>` into an empty data directory.',
    tags: ['System'],
    access: 'systemAdmin',
    query: z.strictObject({ includeKey: z.enum(['true', 'false']).default('false') }),
    responses: { 200: { description: 'The backup file (application/gzip).' } },
    handler: async ({ services, query }) => {
      if (services.db.dialect !== 'sqlite')
        throw new AppError(
          'BadRequest',
          'backup through Insightflow covers the embedded default; with PostgreSQL back up the database and the shared directory (docs/operations.md)',
        );
      const staged = await stageBackup({
        db: services.db,
        dataStore: services.dataStore,
        dataDir: services.config.dataDir,
        importDir: services.config.importDir,
        secretKeyText:
          query.includeKey === 'true' ? secretKeyText(services.config.dataDir, services.config.secretKey) : undefined,
        now: services.clock.now(),
      });
      const stream = packArchive(staged.manifest, staged.files);
      stream.once('close', () => staged.cleanup());
      stream.once('error', () => staged.cleanup());
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        status: 200,
        headers: {
          'content-type': 'application/gzip',
          'content-disposition': `attachment; filename="insightflow-${staged.manifest.createdAt.replace(/[:.]/g, '-')}.backup"`,
        },
      });
    },
  }),
];
