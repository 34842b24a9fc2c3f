import type { InvitationModel as InvitationRow } from '@arca/api-db';
import type { RoleEnum } from '@arca/api-core';
import { toUser } from '@arca/api-identity';
import type { MemberRow } from '../membership.repository.js';
import type { InvitationModel, MemberModel } from './tenancy.models.js';

export const toMember = (m: MemberRow): MemberModel => ({
  user: toUser(m.user),
  role: m.role as RoleEnum,
  createdAt: m.createdAt,
});

export const toInvitation = (i: InvitationRow): InvitationModel => ({
  id: i.id,
  email: i.email,
  role: i.role as RoleEnum,
  expiresAt: i.expiresAt,
  createdAt: i.createdAt,
  acceptedAt: i.acceptedAt,
  revokedAt: i.revokedAt,
});
