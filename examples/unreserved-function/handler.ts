/** The example function: answers with the name of the table it was given. */
export async function handler(): Promise<{ table: string | undefined }> {
  return { table: process.env.TABLE_NAME };
}
