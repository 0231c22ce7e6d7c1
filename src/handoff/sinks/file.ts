/**
 * The default sink: one JSON file per ticket, `<TICKET_DIR>/<ticket id>.json`, written atomically (temp file +
 * link in the same folder, so a reader never sees half a ticket, and two writers never overwrite each other).
 * Idempotent: a ticket whose file exists with the same content is not written again; a file of the same id with
 * other content is a conflict (conflictError), never "already delivered".
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CodedError, ErrorCode, type Ticket, type TicketFollowUp } from '../../core/index.js';
import { conflictError, DeliveryError, type Delivered, type TicketSink } from './types.js';

/** Ticket ids become file names: only these characters, so an id can never walk out of the folder. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export interface FileSinkOptions {
  /** Folder of the tickets (TICKET_DIR); created when missing. */
  dir: string;
}

export function createFileSink(options: FileSinkOptions): TicketSink {
  const dir = resolve(options.dir);

  /** Writes `<dir>/<id>.json` once: the same content again is a repeat, other content a conflict. */
  async function writeOnce(id: string, content: string): Promise<Delivered> {
    if (!SAFE_ID.test(id)) {
      throw new DeliveryError('ticket id is not a safe file name', { retryable: false, reason: 'invalid_id' });
    }
    const path = join(dir, `${id}.json`);
    /** Is the file at `path` this very ticket (a repeat), or another one (a conflict)? */
    const existing = async (): Promise<'same' | 'other' | 'none'> => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
        throw e;
      }
      return text === content ? 'same' : 'other';
    };
    const found = await existing();
    if (found === 'same') return { externalRef: path };
    if (found === 'other') throw conflictError('file sink');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      // The link is only atomic for readers if the data reached the disk first.
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      // link, not rename: it fails when the name exists, so a concurrent writer of the same id is never overwritten.
      await link(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if ((await existing()) !== 'same') throw conflictError('file sink');
    } finally {
      await rm(tmp, { force: true });
    }
    return { externalRef: path };
  }

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
    deliver: (ticket: Ticket) => writeOnce(ticket.id, `${JSON.stringify(ticket, null, 2)}\n`),
    // Next to the ticket's file: <TICKET_DIR>/<ticket id>-f<n>.json, the follow-up as JSON (with the ticket's path).
    followUp: (followUp: TicketFollowUp, filed: Delivered) =>
      writeOnce(followUp.id, `${JSON.stringify({ type: 'ticket_follow_up', ...followUp, externalRef: filed.externalRef }, null, 2)}\n`),
  };
}

