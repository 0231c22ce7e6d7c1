/**
 * The help desk: staff take-over state (holds.ts) and the channel-neutral desk (desk.ts) that Slack and Teams
 * desks share. A channel with a help-desk channel configured implements a DeskTransport (rendering and API calls),
 * builds its desk with createHelpDesk, and returns it among its parts; src/main.ts wires it to the hand-off
 * notifications and to the pipeline's take-over link.
 */
export * from './holds.js';
export * from './desk.js';
