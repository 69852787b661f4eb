import { EventEmitter } from 'node:events';

export type ChangedEntity = 'product' | 'batch' | 'sale' | 'sync';

/**
 * Said after a transaction commits, never inside one: the sync job pushes,
 * the tills' live view refreshes. Listeners must not throw.
 */
export class ChangeBus extends EventEmitter<{ committed: [ChangedEntity]; syncRequested: []; printFailed: [string] }> {
  committed(entity: ChangedEntity): void {
    this.emit('committed', entity);
  }

  /** A receipt did not print: the tills say so (the sale itself stands). */
  printFailed(message: string): void {
    this.emit('printFailed', message);
  }

  /** Someone asked for a push and pull now (Paramètres, the API, the CLI). */
  syncRequested(): void {
    this.emit('syncRequested');
  }
}
