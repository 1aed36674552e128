// The state of one script run, as commands, tests and extensions see it.
import type { ParsedAddress } from "./address.js";
import type { Argument } from "./ast.js";
import type { SieveConfig } from "./config.js";
import type { Envelope, SieveEnvironment } from "./environment.js";
import type { CompiledNode, Extension, Signal } from "./extension.js";
import { type HeaderField, headerText, type MimePart, SieveMessage } from "./message.js";
import { type ResultBuilder, SieveRuntimeError } from "./result.js";
import type { CompileResult } from "./validator.js";

/** State of one script execution (the main script, or one included script). */
export interface ScriptScope {
  /** The script's name (for traces and messages). */
  name: string;
  /** Per-extension state of this script (e.g. its local variables), keyed by extension name. */
  state: Map<string, unknown>;
  /** Rewrites a string argument before use (variable substitution), when installed. */
  expand: ((value: string) => string) | null;
  /** Receives match values after a successful `:matches`/`:regex`, when installed. */
  onMatch: ((values: string[]) => void) | null;
}

/** A compiled script: what `compile` returns and the interpreter runs. */
export interface CompiledScript {
  name: string;
  nodes: CompiledNode[];
  /** Extensions required by the script, in the order required. */
  extensions: Extension[];
}

/** What the interpreter lends to commands that run blocks or other scripts. */
export interface RuntimeHooks {
  /** Runs a block of commands (foreverypart's body) and returns its signal. */
  executeBlock(nodes: CompiledNode[]): Promise<Signal>;
  /** Runs an included script in its own scope; "stop" ends everything, "return" only it. */
  runScript(script: CompiledScript): Promise<Signal>;
  /** Compiles another script's text with the engine's registry and configuration. */
  compile(source: string, name: string): CompileResult;
}

export class Runtime {
  private currentHeaders: HeaderField[];
  /** Decoded values of the current header by lower-cased field name (tests read them often). */
  readonly decodedCache = new Map<string, string[]>();
  /** Parsed addresses of the current header by lower-cased field name. */
  readonly addressCache = new Map<string, ParsedAddress[]>();
  headersEdited = false;
  scope: ScriptScope;
  /** State shared across the main script and its includes, keyed by extension name. */
  readonly shared = new Map<string, unknown>();
  /** The MIME part the innermost `foreverypart` loop is at, or null outside loops. */
  currentPart: MimePart | null = null;
  /** Flags the implicit keep (and keep/fileinto without :flags) would set (imap4flags). */
  keepFlags: () => string[] = () => [];
  readonly traceLines: string[] = [];
  private readonly deadline: number;

  /** Counts replace/enclose rewrites, so that loops notice the message changed under them. */
  messageVersion = 0;

  constructor(
    public message: SieveMessage,
    readonly envelope: Envelope,
    readonly env: SieveEnvironment,
    readonly config: SieveConfig,
    readonly result: ResultBuilder,
    readonly tracing: boolean,
    readonly hooks: RuntimeHooks,
  ) {
    this.currentHeaders = [...message.root.headers];
    this.deadline = Date.now() + config.maxRunMillis;
    this.scope = { name: "", state: new Map(), expand: null, onMatch: null };
  }

  /** The current header (editheader changes it; later tests see the change). */
  get headers(): HeaderField[] {
    return this.currentHeaders;
  }

  set headers(headers: HeaderField[]) {
    this.currentHeaders = headers;
    this.decodedCache.clear();
    this.addressCache.clear();
  }

  /**
   * Makes a new message text current (replace, enclose). The text is latin1 code units; the
   * current (possibly edited) header is kept unless `text` brings its own.
   */
  replaceMessage(text: string): void {
    this.message = new SieveMessage(Buffer.from(text, "latin1"));
    this.headers = [...this.message.root.headers];
    this.messageVersion++;
  }

  /** The current message as octets: the current header over the current body. */
  messageText(): string {
    return `${headerText(this.headers)}\r\n${this.message.text.slice(this.message.root.bodyStart)}`;
  }

  /** A string argument with variables substituted (when the script uses variables). */
  expand(value: string): string {
    return this.scope.expand === null ? value : this.scope.expand(value);
  }

  /** The positional string argument at `index`, expanded. */
  string(node: CompiledNode, index: number): string {
    return this.expand(stringsOf(node.positional[index])[0] ?? "");
  }

  /** The positional string-list argument at `index`, each item expanded. */
  strings(node: CompiledNode, index: number): string[] {
    return stringsOf(node.positional[index]).map((s) => this.expand(s));
  }

  /** A tag's string parameter, expanded, or null when the tag is absent. */
  tagString(node: CompiledNode, tag: string): string | null {
    const arg = node.tags.get(tag);
    if (arg === undefined || arg === null) return null;
    return this.expand(stringsOf(arg)[0] ?? "");
  }

  tagStrings(node: CompiledNode, tag: string): string[] | null {
    const arg = node.tags.get(tag);
    if (arg === undefined || arg === null) return null;
    return stringsOf(arg).map((s) => this.expand(s));
  }

  tagNumber(node: CompiledNode, tag: string): number | null {
    const arg = node.tags.get(tag);
    return arg?.kind === "number" ? arg.value : null;
  }

  trace(line: number, text: string, depth = 0): void {
    if (!this.tracing) return;
    const prefix = line > 0 ? `${String(line).padStart(4)}: ` : "      ";
    this.traceLines.push(`${prefix}${"  ".repeat(depth)}${text}`);
  }

  /** Ends the run when it took too long (a loop over a huge message, a slow regex). */
  checkDeadline(line: number): void {
    if (Date.now() > this.deadline) {
      throw new SieveRuntimeError("execution took too long (exceeded the time limit)", line);
    }
  }
}

export function stringsOf(arg: Argument | null | undefined): string[] {
  return arg?.kind === "strings" ? arg.values : [];
}
