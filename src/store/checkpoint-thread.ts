// The body of the thread that checkpoints one SQLite database's write-ahead log (started by openSqlite). A checkpoint
// copies the logged pages into the database file and syncs it; run by the writing connection, as SQLite does by
// default after a commit, that work and its fsyncs stall the event loop. Here it runs beside it: a passive
// checkpoint never blocks the writer, and once it has caught up the writer starts the log over from its beginning.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new DatabaseSync(file);
db.exec('PRAGMA busy_timeout = 5000');
const walCheckpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

/** Checkpoints until the log holds no page that is not in the database file, a few rounds at most (the writer keeps
 * appending meanwhile); the next tick takes up the rest. */
function checkpoint(): void {
  for (let round = 0; round < 4; round++) {
    const r = walCheckpoint.get() as { log: number; checkpointed: number };
    if (r.checkpointed >= r.log) return;
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
