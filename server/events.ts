import { EventEmitter } from 'node:events';

export type ChangedEntity = 'product' | 'batch' | 'sale' | 'sync';

/**
 * Said after a transaction commits, never inside one: the sync job pushes,
 * the tills' live view refreshes. Listeners must not throw.
 */
export class ChangeBus extends EventEmitter<{ committed: [ChangedEntity]; syncRequested: [] }> {
  committed(entity: ChangedEntity): void {
    this.emit('committed', entity);
  }

  /** Someone asked for a push and pull now (Paramètres, the API, the CLI). */
  syncRequested(): void {
    this.emit('syncRequested');
  }
}
