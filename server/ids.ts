import { uuidv7 } from 'uuidv7';

/** Every synced row's id is a UUID v7 made where the row is born (design.md principle 3). */
export const newId = (): string => uuidv7();
