/** The Slack channel: the HTTP/Socket Mode mount, its proactive sender and, with SLACK_HELPDESK_CHANNEL, its help desk. */
export { slackMount, SLACK_KEYS, type SlackChannelDeps, type SlackMountOptions } from './app.js';
export { createSlackDesk, SLACK_DESK_KEYS } from './desk.js';
