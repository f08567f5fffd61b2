/**
 * An AWS SDK client built the first time a request needs it, its module loaded then too.
 * A function that calls a second service on some paths only (the Api starts workflows on
 * submissions, never on reads) then pays that client's load and build, several milliseconds
 * of a cold start, on those paths alone.
 */
export function clientOnFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let building: Promise<T> | undefined;
  return () => {
    // A failed build is not kept: the next request tries again.
    building ??= build().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}
