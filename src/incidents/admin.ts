/**
 * Incidents on /admin: the banner above every page while one is open or confirmed, and the JSON API
 *   GET  /admin/api/incidents                      { incidents: Incident[], settings }
 *   POST /admin/api/incidents/:id/confirm|dismiss|close   body {by?} → { incident }
 * mounted inside the admin API router (same authentication, same JSON-only rule for POSTs as every admin POST).
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Locale } from '../core/index.js';
import { escapeHtml as h } from '../http/html.js';
import type { I18n } from '../i18n/index.js';
import type { IncidentService } from './service.js';
import { ACTIVE_STATUSES, INCIDENT_ACTIONS, type Incident, type IncidentAction } from './types.js';

const bodySchema = z.object({ by: z.string().max(80).optional() }).optional();

export function incidentsRouter(service: IncidentService, o: { i18n: I18n; localeOf: (req: express.Request) => Locale }): Router {
  const r: Router = express.Router();
  const error = (req: express.Request, res: express.Response, status: number, key: string, params?: Record<string, string>) =>
    res.status(status).json({ error: o.i18n.t(key, params, o.localeOf(req)) });
  r.get('/', async (_req, res) => {
    res.json({ incidents: await service.list(), settings: service.settings, enabled: service.enabled });
  });
  r.post('/:id/:action', async (req, res) => {
    const action = String(req.params.action);
    if (!(INCIDENT_ACTIONS as readonly string[]).includes(action)) return error(req, res, 404, 'admin.api.not_found');
    const body = bodySchema.safeParse(req.body);
    if (!body.success) return error(req, res, 400, 'admin.api.bad_request', { detail: body.error.issues.map((i) => i.message).join('; ') });
    const by = body.data?.by?.trim();
    const incident = await service.act(String(req.params.id), action as IncidentAction, by || undefined);
    if (!incident) return error(req, res, 404, 'admin.api.not_found');
    res.json({ incident });
  });
  return r;
}

/** The banner of the open/confirmed incidents ('' when none), with confirm / dismiss / close buttons. */
export function renderIncidentBanner(incidents: Incident[], o: { i18n: I18n; locale: Locale; nonce: string }): string {
  const live = incidents.filter((i) => ACTIVE_STATUSES.has(i.status));
  if (!live.length) return '';
  const t = (key: string, params?: Record<string, string | number>) => h(o.i18n.t(key, params, o.locale));
  const mail = (i: Incident) =>
    i.carrier ? o.i18n.t(`engine.incident_mail.${i.carrier}`, undefined, o.locale) : o.i18n.t(`engine.value.service.${i.service}`, undefined, o.locale);
  const items = live
    .map(
      (i) => `<div class="incident-item" data-testid="incident" data-id="${h(i.id)}" data-status="${i.status}">
  <b>${t(i.status === 'confirmed' ? 'admin.incident.confirmed' : 'admin.incident.open', { mail: mail(i), symptom: o.i18n.t(`ticket.intent.${i.symptom}`, undefined, o.locale), count: i.count })}</b>
  <code>${h(i.id)}</code>
  <span class="incident-actions">${i.status === 'open' ? `<button type="button" data-incident="${h(i.id)}" data-act="confirm">${t('admin.incident.confirm')}</button> <button type="button" data-incident="${h(i.id)}" data-act="dismiss">${t('admin.incident.dismiss')}</button> ` : ''}<button type="button" data-incident="${h(i.id)}" data-act="close">${t('admin.incident.close')}</button></span>
</div>`,
    )
    .join('');
  return `<section class="incident-banner" role="alert" data-testid="incident-banner">${items}</section>
<style nonce="${h(o.nonce)}">.incident-banner{background:#fff4e5;border:1px solid #e08a00;border-left:6px solid #c8413a;border-radius:8px;padding:10px 14px;margin:0 0 16px}.incident-item{display:flex;flex-wrap:wrap;gap:10px;align-items:center;padding:4px 0}.incident-actions{margin-left:auto;display:flex;gap:6px}</style>
<script nonce="${h(o.nonce)}">document.querySelectorAll('[data-incident]').forEach(function(b){b.addEventListener('click',async function(){var r=await fetch('/admin/api/incidents/'+encodeURIComponent(b.dataset.incident)+'/'+b.dataset.act,{method:'POST',headers:{'content-type':'application/json',accept:'application/json'},body:'{}',credentials:'same-origin'});if(r.ok)location.reload();});});</script>`;
}
