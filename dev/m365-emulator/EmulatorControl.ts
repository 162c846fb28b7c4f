// The in-process control surface for tests and demos: act as a person changing their photo in Outlook/Teams,
// change tenant settings and grants, inject faults and throttling, read back what clients wrote.

import sharp from 'sharp';
import type { ResourceName } from './AppRegistration';
import type { EmulatorContext } from './EmulatorContext';
import type {
  EmulatorStats,
  FaultSpec,
  MailboxLimitsSpec,
  PeopleManagerCapSpec,
  ThrottledService,
  ThrottleWindowUsage,
  ThrottlingSpec,
} from './RequestPolicy';
import type { DeliveryRecord, Subscription } from './SubscriptionStore';
import { storeExchangePhoto } from './storeExchangePhoto';
import type {
  MediaEtagRule,
  MailboxKind,
  MailboxlessPhotoWrite,
  PhotoUpdateSource,
  StoredPhoto,
  TenantUser,
} from './Tenant';

export class EmulatorError extends Error {
  readonly retryable = false;
  constructor(
    readonly code: 'unknown-user' | 'unknown-app' | 'unknown-subscription' | 'clock-not-adjustable',
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export class EmulatorControl {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly clock: { advance(ms: number): void } | undefined,
    private readonly settings: { setProfileProvisioningDelay(ms: number): void },
  ) {}

  private user(idOrUpn: string): TenantUser {
    const user = this.ctx.tenant.findUser(idOrUpn);
    if (!user) throw new EmulatorError('unknown-user', `No user ${idOrUpn} in the emulated tenant`);
    return user;
  }

  /**
   * The person changes their own photo in Outlook or Teams: Exchange stores its re-encoded copy under a new ETag, and
   * Graph notifies only if the tenant does (default: it does not).
   */
  async changePhotoAsUser(idOrUpn: string, bytes: Buffer): Promise<{ mediaEtag: string }> {
    const user = this.user(idOrUpn);
    const meta = await sharp(bytes).metadata();
    const type = meta.format === 'png' ? 'image/png' : 'image/jpeg';
    const stored = await storeExchangePhoto(this.ctx.tenant, user, {
      bytes,
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      contentType: type,
    });
    this.ctx.tenant.emitPhotoChange(user, 'updated');
    return { mediaEtag: stored.mediaEtag };
  }

  removePhotoAsUser(idOrUpn: string): void {
    const user = this.user(idOrUpn);
    if (this.ctx.tenant.deletePhoto(user)) this.ctx.tenant.emitPhotoChange(user, 'deleted');
  }

  /**
   * The person is deleted from the directory: Graph no longer finds them and their Exchange photo goes with the
   * mailbox. SharePoint is left as a tenant leaves it (the profile and the User Photos files stay behind).
   */
  deleteUser(idOrUpn: string): void {
    const user = this.user(idOrUpn);
    this.ctx.tenant.deletePhoto(user);
    this.ctx.tenant.users.delete(user.id);
  }

  /** What Exchange holds now (the truth behind any read-after-write lag). */
  getPhoto(idOrUpn: string): StoredPhoto | undefined {
    return this.ctx.tenant.photos.get(this.user(idOrUpn).id);
  }

  /**
   * A new person in the directory. Their SharePoint profile comes after the tenant's provisioning delay (default:
   * never); `{ sharePointProfile: 'now' }` gives them one at once, for tests and benches about something else.
   */
  addUser(
    input: Partial<TenantUser> & { displayName: string; userPrincipalName: string },
    options: { sharePointProfile?: 'now' | 'tenantDefault' } = {},
  ): TenantUser {
    const user = this.ctx.tenant.addUser(input);
    if (options.sharePointProfile === 'now') this.provisionProfile(user.userPrincipalName);
    return user;
  }

  /** SharePoint provisions the person's user profile now. */
  provisionProfile(idOrUpn: string): void {
    this.ctx.sharePoint.provisionProfile(this.user(idOrUpn).userPrincipalName);
  }

  /** How long SharePoint takes to provision profiles of people added from now on (`Infinity`: never). */
  setProfileProvisioningDelay(ms: number): void {
    this.settings.setProfileProvisioningDelay(ms);
  }

  /** An admin makes a profile property (not) editable for apps (SharePoint admin center → User profiles). */
  setProfilePropertyEditable(propertyName: string, editable: boolean): void {
    this.ctx.sharePoint.setEditable(propertyName, editable);
  }

  /** What Graph answers photo writes for people without an Exchange Online mailbox. */
  setMailboxlessPhotoWrite(answer: MailboxlessPhotoWrite): void {
    this.ctx.tenant.mailboxlessPhotoWrite = answer;
  }

  setMailbox(idOrUpn: string, mailbox: MailboxKind): void {
    this.user(idOrUpn).mailbox = mailbox;
  }

  /** Makes a user (by id or UPN) or a group (by object id) a direct member of a security group. */
  addGroupMember(groupId: string, member: string): void {
    const user = this.ctx.tenant.findUser(member);
    this.ctx.tenant.addGroupMember(groupId, user ? user.id : member);
  }

  setNotifyOnPhotoChange(enabled: boolean): void {
    this.ctx.tenant.notifyOnPhotoChange = enabled;
  }

  /** The photo store's readings (docs/m365-emulator.md, "Photo store realism"); omitted fields stay as they are. */
  setPhotoStoreRealism(options: {
    photoReadLagMs?: number;
    mediaEtag?: MediaEtagRule;
    reencodePhotos?: boolean;
  }): void {
    if (options.photoReadLagMs !== undefined) this.ctx.tenant.photoReadLagMs = options.photoReadLagMs;
    if (options.mediaEtag !== undefined) this.ctx.tenant.mediaEtag = options.mediaEtag;
    if (options.reencodePhotos !== undefined) this.ctx.tenant.reencodePhotos = options.reencodePhotos;
  }

  setPhotoUpdateSource(source: PhotoUpdateSource): void {
    this.ctx.tenant.photoUpdateSource = source;
  }

  grantRoles(appName: string, resource: ResourceName, roles: string[]): void {
    for (const role of roles) this.app(appName).roles[resource].add(role);
  }

  revokeRoles(appName: string, resource: ResourceName, roles: string[]): void {
    for (const role of roles) this.app(appName).roles[resource].delete(role);
  }

  private app(name: string) {
    const app = this.ctx.tenant.apps.get(name);
    if (!app) throw new EmulatorError('unknown-app', `No app registration named ${name}`);
    return app;
  }

  /** A server-relative URL, or a bare file name in a Profile Pictures folder (the current one first). */
  getSharePointFile(pathOrName: string): Buffer | undefined {
    const paths = pathOrName.startsWith('/')
      ? [pathOrName]
      : this.ctx.sharePoint.profilePicturesFolderUrls.reverse().map((folder) => `${folder}/${pathOrName}`);
    for (const path of paths) {
      const file = this.ctx.sharePoint.file(path);
      if (file) return file.bytes;
    }
    return undefined;
  }

  /** How many times the file has been uploaded (SharePoint keeps a version per upload); undefined when absent. */
  getSharePointFileVersion(pathOrName: string): number | undefined {
    const path = pathOrName.startsWith('/')
      ? pathOrName
      : `${this.ctx.sharePoint.profilePicturesFolderUrl}/${pathOrName}`;
    return this.ctx.sharePoint.file(path)?.version;
  }

  listSharePointFiles(): string[] {
    return [...this.ctx.sharePoint.files.values()].map((f) => f.serverRelativeUrl);
  }

  /** The person's SharePoint profile properties; undefined while they have no profile. */
  getProfileProperties(upn: string): Record<string, string> | undefined {
    const profile = this.ctx.sharePoint.profile(this.user(upn).userPrincipalName);
    return profile && Object.fromEntries(profile);
  }

  listSubscriptions(): Subscription[] {
    return this.ctx.subscriptions.list();
  }

  deliveries(): DeliveryRecord[] {
    return [...this.ctx.subscriptions.deliveries];
  }

  triggerLifecycleEvent(
    subscriptionId: string,
    event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
  ): void {
    this.ctx.subscriptions.sendLifecycleEvent(subscriptionId, event);
  }

  /** Graph deletes expired subscriptions: this one is gone for every later request. */
  expireSubscription(subscriptionId: string): void {
    const s = this.ctx.subscriptions.get(subscriptionId);
    if (!s) throw new EmulatorError('unknown-subscription', `No active subscription ${subscriptionId}`);
    s.expirationDateTime = new Date(this.ctx.now().getTime() - 1);
  }

  /** Moves the emulator's clock (token lifetimes, subscription expiry) forward; only without an injected `now`. */
  advanceClock(ms: number): void {
    if (!this.clock)
      throw new EmulatorError(
        'clock-not-adjustable',
        'The emulator was started with its own now(): move that clock instead',
      );
    this.clock.advance(ms);
  }

  injectFault(spec: FaultSpec): void {
    this.ctx.policy.injectFault(spec);
  }

  clearFaults(): void {
    this.ctx.policy.clearFaults();
  }

  setThrottling(spec: ThrottlingSpec): void {
    this.ctx.policy.setThrottling(spec);
  }

  /** Each app's use of each fixed window since throttling was set (empty for a sliding window or none). */
  throttleWindows(service: ThrottledService): ThrottleWindowUsage[] {
    return this.ctx.policy.throttleWindows(service);
  }

  /** The tenant-wide cap on PeopleManager calls (default 3,000 per 5 minutes). */
  setPeopleManagerCap(spec: PeopleManagerCapSpec): void {
    this.ctx.policy.setPeopleManagerCap(spec);
  }

  /** Outlook's per-app, per-mailbox limits on photo calls (default 4 concurrent, 10,000 per 10 minutes). */
  setMailboxLimits(spec: MailboxLimitsSpec): void {
    this.ctx.policy.setMailboxLimits(spec);
  }

  stats(): EmulatorStats {
    return this.ctx.policy.stats();
  }

  resetStats(): void {
    this.ctx.policy.resetStats();
  }
}
