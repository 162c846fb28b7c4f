// Use case: put the 648×648 rendition as the user's Exchange/Graph photo (`PUT /users/{id}/photo/$value`), then
// remember the photo's `@odata.mediaEtag` so the change-notification path recognises the echo of our own write.

import type { ExchangePhotoWriteMessage } from '../messages/messageContracts';
import type { PhotoMetadata } from '../photoChange/decidePhotoChange';
import type { PhotoStatePatch } from './PhotoStatePort';
import type { M365Failure, WriteDecision } from './writeDecisions';
import { subjectOf, writePhotoToTarget, type WriteTargetDependencies, type WriteResult } from './writePhotoToTarget';

export interface ExchangePhotoPort {
  putPhoto(userId: string, jpeg: Buffer): Promise<void>;
  getPhotoMetadata(userId: string): Promise<Pick<PhotoMetadata, 'mediaEtag'> | undefined>;
  getPhotoUpdateSettings(): Promise<{ source: string | undefined }>;
}

export interface WriteExchangePhotoDependencies extends WriteTargetDependencies {
  graph: ExchangePhotoPort;
}

export async function writeExchangePhoto(
  message: ExchangePhotoWriteMessage,
  deps: WriteExchangePhotoDependencies,
): Promise<WriteResult> {
  const write = message.exchangePhotoWrite;
  const userId = write.owner.userId;
  return writePhotoToTarget(
    {
      target: 'exchange',
      subject: subjectOf(write),
      async perform(): Promise<PhotoStatePatch> {
        const jpeg = await deps.renditions.readRendition(write.photo.blobName);
        await deps.graph.putPhoto(userId, jpeg);
        const metadata = await deps.graph.getPhotoMetadata(userId);
        return {
          lastRendition: write.photo,
          lastOrigin: write.origin,
          ...(metadata?.mediaEtag ? { lastMediaEtag: metadata.mediaEtag } : {}),
        };
      },
      refine: (failure, decision) => explainTenantPolicy(deps.graph, failure, decision),
    },
    deps,
  );
}

/**
 * A tenant whose photoUpdateSettings.source is `onPremises` refuses photo writes through Graph; the refusal itself
 * does not say why, so a permanent failure is checked against the tenant setting before it is recorded.
 * https://learn.microsoft.com/graph/api/resources/photoupdatesettings
 */
async function explainTenantPolicy(
  graph: ExchangePhotoPort,
  failure: M365Failure,
  decision: WriteDecision,
): Promise<WriteDecision> {
  if (decision.kind !== 'permanent' || !['permission-denied', 'request-rejected'].includes(decision.code)) {
    return decision;
  }
  // Reading the setting needs PeopleSettings.Read.All, which the app may lack: then the refusal's text decides.
  const settings = await graph.getPhotoUpdateSettings().catch(() => undefined);
  const onPremises =
    settings?.source?.toLowerCase() === 'onpremises' ||
    (!settings && /photoUpdateSettings|onPremises/i.test(failure.message));
  if (!onPremises) return decision;
  return {
    kind: 'permanent',
    code: 'tenant-photo-source-on-premises',
    message:
      'The tenant takes photos from on-premises (photoUpdateSettings.source = onPremises), so Graph refuses cloud ' +
      `photo writes. Change the setting or set photos on-premises. ${decision.message}`,
  };
}
