/**
 * How a channel or page joins the one HTTP server: it contributes routes to the express app.
 * src/main.ts collects the mounts (MOUNTS) and src/http/server.ts applies them in order, after the shared
 * middleware: `req.body` is already parsed for JSON requests (limit 1 MB; malformed → 400, too large → 413
 * before the mount sees it) and the raw bytes are on `req.rawBody` (see RawBodyRequest in server.ts) for
 * signature checks. Other content types reach the mount unparsed.
 */
import type { Express } from 'express';

export interface HttpMount {
  /** For logs: "web", "slack", "teams", "admin" … */
  name: string;
  mount(app: Express): void;
  /** Called on graceful shutdown, after the server stopped accepting connections. */
  close?(): Promise<void>;
  /**
   * Optional readiness of the mount (e.g. a Socket Mode connection), reported in /readyz as `mount:<name>`.
   * Must not throw; false makes the process not ready.
   */
  ready?(): Promise<boolean>;
}
