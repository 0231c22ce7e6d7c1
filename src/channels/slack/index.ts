/** The Slack channel: the HTTP/Socket Mode mount, which also brings the help-desk notifier and take-over (app.ts, helpdesk.ts). */
export { slackMount, SLACK_KEYS, type SlackCore, type SlackMountOptions } from './app.js';
export { SLACK_DESK_KEYS } from './helpdesk.js';
