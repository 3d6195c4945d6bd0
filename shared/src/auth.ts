// Who may do what. Roles and the login contract; the server enforces them on every route and socket event.
import { Type, type Static } from '@sinclair/typebox';
import { UnitIdSchema } from './domain.js';
import { SeqSchema } from './events.js';
import { EpochMsIntegerSchema } from './time.js';
import { QueryInteger } from './validate.js';
import { ErrorParamsSchema } from './errors.js';

/** operator: the wall (read-only) · dispatcher/leader: send units · admin: accounts · device: one unit's
 *  terminal, sees only its own orders · producer: the HTTP ingest twins · community: the community team's leader
 *  (社区警务队长), who runs disputes and tasks (shared/src/community/api.ts) and sees the live picture · volunteer: one
 *  volunteer's terminal (群防群治, shared/src/volunteers.ts), acts only for that volunteer. */
export const ROLES = ['operator', 'dispatcher', 'leader', 'admin', 'device', 'producer', 'community', 'volunteer'] as const;
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = (typeof ROLES)[number];

/** Roles that see the live picture (wall, console, statistics). */
export const VIEW_ROLES: readonly Role[] = ['operator', 'dispatcher', 'leader', 'admin', 'community'];
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
    /** A volunteer token speaks for this one volunteer (unitId is then their team). */
    volunteerId: Type.Optional(Type.String({ maxLength: 64 })),
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

/** A refused or failed auth request (401, 403, 423 locked, 429 rate-limited). `lockedUntil` is epoch ms when locked. */
export const AuthErrorSchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
  lockedUntil: Type.Optional(Type.Number()),
  /** The values the code's sentence names (errors.ts), e.g. account_locked's `until` (epoch ms) and `timeZone`
   *  (the station's, in which a person reads the time). */
  params: Type.Optional(ErrorParamsSchema),
  /** The refused field when a schema refused the request (400). */
  path: Type.Optional(Type.String()),
});
export type AuthError = Static<typeof AuthErrorSchema>;

export const PasswordSchema = Type.String({ minLength: 8, maxLength: 256 });

/** An account as the admin screens see it (never the password hash). */
export const AccountSchema = Type.Object(
  {
    username: Type.String(),
    displayName: Type.String(),
    role: RoleSchema,
    disabled: Type.Boolean(),
    /** Epoch ms until which logins are refused after repeated failures; absent when not locked. */
    lockedUntil: Type.Optional(Type.Number()),
    failedAttempts: Type.Integer(),
    createdAt: Type.Number(),
  },
  { additionalProperties: false },
);
export type Account = Static<typeof AccountSchema>;

export const CreateAccountRequestSchema = Type.Object(
  { username: UsernameSchema, displayName: Type.String({ minLength: 1, maxLength: 64 }), role: RoleSchema, password: PasswordSchema },
  { additionalProperties: false },
);
export type CreateAccountRequest = Static<typeof CreateAccountRequestSchema>;
export const ChangeRoleRequestSchema = Type.Object({ role: RoleSchema }, { additionalProperties: false });
export const DisableAccountRequestSchema = Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false });
export const ResetPasswordRequestSchema = Type.Object({ password: PasswordSchema }, { additionalProperties: false });

export const AUDIT_OUTCOMES = ['ok', 'refused', 'error'] as const;
export const AuditOutcomeSchema = Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o)));
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One line of the append-only audit log. `id` is the Redis stream id (time-ordered). */
export const AuditEntrySchema = Type.Object(
  {
    id: Type.String(),
    time: Type.Number(),
    user: Type.String(),
    role: Type.String(),
    action: Type.String(),
    target: Type.String(),
    outcome: AuditOutcomeSchema,
    detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntrySchema>;

export const AuditQuerySchema = Type.Object(
  {
    /** Epoch ms (inclusive). */
    from: Type.Optional(EpochMsIntegerSchema),
    /** Epoch ms (inclusive). */
    to: Type.Optional(EpochMsIntegerSchema),
    user: Type.Optional(Type.String({ maxLength: 64 })),
    /** Exact action, or a prefix ending in '.' (e.g. 'auth.'). */
    action: Type.Optional(Type.String({ maxLength: 64 })),
    target: Type.Optional(Type.String({ maxLength: 128 })),
    outcome: Type.Optional(AuditOutcomeSchema),
    limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 500, default: 100 })),
    /** `nextCursor` of the previous page (an audit stream id). */
    cursor: Type.Optional(SeqSchema),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuerySchema>;

export const AuditPageSchema = Type.Object(
  { items: Type.Array(AuditEntrySchema), nextCursor: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type AuditPage = Static<typeof AuditPageSchema>;
