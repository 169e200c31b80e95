import type { FromSchema } from 'json-schema-to-ts';
import { ID_PATTERN } from '../ids.ts';

/**
 * `POST /v1/egress/:contractId/chat/completions`: the OpenAI chat-completions request, limited to
 * what Sluice can vouch for. Every piece of text (message contents, stop sequences) is redacted
 * before it leaves; a field that could carry text past the redactor (tools, names, metadata,
 * images, user ids) is refused rather than forwarded. `purpose` is Sluice's own field: the
 * declared purpose checked against the contract, never sent on.
 */
const text = { type: 'string', maxLength: 200_000 } as const;

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant'] as const;

export const chatCompletionBody = {
  type: 'object',
  required: ['purpose', 'model', 'messages'],
  additionalProperties: false,
  properties: {
    purpose: { type: 'string', minLength: 1, maxLength: 200 },
    model: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: {
        type: 'object',
        required: ['role', 'content'],
        additionalProperties: false,
        properties: {
          role: { type: 'string', enum: [...MESSAGE_ROLES] },
          content: {
            anyOf: [
              text,
              {
                type: 'array',
                minItems: 1,
                maxItems: 64,
                items: { type: 'object', required: ['type', 'text'], additionalProperties: false, properties: { type: { type: 'string', enum: ['text'] }, text } },
              },
            ],
          },
        },
      },
    },
    stream: { type: 'boolean' },
    stream_options: { type: 'object', additionalProperties: false, properties: { include_usage: { type: 'boolean' } } },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    max_completion_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    n: { type: 'integer', minimum: 1, maximum: 8 },
    stop: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'array', maxItems: 4, items: { type: 'string', maxLength: 200 } }] },
    presence_penalty: { type: 'number', minimum: -2, maximum: 2 },
    frequency_penalty: { type: 'number', minimum: -2, maximum: 2 },
    seed: { type: 'integer' },
  },
} as const;

export type MessageContent = string | { type: 'text'; text: string }[];

export type ChatCompletionRequest = FromSchema<typeof chatCompletionBody>;

export const egressParams = {
  type: 'object',
  required: ['contractId'],
  additionalProperties: false,
  properties: { contractId: { type: 'string', pattern: ID_PATTERN } },
} as const;

/** The provider's chat.completion object, with tokens restored; OpenAI-compatible, so passed through as is otherwise. */
export const chatCompletionResponse = {
  type: 'object',
  additionalProperties: true,
  description: 'OpenAI chat.completion (or, with stream: true, text/event-stream of chat.completion.chunk)',
} as const;
