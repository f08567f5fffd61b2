import { isAbsolute, resolve } from 'path';

/** Where {@link Code.fromEntry} finds a relative entry. */
export interface EntryCodeOptions {
  /**
   * The folder a relative `entry` is resolved from: an absolute path, such as
   * `join(__dirname, '..')`. Never the working directory, so an app
   * synthesizes the same from any folder.
   * @default none: `entry` must then be absolute
   */
  readonly projectRoot?: string;
}

/** A prebuilt deployment package for {@link Code.fromAsset}. */
export interface AssetCodeOptions {
  /**
   * The handler inside the zip, `<file without extension>.<exported function>`.
   * @default 'index.handler'
   */
  readonly handler?: string;
  /**
   * The folder a relative zip path is resolved from: an absolute path.
   * @default none: the zip path must then be absolute
   */
  readonly projectRoot?: string;
}

/** How a function's code is made: bundled from a TypeScript or JavaScript entry, or a zip built elsewhere. */
export type CodeKind = 'entry' | 'asset';

/**
 * A Lambda function's code, in the style of aws-cdk-lib's `lambda.Code`:
 * {@link Code.fromEntry} bundles an entry file with esbuild at synth,
 * {@link Code.fromAsset} takes a prebuilt zip. Either way the package is
 * uploaded to the function's code bucket under a key holding its hash.
 *
 * Paths never depend on the working directory: give them absolute
 * (`join(__dirname, 'handler.ts')`), or relative to an absolute `projectRoot`.
 * A relative path without one is refused at synth, naming the function.
 *
 * @example
 * new UnreservedFunction(stack, 'Api', { code: Code.fromEntry(join(__dirname, 'api.ts')), codeBucket });
 * new UnreservedFunction(stack, 'Legacy', { code: Code.fromAsset(join(__dirname, 'legacy.zip'), { handler: 'main.handler' }), codeBucket });
 */
export class Code {
  /** An entry file exporting `handler`, bundled with esbuild at synth (`@aws-sdk/*` left to the runtime). */
  public static fromEntry(entry: string, options: EntryCodeOptions = {}): Code {
    return new Code('entry', entry, 'index.handler', options.projectRoot);
  }

  /** A deployment package built elsewhere: a `.zip` file, uploaded as it is. */
  public static fromAsset(zipPath: string, options: AssetCodeOptions = {}): Code {
    return new Code('asset', zipPath, options.handler ?? 'index.handler', options.projectRoot);
  }

  /** `entry` (bundled at synth) or `asset` (a prebuilt zip). */
  public readonly kind: CodeKind;
  /** The path as given. */
  public readonly path: string;
  /** The handler Lambda calls: `index.handler` for bundled entries. */
  public readonly handler: string;
  /** The folder a relative {@link Code.path} is resolved from, when one was given. */
  public readonly projectRoot?: string;

  private constructor(kind: CodeKind, path: string, handler: string, projectRoot: string | undefined) {
    this.kind = kind;
    this.path = path;
    this.handler = handler;
    this.projectRoot = projectRoot;
  }

  /** The absolute path of the entry or zip; undefined when it is relative and no absolute `projectRoot` was given. */
  public get absolutePath(): string | undefined {
    if (isAbsolute(this.path)) return this.path;
    return this.projectRoot !== undefined && isAbsolute(this.projectRoot) ? resolve(this.projectRoot, this.path) : undefined;
  }
}
