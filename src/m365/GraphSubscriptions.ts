// Graph change-notification subscriptions (https://learn.microsoft.com/graph/api/resources/subscription): create,
// renew (PATCH expirationDateTime; `/users` allows at most 41,760 minutes), delete, read.

import type { Client } from '@microsoft/microsoft-graph-client';
import { M365RequestError } from './M365RequestError';

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  expirationDateTime: string;
  clientState?: string | null;
  lifecycleNotificationUrl?: string | null;
}

export interface NewGraphSubscription {
  resource: string;
  changeType: string;
  notificationUrl: string;
  expirationDateTime: string;
  clientState?: string;
  lifecycleNotificationUrl?: string;
}

type Call = <T>(work: (client: Client) => Promise<T>) => Promise<T>;

function isNotFound(error: unknown): boolean {
  return error instanceof M365RequestError && error.status === 404;
}

export class GraphSubscriptions {
  constructor(private readonly call: Call) {}

  create(subscription: NewGraphSubscription): Promise<GraphSubscription> {
    return this.call((c) => c.api('/subscriptions').post(subscription) as Promise<GraphSubscription>);
  }

  renew(id: string, expirationDateTime: string): Promise<GraphSubscription> {
    return this.call(
      (c) =>
        c.api(`/subscriptions/${encodeURIComponent(id)}`).patch({ expirationDateTime }) as Promise<GraphSubscription>,
    );
  }

  /** Deletes; a subscription that is already gone counts as deleted. */
  async delete(id: string): Promise<void> {
    try {
      await this.call((c) => c.api(`/subscriptions/${encodeURIComponent(id)}`).delete() as Promise<unknown>);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** The subscription, or undefined when Graph no longer has it. */
  async get(id: string): Promise<GraphSubscription | undefined> {
    try {
      return await this.call(
        (c) => c.api(`/subscriptions/${encodeURIComponent(id)}`).get() as Promise<GraphSubscription>,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
