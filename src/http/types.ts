/**
 * How a channel or page joins the one HTTP server: it contributes routes to the express app.
 * src/main.ts collects the mounts and src/http/server.ts applies them in order.
 */
import type { Express } from 'express';

export interface HttpMount {
  /** For logs: "web", "slack", "teams", "admin" … */
  name: string;
  mount(app: Express): void;
  /** Called on graceful shutdown, after the server stopped accepting connections. */
  close?(): Promise<void>;
}
