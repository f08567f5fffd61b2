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
