import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '@arca/api-core';

// Sequence numbers and tree sizes are integers that outgrow GraphQL's 32-bit Int; they travel as Float and are
// always whole numbers below 2^53. Hashes are lower-case hex.

@ObjectType('AuditEvent', { description: 'One entry of the tenant audit log.' })
export class AuditEventModel {
  @Field(() => Float, { description: 'Position in the tenant log (0-based leaf index).' })
  seq: number;

  @Field(() => ID)
  eventId: string;

  @Field({ description: 'Server time of the event.' })
  time: Date;

  @Field()
  sequencedAt: Date;

  @Field()
  action: string;

  @Field()
  outcome: string;

  @Field()
  actorKind: string;

  @Field(() => ID, { nullable: true })
  actorId: string | null;

  @Field(() => ID, { nullable: true })
  apiKeyId: string | null;

  @Field(() => String, { nullable: true })
  resourceType: string | null;

  @Field(() => String, { nullable: true })
  resourceId: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field({
    description: 'The canonical JSON (RFC 8785) that was hashed; its UTF-8 bytes are the Merkle leaf.',
  })
  entry: string;

  @Field({ description: 'SHA-256(0x00 ‖ entry), hex.' })
  leafHash: string;
}

@ObjectType('AuditEventEdge')
export class AuditEventEdge {
  @Field()
  cursor: string;

  @Field(() => AuditEventModel)
  node: AuditEventModel;
}

@ObjectType('AuditEventConnection')
export class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges: AuditEventEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}

@ObjectType('AuditCheckpoint', { description: 'A signed tree head in the C2SP checkpoint format.' })
export class AuditCheckpointModel {
  @Field()
  origin: string;

  @Field(() => Float)
  size: number;

  @Field()
  rootHash: string;

  @Field({ description: 'The signed note: checkpoint body, blank line, signature lines.' })
  note: string;

  @Field({ description: 'The log verifier key (C2SP vkey) that signs this tenant log; pin it.' })
  verifierKey: string;

  @Field()
  signedAt: Date;
}

@ObjectType('InclusionProof')
export class InclusionProofModel {
  @Field(() => Float)
  leafIndex: number;

  @Field(() => Float)
  treeSize: number;

  @Field()
  leafHash: string;

  @Field()
  rootHash: string;

  @Field(() => [String])
  proof: string[];
}

@ObjectType('ConsistencyProof')
export class ConsistencyProofModel {
  @Field(() => Float)
  size1: number;

  @Field(() => Float)
  size2: number;

  @Field()
  root1: string;

  @Field()
  root2: string;

  @Field(() => [String])
  proof: string[];
}

@ObjectType('AuditAlert')
export class AuditAlertModel {
  @Field(() => ID)
  id: string;

  @Field()
  rule: string;

  @Field({ description: 'What the alert is about, e.g. user:<id>, ip:<address>, api_key:<id>:<network>.' })
  subject: string;

  @Field()
  windowStart: Date;

  @Field(() => Float)
  eventCount: number;

  @Field(() => Float)
  firstSeq: number;

  @Field(() => Float)
  lastSeq: number;

  @Field({ description: 'JSON object with the rule description and figures.' })
  details: string;

  @Field()
  createdAt: Date;
}

@ObjectType('AuditAlertEdge')
export class AuditAlertEdge {
  @Field()
  cursor: string;

  @Field(() => AuditAlertModel)
  node: AuditAlertModel;
}

@ObjectType('AuditAlertConnection')
export class AuditAlertConnection {
  @Field(() => [AuditAlertEdge])
  edges: AuditAlertEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
