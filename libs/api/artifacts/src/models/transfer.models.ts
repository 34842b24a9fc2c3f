import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Upload', {
  description: 'A staged upload: PUT the bytes to `url` with the token, then finalize.',
})
export class UploadModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  modelId: string;

  @Field({ description: 'Path of the upload endpoint, relative to the server URL.' })
  url: string;

  @Field(() => String, {
    nullable: true,
    description: 'Bearer token for the PUT requests; shown only when the upload is created.',
  })
  token: string | null;

  @Field()
  state: string;

  @Field(() => Float)
  declaredSize: number;

  @Field(() => Float)
  receivedSize: number;

  @Field(() => Int, {
    description: 'Plaintext bytes per segment after the first (resume points are segment ends).',
  })
  segmentSize: number;

  @Field()
  expiresAt: Date;
}

@ObjectType('DownloadGrant', { description: 'A one-time, short-lived download link (audited when issued).' })
export class DownloadGrantModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  versionId: string;

  @Field({ description: 'Path of the download, relative to the server URL; the path is the secret.' })
  url: string;

  @Field()
  expiresAt: Date;

  @Field(() => Float)
  sizeBytes: number;

  @Field()
  sha256: string;
}

@ObjectType('KeyRotation')
export class KeyRotationModel {
  @Field(() => Int, { nullable: true })
  fromVersion: number | null;

  @Field(() => Int)
  toVersion: number;

  @Field(() => Int, {
    description: 'Data keys re-wrapped under the new KEK (no model bytes are re-encrypted).',
  })
  rewrapped: number;

  @Field({ description: 'True when this call finished a rotation an earlier crash interrupted.' })
  resumed: boolean;
}

@ObjectType('TenantDeletion')
export class TenantDeletionModel {
  @Field(() => Int)
  keysDestroyed: number;

  @Field(() => Int)
  versionsShredded: number;
}
