/** The example's task: approves any request that names an id. */
export async function handler(event: { id?: string }): Promise<{ approved: boolean }> {
  return { approved: typeof event.id === 'string' && event.id.length > 0 };
}
