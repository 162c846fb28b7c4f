// Signs and verifies the emulator's access tokens (RS256 JWTs, like Entra's v1.0 app-only tokens): `aud` is the
// resource, `roles` the consented application permissions, `appidacr` how the client authenticated
// ("1" = client secret, "2" = certificate), which is what SharePoint looks at to refuse secret-based app-only tokens.
// https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference

import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, errors, type CryptoKey, type JWK } from 'jose';

export interface AccessTokenClaims {
  aud: string;
  tid: string;
  appid: string;
  appidacr: '1' | '2';
  roles?: string[];
  exp: number;
  oid: string;
  app_displayname: string;
}

export type TokenCheck =
  { ok: true; claims: AccessTokenClaims } | { ok: false; reason: 'expired' | 'audience' | 'invalid' };

export class TokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly kid: string,
    readonly issuer: string,
    readonly jwk: JWK,
  ) {}

  static async create(issuer: string): Promise<TokenIssuer> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID().replace(/-/g, '').slice(0, 27);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', alg: 'RS256' };
    return new TokenIssuer(pair.privateKey, pair.publicKey, kid, issuer, jwk);
  }

  async issue(claims: Omit<AccessTokenClaims, 'exp'>, options: { now: Date; lifetimeSeconds: number }) {
    const iat = Math.floor(options.now.getTime() / 1000);
    const token = await new SignJWT({ ...claims, idtyp: 'app', ver: '1.0', uti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(claims.oid)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + options.lifetimeSeconds)
      .sign(this.privateKey);
    return token;
  }

  async verify(token: string, options: { audiences: string[]; now: Date }): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: options.audiences,
        algorithms: ['RS256'],
        currentDate: options.now,
      });
      return { ok: true, claims: payload as unknown as AccessTokenClaims };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
        return { ok: false, reason: 'audience' };
      }
      return { ok: false, reason: 'invalid' };
    }
  }
}
