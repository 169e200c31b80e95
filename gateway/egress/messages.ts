import { MAX_TOKEN_CHARS, type Redactor, type RedactionTokens } from '../desensitize/index.ts';
import type { EntityKind } from '../discovery/index.ts';
import type { ChatCompletionRequest, MessageContent } from './schemas.ts';

/** What a prompt held, for the ledger (counts) and for counting persons (values, kept in memory only). */
export interface PromptFindings {
  counts: Partial<Record<EntityKind, number>>;
  values: { kind: EntityKind; value: string }[];
}

/**
 * The request as it leaves: every message's text and the stop sequences redacted in token
 * mode, Sluice's `purpose` removed, everything else (model, sampling parameters) unchanged.
 */
export function redactRequest(request: ChatCompletionRequest, redactor: Redactor): { outgoing: Record<string, unknown>; findings: PromptFindings } {
  const findings: PromptFindings = { counts: {}, values: [] };
  const redact = (text: string): string => {
    const r = redactor.redactWithDetails(text);
    for (const [kind, n] of Object.entries(r.counts) as [EntityKind, number][]) findings.counts[kind] = (findings.counts[kind] ?? 0) + n;
    findings.values.push(...r.values);
    return r.text;
  };
  const content = (c: MessageContent): MessageContent => (typeof c === 'string' ? redact(c) : c.map((part) => ({ type: 'text' as const, text: redact(part.text) })));
  const { purpose: _purpose, ...rest } = request;
  const outgoing: Record<string, unknown> = { ...rest, messages: request.messages.map((m) => ({ role: m.role, content: content(m.content) })) };
  if (request.stop !== undefined) outgoing.stop = typeof request.stop === 'string' ? redact(request.stop) : request.stop.map(redact);
  return { outgoing, findings };
}

/** A provider's chat.completion with the tokens in each choice's message restored. */
export function restoreCompletion(completion: unknown, tokens: RedactionTokens): unknown {
  if (completion === null || typeof completion !== 'object' || !Array.isArray((completion as { choices?: unknown }).choices)) return completion;
  const choices = (completion as { choices: unknown[] }).choices.map((choice) => {
    const message = (choice as { message?: { content?: unknown } }).message;
    if (typeof message?.content !== 'string') return choice;
    return { ...(choice as object), message: { ...message, content: tokens.restore(message.content) } };
  });
  return { ...(completion as object), choices };
}

// A suffix that may be the start of a token still arriving: `[`, `[NA`, `[NAME:ab3`.
const PARTIAL_TOKEN = /\[[A-Z_]*(?::[a-z2-7]*)?$/;

/**
 * Restores tokens in streamed text, per choice. A token may be split across chunks, so text
 * from the last `[` that could still open a token is held back until the next piece shows
 * whether it closes one (or until the choice ends); everything before it goes out restored.
 */
export class StreamRestorer {
  private readonly pending = new Map<number, string>();

  constructor(private readonly tokens: RedactionTokens) {}

  push(choice: number, text: string): string {
    const buffered = (this.pending.get(choice) ?? '') + text;
    const tail = PARTIAL_TOKEN.exec(buffered.slice(-MAX_TOKEN_CHARS));
    const cut = tail === null ? buffered.length : buffered.length - tail[0].length;
    this.pending.set(choice, buffered.slice(cut));
    return this.tokens.restore(buffered.slice(0, cut));
  }

  /** Whatever is held back for a choice, restored as far as it goes. */
  flush(choice: number): string {
    const rest = this.pending.get(choice) ?? '';
    this.pending.delete(choice);
    return this.tokens.restore(rest);
  }

  /** Choices with text still held back. */
  held(): number[] {
    return [...this.pending].filter(([, text]) => text.length > 0).map(([choice]) => choice);
  }
}

