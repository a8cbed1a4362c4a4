/** A bad local command: nothing was touched (`npm start` exits 2). */
export class LocalUsageError extends Error {}
