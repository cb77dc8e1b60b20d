import { SwitchboardError } from '../../errors.js';

/**
 * Refuses a conversation that leaving out empty messages (which OpenAI takes and Anthropic and
 * Gemini refuse) would change: nothing left to send (`sent` 0), or a last user message that was
 * empty (`endsWithLeftOut`), whose absence would leave the assistant turn before it to be continued
 * rather than answered. A 400 `invalid_request` naming `messages`, before any upstream call.
 */
export function refuseEmptyConversation(vendor: string, sent: number, endsWithLeftOut: boolean): void {
  if (sent === 0) {
    throw new SwitchboardError(
      'invalid_request',
      `messages: every user and assistant message is empty; ${vendor} takes no empty message and needs at least one with content`,
      { param: 'messages' },
    );
  }
  if (endsWithLeftOut) {
    throw new SwitchboardError(
      'invalid_request',
      `messages: the last user message is empty; ${vendor} takes no empty message, and without it the assistant turn before it would be continued instead of answered`,
      { param: 'messages' },
    );
  }
}
