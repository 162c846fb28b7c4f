// GraphClient seen through the ports of the photo-change path (processPhotoChange, reconcilePhotos and the
// subscription use cases), mapping Graph's "not there" answers (404) to values and everything else to errors.

import type { GraphSubscriptionsPort } from '../pipeline/subscriptions/SubscriptionPorts';
import type { PhotoMetadata } from '../pipeline/photoChange/decidePhotoChange';
import { USERS_PAGE_SIZE } from '../pipeline/photoChange/reconcilePacing';
import type { GraphPhotoPort } from '../pipeline/photoChange/PhotoChangePorts';
import type { MetadataFailure, ReconcilePorts } from '../pipeline/photoChange/reconcilePhotos';
import type { DirectoryAccount } from '../pipeline/photoChange/worthSyncing';
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

interface ReconcileUser {
  id: string;
  userPrincipalName: string;
  userType?: string | null;
  accountEnabled?: boolean | null;
  assignedLicenses?: unknown[] | null;
}

/** What reconcile needs to decide whom to read (worthSyncing.ts), and no more. */
const RECONCILE_SELECT = ['id', 'userPrincipalName', 'userType', 'accountEnabled', 'assignedLicenses'];

export function graphReconcilePorts(
  graph: GraphClient,
): Pick<ReconcilePorts, 'readUserPage' | 'batchGetPhotoMetadata'> {
  return {
    async readUserPage(nextLink) {
      const page = await graph.readUsersPage<ReconcileUser>(nextLink, {
        select: RECONCILE_SELECT,
        pageSize: USERS_PAGE_SIZE,
      });
      const accounts: DirectoryAccount[] = page.value.map((user) => ({
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        userType: user.userType ?? null,
        accountEnabled: user.accountEnabled ?? null,
        ...(Array.isArray(user.assignedLicenses) ? { licenceCount: user.assignedLicenses.length } : {}),
      }));
      return { accounts, ...(page.nextLink ? { nextLink: page.nextLink } : {}) };
    },
    async batchGetPhotoMetadata(userIds) {
      const answers = await graph.batchGetPhotoMetadata(userIds);
      const result = new Map<string, PhotoMetadata | undefined | MetadataFailure>();
      for (const [userId, answer] of answers) {
        if (answer === undefined) result.set(userId, undefined);
        else if (isM365RequestError(answer)) {
          result.set(userId, {
            userId,
            status: answer.status,
            code: answer.code,
            retryable: answer.retryable,
            ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}),
          });
        } else result.set(userId, answer);
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
