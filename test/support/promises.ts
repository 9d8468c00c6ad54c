// test/support/promises.ts: small helpers for asserting on promises.

/** The error a promise rejects with; fails if it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** The error a function throws; fails if it returns instead. */
export function thrownBy(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to throw, but it returned');
}
