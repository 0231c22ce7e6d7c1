/** Real content (tree, locales) and the real NLU for pipeline tests, loaded once per test file. */
import { createNlu, type LoadedNlu } from '../../src/nlu/index.js';
import { loadDialogs, loadLocales } from '../../src/data/load.js';
import { createI18n, type I18n } from '../../src/i18n/index.js';
import type { DialogTree } from '../../src/data/schemas.js';
import type { TurnObserver, TurnRecord, TicketHandler } from '../../src/pipeline/types.js';
import type { Ticket, TicketFollowUp } from '../../src/core/index.js';

export interface Content {
  tree: DialogTree;
  i18n: I18n;
  nlu: LoadedNlu;
}

let content: Promise<Content> | undefined;
export function loadContent(): Promise<Content> {
  content ??= (async () => {
    const dialogs = loadDialogs();
    if (!dialogs.tree) throw new Error(`tree does not load: ${dialogs.problems.map((p) => p.message).join('; ')}`);
    return { tree: dialogs.tree, i18n: createI18n(loadLocales().messages), nlu: await createNlu() };
  })();
  return content;
}

/** An observer that keeps every record (a real implementation of the interface, not a mock). */
export class RecordingObserver implements TurnObserver {
  readonly records: TurnRecord[] = [];
  onTurn(record: TurnRecord): void {
    this.records.push(record);
  }
}

/** A ticket handler that keeps tickets by id, idempotent like the real outbox. */
export class CollectingTickets implements TicketHandler {
  readonly byId = new Map<string, Ticket>();
  submits = 0;
  async submit(ticket: Ticket): Promise<void> {
    this.submits++;
    this.byId.set(ticket.id, ticket);
  }
  readonly followUps = new Map<string, TicketFollowUp>();
  async followUp(followUp: TicketFollowUp): Promise<void> {
    this.followUps.set(followUp.id, followUp);
  }
}
