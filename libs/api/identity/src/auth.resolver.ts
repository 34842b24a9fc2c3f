import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import {
  Authenticated,
  Ctx,
  Public,
  RoleEnum,
  requestInfo,
  type ArcaRequest,
  type TenantContext,
} from '@arca/api-core';
import { AuthService } from './auth.service.js';
import { ChangePasswordInput, LoginInput } from './dto/login.input.js';
import { LoginResultModel, MeModel, PrincipalKindEnum } from './models/identity.models.js';
import { toApiKey, toLoginResult, toTenant, toUser } from './models/mappers.js';
import { SessionIssuer } from './session-issuer.service.js';
import { clearSessionCookie, setSessionCookie, type CookieReply } from './session-cookie.js';

@Resolver()
export class AuthResolver {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(SessionIssuer) private readonly issuer: SessionIssuer,
  ) {}

  @Query(() => MeModel, {
    description: 'The authenticated principal, its tenant, role and effective permissions.',
  })
  @Authenticated()
  async me(@Ctx() ctx: TenantContext): Promise<MeModel> {
    const { user, tenant, apiKey } = await this.auth.me(ctx);
    return {
      principalKind: ctx.kind === 'apiKey' ? PrincipalKindEnum.API_KEY : PrincipalKindEnum.SESSION,
      user: toUser(user),
      tenant: toTenant(tenant),
      role: ctx.role as RoleEnum,
      permissions: [...ctx.permissions].sort(),
      apiKey: apiKey ? toApiKey(apiKey) : null,
    };
  }

  @Mutation(() => LoginResultModel)
  @Public()
  async login(
    @Args('input') input: LoginInput,
    @Context('req') req: ArcaRequest,
    @Context('headers') reply: CookieReply,
  ): Promise<LoginResultModel> {
    const out = await this.auth.login(input.email, input.password, input.tenantSlug, requestInfo(req));
    if (input.cookie) setSessionCookie(reply, out.token, this.issuer.cookieMaxAgeSeconds);
    return toLoginResult(out, input.cookie ? null : out.token);
  }

  @Mutation(() => Boolean)
  @Authenticated()
  async logout(@Ctx() ctx: TenantContext, @Context('headers') reply: CookieReply): Promise<boolean> {
    await this.auth.logout(ctx);
    clearSessionCookie(reply);
    return true;
  }

  @Mutation(() => Boolean, {
    description: 'Changes the password and revokes every other session of the user.',
  })
  @Authenticated()
  async changePassword(
    @Ctx() ctx: TenantContext,
    @Args('input') input: ChangePasswordInput,
  ): Promise<boolean> {
    await this.auth.changePassword(ctx, input.currentPassword, input.newPassword);
    return true;
  }
}
