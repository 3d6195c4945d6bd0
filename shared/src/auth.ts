// Who may do what. Roles and the login contract; the server enforces them on every route and socket event.
import { Type, type Static } from '@sinclair/typebox';
import { UnitIdSchema } from './domain.js';

/** operator: the wall (read-only) · dispatcher/leader: send units · admin: accounts · device: one unit's
 *  terminal, sees only its own orders · producer: the HTTP ingest twins. */
export const ROLES = ['operator', 'dispatcher', 'leader', 'admin', 'device', 'producer'] as const;
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = (typeof ROLES)[number];

/** Roles that see the live picture (wall, console, statistics). */
export const VIEW_ROLES: readonly Role[] = ['operator', 'dispatcher', 'leader', 'admin'];
/** Roles that may send units and change incidents. */
export const DISPATCH_ROLES: readonly Role[] = ['dispatcher', 'leader'];
/** Roles that may read the audit log. */
export const AUDIT_ROLES: readonly Role[] = ['leader', 'admin'];

export const UsernameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' });

export const LoginRequestSchema = Type.Object(
  { username: UsernameSchema, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequestSchema>;

/** Who a token belongs to. A device token carries the one unit it speaks for. */
export const SessionUserSchema = Type.Object(
  {
    username: Type.String(),
    role: RoleSchema,
    displayName: Type.String(),
    unitId: Type.Optional(UnitIdSchema),
  },
  { additionalProperties: false },
);
export type SessionUser = Static<typeof SessionUserSchema>;

export const LoginResponseSchema = Type.Object(
  { token: Type.String(), expiresAt: Type.Number(), user: SessionUserSchema },
  { additionalProperties: false },
);
export type LoginResponse = Static<typeof LoginResponseSchema>;

/** A unit terminal proves itself with its provisioning key (HMAC of the unit id with the deployment's device secret). */
export const DeviceLoginRequestSchema = Type.Object(
  { unitId: UnitIdSchema, key: Type.String({ minLength: 16, maxLength: 128 }) },
  { additionalProperties: false },
);
export type DeviceLoginRequest = Static<typeof DeviceLoginRequestSchema>;
