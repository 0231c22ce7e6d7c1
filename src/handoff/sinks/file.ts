/**
 * The default sink: one JSON file per ticket, `<TICKET_DIR>/<ticket id>.json`, written atomically (temp file +
 * rename in the same folder, so a reader never sees half a ticket). Idempotent: a ticket whose file exists is
 * not written again.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CodedError, ErrorCode, type Ticket } from '../../core/index.js';
import { DeliveryError, type Delivered, type TicketSink } from './types.js';

/** Ticket ids become file names: only these characters, so an id can never walk out of the folder. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export interface FileSinkOptions {
  /** Folder of the tickets (TICKET_DIR); created when missing. */
  dir: string;
}

export function createFileSink(options: FileSinkOptions): TicketSink {
  const dir = resolve(options.dir);
  return {
    name: 'file',
    async init() {
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
      } catch (e) {
        throw new CodedError(ErrorCode.ConfigInvalid, `TICKET_DIR: cannot write to ${dir}`, { cause: e });
      }
    },
    async deliver(ticket: Ticket): Promise<Delivered> {
      if (!SAFE_ID.test(ticket.id)) {
        throw new DeliveryError('ticket id is not a safe file name', { retryable: false, reason: 'invalid_id' });
      }
      const path = join(dir, `${ticket.id}.json`);
      const exists = await stat(path).then(
        () => true,
        () => false,
      );
      if (exists) return { externalRef: path };
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.${ticket.id}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(ticket, null, 2)}\n`, 'utf8');
        // The rename is only atomic for readers if the data reached the disk first.
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return { externalRef: path };
    },
  };
}
