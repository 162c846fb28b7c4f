// Graph change-notification subscriptions and their outbound traffic: the validation handshake at creation
// (POST {url}?validationToken=…, 200 text/plain echo within 10 s), change notifications for /users and lifecycle
// notifications. Delivery is asynchronous and retried; it never blocks the request that caused it.
// https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
// https://learn.microsoft.com/graph/change-notifications-lifecycle-events

import { randomUUID } from 'node:crypto';
import type { Tenant, TenantUser } from './Tenant';

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: Date;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
}

export interface DeliveryRecord {
  kind: 'change' | 'lifecycle';
  subscriptionId: string;
  url: string;
  payload: unknown;
  attempts: number;
  delivered: boolean;
  lastStatus?: number;
  lastError?: string;
}

export type ValidationOutcome = { ok: true } | { ok: false; message: string };

export interface SubscriptionStoreOptions {
  validationTimeoutMs?: number;
  deliveryTimeoutMs?: number;
  /** Waits between delivery attempts; its length is the number of retries. */
  retryDelaysMs?: number[];
}

export class SubscriptionStore {
  private readonly items = new Map<string, Subscription>();
  readonly deliveries: DeliveryRecord[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly tenant: Tenant,
    private readonly options: SubscriptionStoreOptions = {},
  ) {
    tenant.onPhotoChange((user) => this.notifyUserChanged(user));
  }

  /** Active subscriptions; Graph deletes a subscription once it expires. */
  list(): Subscription[] {
    const now = this.tenant.now().getTime();
    for (const [id, s] of this.items) if (s.expirationDateTime.getTime() <= now) this.items.delete(id);
    return [...this.items.values()];
  }

  get(id: string): Subscription | undefined {
    return this.list().find((s) => s.id === id.toLowerCase());
  }

  add(input: Omit<Subscription, 'id'>): Subscription {
    const subscription = { ...input, id: randomUUID() };
    this.items.set(subscription.id, subscription);
    return subscription;
  }

  remove(id: string): boolean {
    return this.items.delete(id.toLowerCase());
  }

  async validateEndpoint(url: string): Promise<ValidationOutcome> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    const controller = this.track(new AbortController());
    const timer = setTimeout(() => controller.abort(), this.options.validationTimeoutMs ?? 10_000);
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '',
        signal: controller.signal,
      });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      if (response.status === 200 && text === token && type.toLowerCase().startsWith('text/plain')) return { ok: true };
      return {
        ok: false,
        message:
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      };
    } catch (error) {
      if (controller.signal.aborted) return { ok: false, message: 'Subscription validation request timed out.' };
      return {
        ok: false,
        message: `Subscription validation request failed. Response must exactly match validationToken query parameter. (${String(error)})`,
      };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  notifyUserChanged(user: TenantUser): void {
    for (const s of this.list()) {
      const resource = s.resource.replace(/^\//, '').toLowerCase();
      const matches = resource === 'users' || resource === `users/${user.id}`;
      if (!matches || !s.changeType.split(',').includes('updated')) continue;
      this.deliver('change', s, s.notificationUrl, {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: s.expirationDateTime.toISOString(),
            changeType: 'updated',
            resource: `Users/${user.id}`,
            resourceData: {
              '@odata.type': '#Microsoft.Graph.User',
              '@odata.id': `Users/${user.id}`,
              id: user.id,
              organizationId: this.tenant.tenantId,
            },
            clientState: s.clientState,
            tenantId: this.tenant.tenantId,
          },
        ],
      });
    }
  }

  /** For `/users`, `reauthorizationRequired` is the only lifecycle event Graph sends; it goes to lifecycleNotificationUrl. */
  sendLifecycleEvent(id: string, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): void {
    const s = this.get(id);
    if (!s) throw new Error(`No active subscription ${id}`);
    if (!s.lifecycleNotificationUrl)
      throw new Error(`Subscription ${id} has no lifecycleNotificationUrl: Graph sends no lifecycle events`);
    this.deliver('lifecycle', s, s.lifecycleNotificationUrl, {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime.toISOString(),
          tenantId: this.tenant.tenantId,
          clientState: s.clientState,
          lifecycleEvent,
        },
      ],
    });
  }

  private deliver(kind: DeliveryRecord['kind'], s: Subscription, url: string, payload: unknown): void {
    const record: DeliveryRecord = { kind, subscriptionId: s.id, url, payload, attempts: 0, delivered: false };
    this.deliveries.push(record);
    const delays = this.options.retryDelaysMs ?? [500, 2_000, 5_000];
    const attempt = async (): Promise<void> => {
      if (this.closed) return;
      record.attempts += 1;
      const controller = this.track(new AbortController());
      const timer = setTimeout(() => controller.abort(), this.options.deliveryTimeoutMs ?? 10_000);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(payload),
          signal: controller.signal,
        });
        await response.arrayBuffer();
        record.lastStatus = response.status;
        record.delivered = response.status >= 200 && response.status < 300;
      } catch (error) {
        record.lastError = String(error);
      } finally {
        clearTimeout(timer);
        this.inFlight.delete(controller);
      }
      const wait = delays[record.attempts - 1];
      if (!record.delivered && wait !== undefined && !this.closed) this.later(wait, attempt);
    };
    this.later(0, attempt);
  }

  private later(ms: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private track(controller: AbortController): AbortController {
    this.inFlight.add(controller);
    return controller;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.inFlight) c.abort();
  }
}
