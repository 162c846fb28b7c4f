// GraphClient seen through the ports of the photo-change path (processPhotoChange, reconcilePhotos and the
// subscription use cases), mapping Graph's "not there" answers (404) to values and everything else to errors.

import type { GraphSubscriptionsPort } from '../pipeline/subscriptions/SubscriptionPorts';
import type { PhotoMetadata } from '../pipeline/photoChange/decidePhotoChange';
import { USERS_PAGE_SIZE } from '../pipeline/photoChange/reconcilePacing';
import type { GraphPhotoPort } from '../pipeline/photoChange/PhotoChangePorts';
import type { MetadataFailure, ReconcilePorts } from '../pipeline/photoChange/reconcilePhotos';
import type { GraphClient } from './GraphClient';
import { isM365RequestError } from './M365RequestError';

function isNotFound(error: unknown): boolean {
  return isM365RequestError(error) && error.status === 404;
}

export function graphPhotoPort(graph: GraphClient): GraphPhotoPort {
  return {
    getPhotoMetadata: (userId) => graph.getPhotoMetadata(userId),
    async getPhotoContent(userId) {
      try {
        return await graph.getPhotoContent(userId);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}

export function graphReconcilePorts(graph: GraphClient): Pick<ReconcilePorts, 'userIdPages' | 'batchGetPhotoMetadata'> {
  return {
    async *userIdPages() {
      for await (const users of graph.listUsers({ select: ['id', 'userPrincipalName'], pageSize: USERS_PAGE_SIZE })) {
        yield users.map((user) => user.id);
      }
    },
    async batchGetPhotoMetadata(userIds) {
      const answers = await graph.batchGetPhotoMetadata(userIds);
      const result = new Map<string, PhotoMetadata | undefined | MetadataFailure>();
      for (const [userId, answer] of answers) {
        if (answer === undefined) result.set(userId, undefined);
        else if (isM365RequestError(answer)) result.set(userId, { userId, status: answer.status, code: answer.code });
        else result.set(userId, answer);
      }
      return result;
    },
  };
}

export function graphSubscriptionsPort(graph: GraphClient): GraphSubscriptionsPort {
  return {
    async createSubscription(request) {
      const created = await graph.subscriptions.create(request);
      return { id: created.id, expirationDateTime: created.expirationDateTime };
    },
    async renewSubscription(id, expirationDateTime) {
      try {
        const renewed = await graph.subscriptions.renew(id, expirationDateTime);
        return { id: renewed.id, expirationDateTime: renewed.expirationDateTime };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    subscriptionExists: async (id) => (await graph.subscriptions.get(id)) !== undefined,
    deleteSubscription: (id) => graph.subscriptions.delete(id),
  };
}
