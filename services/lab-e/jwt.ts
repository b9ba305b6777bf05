// Tokens for Lab E (jose, HS256 with a shared secret): auth signs them at login, the gateway verifies them. The claims
// are the account's public id (`sub`) and its role at login time (a role change takes effect at the next login).
import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../shared/app-error.js';
import { Role } from './schema.js';

const ISSUER = 'lab-e-auth';
const AUDIENCE = 'lab-e';

export interface Identity {
  publicId: string;
  role: Role;
}

const keyOf = (secret: string): Uint8Array => new TextEncoder().encode(secret);

export async function signToken(secret: string, who: Identity, ttlSeconds = 12 * 3600): Promise<string> {
  return new SignJWT({ role: who.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(who.publicId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keyOf(secret));
}

/** The identity in a bearer token; AppError UNAUTHORIZED (401) when it is missing, expired, forged or malformed. */
export async function verifyToken(secret: string, authorization: string | undefined): Promise<Identity> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (match === null) throw new AppError('UNAUTHORIZED', 'authorization: a Bearer token is required');
  try {
    const { payload } = await jwtVerify(match[1]!, keyOf(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const role = Role.safeParse(payload.role);
    if (typeof payload.sub !== 'string' || !role.success)
      throw new AppError('UNAUTHORIZED', 'authorization: the token names no account or role');
    return { publicId: payload.sub, role: role.data };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('UNAUTHORIZED', `authorization: invalid token (${(err as Error).message})`);
  }
}
