// dynalite 4 ships no type declarations; this is the part of its API the tests use.
declare module 'dynalite' {
  import { Server } from 'http';
  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    path?: string;
  }
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

// dynalite's item-size function (DynamoDB's 400 KB accounting), used by tests to check the designed sizes.
declare module 'dynalite/db' {
  export function itemSize(item: Record<string, unknown>, compress?: boolean, addMetaSize?: boolean, rangeKey?: string): number;
}
